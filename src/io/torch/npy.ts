import { readFileSync } from 'node:fs';
import { NtcorrError } from '../../core/errors.js';

/**
 * Minimal NumPy .npy reader (format 1.0-3.0, little-endian float64/float32/int64/bool, C order): enough
 * for reference arrays written by numpy. Hand-written because no npm dependency of ours reads .npy.
 */
export interface NpyArray {
  shape: number[];
  data: Float64Array | Float32Array | BigInt64Array | Uint8Array;
}

export function readNpy(path: string): NpyArray {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new NtcorrError(`${path}: cannot read (${(e as Error).message})`, { file: path });
  }
  if (buf.length < 10 || buf.readUInt32BE(0) !== 0x934e554d || buf.toString('latin1', 4, 6) !== 'PY') throw new NtcorrError(`${path}: not a .npy file (bad magic)`, { file: path });
  const major = buf[6];
  if (major !== 1 && major !== 2 && major !== 3) throw new NtcorrError(`${path}: .npy format version ${major} is not supported (1-3)`, { file: path });
  if (major !== 1 && buf.length < 12) throw new NtcorrError(`${path}: truncated .npy header`, { file: path });
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  if (hstart + hlen > buf.length) throw new NtcorrError(`${path}: truncated .npy header (${hlen} bytes declared, ${buf.length - hstart} present)`, { file: path });
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || fortran === undefined || shapeText === undefined) throw new NtcorrError(`${path}: unreadable .npy header ${header.trim()}`, { file: path });
  if (fortran === 'True') throw new NtcorrError(`${path}: Fortran-order arrays are not supported`, { file: path });
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (/^\d+L?$/.test(s) ? Number(s.replace('L', '')) : NaN));
  if (shape.some((d) => !Number.isSafeInteger(d))) throw new NtcorrError(`${path}: .npy shape (${shapeText}) is not a list of non-negative integers`, { file: path });
  const n = shape.reduce((a, b) => a * b, 1);
  const start = hstart + hlen;
  const bytes = buf.subarray(start);
  const copy = (size: number) => {
    // The data must be exactly what the header declares: shorter is a truncated file, not zeros.
    if (n * size !== bytes.length) throw new NtcorrError(`${path}: .npy data holds ${bytes.length} bytes, the header (${descr}, shape (${shape.join(', ')})) needs ${n * size}`, { file: path });
    const u = new Uint8Array(n * size);
    u.set(bytes.subarray(0, n * size));
    return u.buffer;
  };
  switch (descr) {
    case '<f8': return { shape, data: new Float64Array(copy(8)) };
    case '<f4': return { shape, data: new Float32Array(copy(4)) };
    case '<i8': return { shape, data: new BigInt64Array(copy(8)) };
    case '|b1': case '|u1': return { shape, data: new Uint8Array(copy(1)) };
    default: throw new NtcorrError(`${path}: .npy dtype ${descr} is not supported (float64, float32, int64, bool)`, { file: path });
  }
}

/** The bytes of a .npy file (format 1.0, little-endian, C order) holding a float32 or float64 array. */
export function npyBytes(data: Float32Array | Float64Array, shape: number[] = [data.length]): Buffer {
  const descr = data instanceof Float32Array ? '<f4' : '<f8';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // numpy pads the header with spaces and a newline so the data starts on a 64-byte boundary.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const pre = Buffer.alloc(10);
  pre.writeUInt32BE(0x934e554d, 0);
  pre.write('PY', 4, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}
