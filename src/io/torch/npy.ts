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
  const buf = readFileSync(path);
  if (buf.readUInt32BE(0) !== 0x934e554d || buf.toString('latin1', 4, 6) !== 'PY') throw new NtcorrError(`${path}: not a .npy file (bad magic)`, { file: path });
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || fortran === undefined || shapeText === undefined) throw new NtcorrError(`${path}: unreadable .npy header ${header.trim()}`, { file: path });
  if (fortran === 'True') throw new NtcorrError(`${path}: Fortran-order arrays are not supported`, { file: path });
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const start = hstart + hlen;
  const bytes = buf.subarray(start);
  const copy = (size: number) => {
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
