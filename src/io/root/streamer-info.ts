/**
 * The StreamerInfo record (TList of TStreamerInfo) that ntcorr writes into every ROOT file: the bytes of
 * the record in ROOT 6.20.04's `uproot-sample-6.20.04-zlib.root` (scikit-hep-testdata, in ../shared/fixtures/root),
 * key at offset 44696, copied verbatim (still zlib-compressed). It describes TTree v20, TBranch v13, TLeaf v2,
 * TLeafO/B/S/I/L/F/D/C v1, TObjArray v3, TNamed, TObject, TAttLine/Fill/Marker, ROOT::TIOFeatures, TList:
 * exactly the class versions src/io/root/tree-object.ts serialises. Object references inside the record are
 * offsets from the start of its key, so it must be written under a key of the same length (64 bytes: a small
 * TKey, class "TList", name "StreamerInfo", title "Doubly linked list").
 */
export const STREAMER_INFO_OBJLEN = 17366;
export const STREAMER_INFO_KEYLEN = 64;
export const STREAMER_INFO_ZIPPED = Buffer.from(
  'WkwI9BEA1kMAeF7tXGtsHcd1PlyRlETqYdmWIieOvGESk6ItW44tx5FDZ0mKbFlTpkteWY3lh/benSVX3LtL7e4lRT+itVrHtRM/ajtu4saGmyApirZGGqNv' +
  'IEib1A3aAinaX/3RF/KjKFA0P1IUKNomPefM7L2zl5fkbiS7AtKFOHcfs/N9c86ZMzNnZmXB+F9DD3QBHgYleFxjwZXhj/CozCWRsOsimgrcEPDuJ2G7BXAV' +
  'ZucXtmDaU6lEQkDk/ON5vHM1ZrqNX52pnhmNInuVXhuALXmED1CCJT2bQxmzY0F3V2ALpnXoxvSuJhb+9VbuwXzOcGVBmFU79mLTDSPTNgO6a4bVM6KWmEN0' +
  'daOZeIkvDuJL4wqzefzD7/3Mx/Xr7rHRuQn87bIA3BTgj/H3IaZQYQof1ilsq4wmybQXiN2UmHaSRF61kYi4WZx2vLx1Ykq/zpAMC2AxlUg1RvokIw2vQZr0' +
  'fP9qSkwbZbQJ3I/+dvhF/VqHO5NKuCrD/RzDHdTh+gjuuB0timiP/NkE7eD7P/Ov+rWO9mi7Xr1aZXWJlXuaM9zPBAZz9XUnAsQT8Z57GvUqwoeuKeQdfHoF' +
  '5aCs6x3bpsNg/vbbHk4sgBdSML6Av78IBqYXGGtGx9ruVsJkbBVrdgee2L4ZNCGrdNf0AtNGoVcjO6gt4HVVoKUJsxbWlyIRx14YQElOzytOT4GB6RPM6Z48' +
  'p/u9Jeb00WKcbDfBxxdBKVaUFsHAVDClj+iU+t05e1k4TOqallbsRhLG9EASg5Kw5xTsEhiYnmHYj+qwO91JvxEvKOBr88CHXPnsx8NeVtgBGJgurMXe6p4U' +
  '3vxCMkBezVzhc3MoxnP2c0ePzolE5iDfQrgbYvc6YaPqC6sz8lEdeZdb8djVolaXbf8AX6HS5SVpv45+wItFLQwcqji91K1wOh5b8GULG6NCjsGwMrf6iVzT' +
  'd+dqdjDpCd8ZbAk7agRNu1+K0MoSL5gnGpRZvVkEPlTw82BgajP8rXmRn1hy7EQckD+mG4mzDRHUVtm7k1NYnQ7DJZW7COSrCvJFMDD9LEM+pEPuc48J1274' +
  'CZc+47qxSKZFcHQq8BIPhY3n88kCSYGdksphJjbqkkSQyA5oEe9VG64rojL6eE2x+xwYmD7P7Oy8JdwzjkaOip+1g3kx0dKJum1GdJ8dguMg4xAZhUwqxD7J' +
  'ES52TdRAzMFRbDHcmAax3F4oRnBTV9XvHrfPKW99BE+9eqOuuSvltYlfDbt0ulXzolrDtyNNXKXabaoonQMD02itDe/MKLGtfGh9UigotOYaekwoyeEZxeEC' +
  'GJg+xhymdA67icN9XpQ0bH/Oe0TcmLFI2J/HeIu9uRSBuSiWEm7Woh5Gq1CSzZuKzVfBwPQNZlPX2Wx3SfnkwO+jE3LYZsJObUEEZvNhUzArkZck+ATb3KHW' +
  '06GsfxHOQdUPoficRk04UJLxW4rxb4CB6VeYcZT3Q01zvZ/OpKtvJ83P12ctH19C2p9WtD8FhkUGSLQn8oKeiBOvjq7rpjUjFzI3oZ6aC16chPORXTd9r+4l' +
  'pQ3wG2tHVfeG3EHQwOoNMKystR7X+V3h5rxJ4Nx8Ku9gHjSn7ThhyqvczZo13c/chGXcQVQUpY7H9oznMF5c3ebB5BzBAvjDFPq/j79fBwPTl5jrwzrXHRlX' +
  'aj8Ta3iulS+2H2HXFpqM5YRg3ltGm7jU7N/KyX+GpxujAc1w4PNgWNTfUIXuy7vKqZlJYScNNMaRqRnTVedkGNJRM+VArPirhzJjll0LjvACpznco3rchX9c' +
  '8nrHntmZmcrRo5UWpgWw2oE2cbbBwPQUc86NxLe7Ywr0imk0WRJ3dgOfjgBP3dY/tjfnfhY6yxR2XY+/j4CBacJglg621Z0W6GjiG455EU3flqRFs4C8wPGW' +
  'PQfdqRKD6XNeKMvi1zqIQGs6+jzhZ3Vy29xR38MuLL4zE4Qtr1lp4lw28o5JZTQFlUMD9li64iwqS/LqfPRWCGDYQh+ews7QouG4YVHjIE6H8k1kKnDEufts' +
  'vyHiq+bCKEFgj26Zy3wPpKHsV0V3PLZWWDTHLJ4ZMmAVDEwfYMDcRLRXAu7jlGQQS8zSaFMW+qcUdh/E31UwLBqSElpuGNznUmtjrAGlomxww2KVLIY8VEWw' +
  'SmNwLGBj2e6qqD6ZXyUZrygSIRiYekzijrzeJ9G74DB7QJkjUfCVCbj8yBS+qKMXIgFY9IoE63y01Pu8gtbHVvfmG9+JWAZcPqZh2030RkwOkC0YHUQchzXP' +
  'Jm2wjLzY5GhMKUq/oCg9Bgamy2ubaJ/yB7PCHZJnZtxYWkIroBkBaaaCjyo8OC6jmP5Ks9xhQnwxRXeEv89wlOnqJoWuZuQni910YS4Hc7+Cvw9AW3CJKBP4' +
  'fCpDHg/DFkxPcL2u1+u1lVwEynEPd6Um+U4lWXw4pkprHi+875uH9Gs9bJTk/Av+omCIwgNgWNQhEPSHdOgel+qzR4WsPAcNyXM99EYAo7Bpa5IAFsDpFK56' +
  '2qJ4joHpLOOYOk4vTioTX+xQQBwUgxIYpJYjqVTLIVbLXl0tmQQz4ZBeelPWC/ywXS/8iw8SNaDywcDUZdI366SxCQQeTgGnju1XvBt8nZfTTthkNrMDJ7De' +
  'PM2E5LSmrnB1zzqUV8oYjsr2Vr3EdGkybMYJdqI4xgwjGjXuhjKAJLnVVEruLEtuny65ZhwxCxIamG8qlSY92i66zKRPqyro+h7Qq9DnUpnjoR9GfRygrNEp' +
  'yJKy0joePfECNmirMMZcsuoLiRHTKbwDGCc9J1mQGCt0CoUxSPrXpVL671lH+hRWzWKmBub4fioN95/bpZ8ZrlCsH+TsJ5l1buDU51KZLP3draBteRUUBGIV' +
  'aEAl9UAyejKVMnqcZbRfl5EWEM5ivQbmnEuljd7dLqXMRh1FXvd9Obe7w5Wlspx2qFhzeSE5RXFYTBlOSRlZOC5SOPeDYWVLAjlfTtEQxsEpS38Gg+dUCGzi' +
  'MnpcP7R5NP47KWsCfos1cZ2uibWjenjvr95MU0f0t/BYKs02aVcIX+CDU6oCc2BYNDWkCrS8ONAQfGqGPB9d92cvrnfsbDq52oJNo+f+P0iZef9vd+ofZA8P' +
  'V/zyM79JL2O2Z1Lm23+hne8+SrCE86nst/8Pl4He5cWZSGnoDF85DHe7DrfdHVfxjOuyEwr6+WJZ+DxLtP35ECePC3X1woZGp8J8ncL/uVh4vzvGE1Ey7ANZ' +
  'aJQuaBxqymfmGEez1BtFYF9SsJ8BA9MnGfakDrtbj7m+a1HZJUVrAQyLJkNE6zad1g73JEpYyGq/lyMmCkwFGdXsXWUvgrnpOtUOWVEZ9jgy3ogiHACpQI1C' +
  'HfKJCcV9XbREHnvIiYCcf5LplwoyPa2mg0+AgemjzCkXadUjGtfrEY1WHKOGzYHmJCqO8eOHLlwloIfAsLJVy1w73OpKI9irbAFtQ6u8ylREFQ2FVAfDorUK' +
  'QvpYvtrH7XNS+bG5NrycPYlD07WpOfRCMeB5BfwwGFbmam7IA88t+R42BGzrV2bTL7ojm7/KVQRqQUGdBsN6p5dgLygsPe4zmq/WpBfFcgFmqAVHbdilB8rK' +
  '89YMJVk8p1h8GgxMU2aRi422FoJv33DRVcadLsEy8LOK0ZNgYHqeGU3nGWXLwEeKMLroReBHVYBOXx3MGX4rGjhw6C6zPSC4tsWVi8ytKHg9FHMk38JlfNDU' +
  'wFXdLxJ6VUGfBcOiXnBN/7dN9X/xBzTsLDZ7keCvqEj4c2BYtBS+pn3sUOBsCoOnNO/zoNYRNtkE5P5pyHkDbOIMutEZUJh7p+7RsoGaBfAVxew1MKzMQu/u' +
  'xIyb7i15ZjIIRD10vg1zjF6ShbLx+PWIvqaIynXUFSY6nncx8qU5IRaH8zxHHYdXh1iPa4V4aQi+oaIz+uLA6XzTwtGjoMHsFCVSbj4vdqGXydYJcXCJ0xb0' +
  'O445NDBgei4JNKb8nNmWMT9zQdiOiKi/H4US0Z23UzkD/EanoBs2PXcKPnXmzWuAB8Zdn0/l7O8FWGf2h+6ER84xbLGy9pyL7/ZwoYOUHDUdEdcib4lXsENa' +
  'eFL9m2MntpnQjqEOR/3AE7P6tT6SfkS514ivfIbPzR22uce9gPruIfUrw9gkVfQqbrayjh35kqhRqMlRL27YplQHWwRdjhyGshHEpUJH2Xdj/06q7D7daZce' +
  'CTwTnYGZ7kxZk923tmtyKyXWZTENe0LJU18syC29dmPnENzaGj243jmE9qV7zAL02dSAJDwYs23RiLSQWK3O4cq2xQIkQdvbBlpEZFdN8uBOQrfnoribbhjK' +
  'xr4fVmNfrOa4jxOBmPuYpgLQtvAmyb4gcleXQv5PMDD9ASN/O1/jqXiWTPXNoZHFyuyJiaYBL6A3sqUZ32guTo5Oz02YIQo/WvFicfAm06yQOPCfONvw0PZp' +
  'OpOEOK6ilQTbHKRCamEjSAYx7ySbE1vuhNQl61E1kgClW7fZdWB5do1WePxV6SkzlStfrN4mrV8Jm8xDuqth6FscVmEhJGBYpAQSQvs8KD6hYiHXa3LI4iMd' +
  '6g8l8H9Frcq8BAamzzL+Azp+Hw2M3HES1jFtoYxumixCIrNsRx53yapNDK0I0wnNIMSxzIqUEeeVHQdCbNztyR6BF2u+k8p+45vr9RszYLz5038Dst94NZX9' +
  'xovt3oZqchn0G532yLV77vL9RmFlF4Ev33EUgy+kzDHYfeDuh+AnWZn09sbSpICoVQy+vDKLwZMy/zyVyvyT9ZQ5B3t3/Nt3QSrzi6lU5suXqTI7+eF2aZZX' +
  'JlUyq2jHoxn+L4JfXpsF8Umdf5VKdX5nPXVOw99/ZFsVpDq/lEp1vnqZqvO8EucKX53tKM7y6iwV8ShCobxGi1Mo1EYn4ejfvUZxxJ/cNtpDKFTCeodcPLOK' +
  '4ZfXaEF8UudfplKd315Pncdgz3NPLYNU5+upVOcrl6k6H1fibPBV2FGc5dVJjWPDBtL6VqIIgfL6LEqAFPp2uklUZBz+63tf/wFIhf5/VKTjcVlERUCpEqQq' +
  '26MiXpyA96ff+iO804OPv5DKxfRfatckX1j88RJrcok1KaMBuaDxrsqcODse+j5OvlGB75uTH7MInoXVmvfN0bFxVXTu+G//zrf160yNDP7dVFblz7gq1+pV' +
  'aYNtlmNdijr1V1olH2idmnY1TiKcefPuV7Pm2/xRxZrj5Pf+4ov6dVanLdTScJ7LLe0lrtM1ep102KwQZNhFcS5qbqfbK5Q1t/n0Xdv556kYr76ZOvddpdzp' +
  't4/CYHLNQLcCKBGstQp8StXj8vK89tWLFgPLwRZuPtOptLljnXZ3qDAydCUUIDYww/tTaWx723UjD9Ta4VQqfIgLbNtyJD3drHDhg6ff+h+QMv5hKsv8j/Yy' +
  '+dcqpG9Z8J7MkyoPy1uO1hxqs0rzyPS90+KtGhyW0bdqtG1ezPbC7tf27+Y2yQKT3rgv6mvmpmiL8S8pC834Jxbae3ShbW+V+9mnTz1JdzHj76csM+Nr7TKj' +
  'UU1BmV2qNlLUbJ1GvS4/+qvatcUVO3J4YdNOvKrne8mqyr2p2VoAX1JqehUMTF9myNyHJtvce23aTBFP2TJa6pryRnNvtTkk5uVHn9lWCnMh9J1sy3MkXBGR' +
  'Y89C3YU2gvc11wCHLZx7KJYeGBZtNiKWh3WWve7MSiCia6UmKGQn4bEvLGVN25QuCfT1/F7lyjS9/jRbgdztMaYz2OneK7+W+6kTU8fiwROUkrAq6jZdNujT' +
  'B3QwSqR4C/X+77CJX9u1jITC6OMx+5Bsf8gIuQgyXnIRX+tk7ZkA4ddfFzTiQeJdT6WyRzjfbu1UBarfpl3cO9VtW9Bx3/EtOna/Ox2uiGgsbATOfj41q3Se' +
  '9RdsoSpvEeNfVYD6wvaIDtjj0valYfnVl4qs07YCbgm1MEhsjw3NDlotvhA4Ke8C2xcPrPAqaf3nEhb000cMM+5sw+cNJYYF8LucG3Xa2jT/ZZ3qKzTeHUFb' +
  'dcw4bEQ1MU6jjJEBbpgDZmJH8yLJ31sWEW2EGBk4deiW2x8cUO+NDGS5RwY6f/07gFV3MN+jZufn5oh5y+HDh+80Hx8wiSeO+se+hb8v6Hx//uL43tGZb+57' +
  'NI1n7j7yU+TgfwEvcqB3',
  'base64',
);
