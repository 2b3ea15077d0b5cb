import { crc32 } from 'node:zlib';

/**
 * Writes a state dict the way `torch.save(state_dict, path)` does (zip "archive/" + protocol-2 pickle),
 * readable by `torch.load` (weights_only too: only OrderedDict, _rebuild_tensor_v2 and storage classes
 * are referenced). Hand-written: no npm package writes torch checkpoints, and a zip of stored entries plus
 * a ~40-opcode pickle is small. Entries are stored uncompressed and 64-byte aligned, as torch writes them.
 */
export interface TensorOut {
  name: string;
  dtype: 'float32' | 'int64' | 'bool';
  shape: number[];
  data: Float32Array | BigInt64Array | Uint8Array;
}

const STORAGE: Record<TensorOut['dtype'], string> = { float32: 'FloatStorage', int64: 'LongStorage', bool: 'BoolStorage' };

class PickleOut {
  private parts: Buffer[] = [];
  op(...bytes: number[]): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  global(module: string, name: string): this {
    this.parts.push(Buffer.from(`c${module}\n${name}\n`, 'latin1'));
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    const h = Buffer.alloc(5);
    h[0] = 0x58; // BINUNICODE
    h.writeUInt32LE(b.length, 1);
    this.parts.push(h, b);
    return this;
  }
  int(v: number): this {
    if (v >= 0 && v < 256) return this.op(0x4b, v); // BININT1
    if (v >= 0 && v < 65536) return this.op(0x4d, v & 0xff, v >> 8); // BININT2
    if (v >= -0x80000000 && v < 0x80000000) {
      const b = Buffer.alloc(5);
      b[0] = 0x4a; // BININT
      b.writeInt32LE(v, 1);
      this.parts.push(b);
      return this;
    }
    throw new Error(`pickle: integer ${v} out of range`);
  }
  tuple(items: number[]): this {
    this.op(0x28); // MARK
    for (const v of items) this.int(v);
    return this.op(0x74); // TUPLE
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function pickleStateDict(tensors: TensorOut[]): Buffer {
  const p = new PickleOut().op(0x80, 2); // PROTO 2
  p.global('collections', 'OrderedDict').op(0x29, 0x52); // EMPTY_TUPLE, REDUCE
  p.op(0x28); // MARK
  tensors.forEach((t, i) => {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    const stride = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    p.str(t.name);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.op(0x28); // MARK (args)
    p.op(0x28).str('storage').global('torch', STORAGE[t.dtype]).str(String(i)).str('cpu').int(numel).op(0x74); // persistent id tuple
    p.op(0x51); // BINPERSID
    p.int(0).tuple(t.shape).tuple(stride).op(0x89); // offset, size, stride, requires_grad=False
    p.global('collections', 'OrderedDict').op(0x29, 0x52); // backward_hooks
    p.op(0x74, 0x52); // TUPLE, REDUCE
  });
  p.op(0x75); // SETITEMS
  return p.op(0x2e).bytes(); // STOP
}

interface Entry { name: string; data: Buffer; offset: number; crc: number }

/** A stored-entry zip with 64-byte aligned data (torch's own layout); no zip64 (entries < 4 GiB). */
function zip(files: { name: string; data: Buffer }[]): Buffer {
  const out: Buffer[] = [];
  const entries: Entry[] = [];
  let pos = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const base = pos + 30 + name.length;
    // Extra field "FB" (torch's padding id) so that the data starts on a 64-byte boundary.
    let pad = (64 - ((base + 4) % 64)) % 64;
    const extra = Buffer.alloc(4 + pad);
    extra.write('FB', 0, 'latin1');
    extra.writeUInt16LE(pad, 2);
    pad = extra.length;
    const crc = crc32(f.data);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4); // version needed
    h.writeUInt16LE(0, 6); // flags
    h.writeUInt16LE(0, 8); // stored
    h.writeUInt32LE(0, 10); // time/date
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(f.data.length, 18);
    h.writeUInt32LE(f.data.length, 22);
    h.writeUInt16LE(name.length, 26);
    h.writeUInt16LE(extra.length, 28);
    entries.push({ name: f.name, data: f.data, offset: pos, crc });
    out.push(h, name, extra, f.data);
    pos += 30 + name.length + extra.length + f.data.length;
  }
  if (pos > 0xfffffff0) throw new Error(`checkpoint of ${pos} bytes needs zip64, which this writer does not produce`);
  const cdStart = pos;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4); // made by
    c.writeUInt16LE(20, 6); // needed
    c.writeUInt16LE(0, 8);
    c.writeUInt16LE(0, 10);
    c.writeUInt32LE(0, 12);
    c.writeUInt32LE(e.crc, 16);
    c.writeUInt32LE(e.data.length, 20);
    c.writeUInt32LE(e.data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt16LE(0, 30); // extra
    c.writeUInt16LE(0, 32); // comment
    c.writeUInt16LE(0, 34); // disk
    c.writeUInt16LE(0, 36); // internal attrs
    c.writeUInt32LE(0, 38); // external attrs
    c.writeUInt32LE(e.offset, 42);
    out.push(c, name);
    pos += 46 + name.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(pos - cdStart, 12);
  end.writeUInt32LE(cdStart, 16);
  out.push(end);
  return Buffer.concat(out);
}

/** The bytes of `torch.save(OrderedDict(tensors), path)`; `archive` is the folder name inside the zip. */
export function torchStateDictBytes(tensors: TensorOut[], archive = 'archive'): Buffer {
  const files = [{ name: `${archive}/data.pkl`, data: pickleStateDict(tensors) }, { name: `${archive}/byteorder`, data: Buffer.from('little') }];
  tensors.forEach((t, i) => files.push({ name: `${archive}/data/${i}`, data: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength) }));
  files.push({ name: `${archive}/version`, data: Buffer.from('3\n') });
  return zip(files);
}
