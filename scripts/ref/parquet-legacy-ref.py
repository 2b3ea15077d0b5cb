"""Reference values for test/parquet-legacy.test.ts, read by pyarrow (not by DuckDB or ntcorr).

The three files are apache/parquet-testing's data/{hadoop_lz4_compressed,non_hadoop_lz4_compressed,
repeated_no_annotation}.parquet (commit 1a2a75127be06fc0123f03ebd36c966f7beda27d), copied to
test/data/parquet-testing/. Run: /work/venv/bin/python scripts/ref/parquet-legacy-ref.py
"""
import json
import pathlib

import pyarrow
import pyarrow.parquet as pq

here = pathlib.Path(__file__).resolve().parents[2] / "test" / "data" / "parquet-testing"
out = {"pyarrow": pyarrow.__version__, "files": {}}
for name in ["hadoop_lz4_compressed", "non_hadoop_lz4_compressed", "repeated_no_annotation"]:
    f = pq.ParquetFile(here / f"{name}.parquet")
    rows = f.read().to_pylist()
    for r in rows:
        for k, v in r.items():
            if isinstance(v, bytes):
                r[k] = v.decode("utf-8")
    out["files"][name] = {
        "footer_num_rows": f.metadata.num_rows,
        "row_group_rows": [f.metadata.row_group(i).num_rows for i in range(f.metadata.num_row_groups)],
        "codec": f.metadata.row_group(0).column(0).compression,
        "rows": rows,
    }
(here / "expected.json").write_text(json.dumps(out, indent=1, default=str) + "\n")
print(json.dumps({k: (v["footer_num_rows"], v["row_group_rows"], v["codec"]) for k, v in out["files"].items()}))
