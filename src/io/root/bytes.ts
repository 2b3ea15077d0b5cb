/** A growable big-endian byte buffer with ROOT's streaming idioms (byte counts, TStrings, object tags). */

export const kByteCountMask = 0x40000000;
export const kNewClassTag = 0xffffffff;
export const kMapOffset = 2;

export class ByteWriter {
  private buf = new Uint8Array(1024);
  private dv = new DataView(this.buf.buffer);
  pos = 0;

  private need(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
    this.dv = new DataView(b.buffer);
  }

  u8(v: number): this { this.need(1); this.dv.setUint8(this.pos, v); this.pos += 1; return this; }
  i16(v: number): this { this.need(2); this.dv.setInt16(this.pos, v); this.pos += 2; return this; }
  i32(v: number): this { this.need(4); this.dv.setInt32(this.pos, v); this.pos += 4; return this; }
  u32(v: number): this { this.need(4); this.dv.setUint32(this.pos, v >>> 0); this.pos += 4; return this; }
  i64(v: number | bigint): this { this.need(8); this.dv.setBigInt64(this.pos, BigInt(v)); this.pos += 8; return this; }
  f32(v: number): this { this.need(4); this.dv.setFloat32(this.pos, v); this.pos += 4; return this; }
  f64(v: number): this { this.need(8); this.dv.setFloat64(this.pos, v); this.pos += 8; return this; }
  bytes(b: Uint8Array | number[]): this {
    const a = b instanceof Uint8Array ? b : Uint8Array.from(b);
    this.need(a.length); this.buf.set(a, this.pos); this.pos += a.length; return this;
  }
  /** ROOT TString: 1-byte length (or 255 + Int32 length), then the bytes. */
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    if (b.length < 255) this.u8(b.length); else this.u8(255).i32(b.length);
    return this.bytes(b);
  }
  /** Null-terminated class name (after kNewClassTag). */
  cstr(s: string): this { return this.bytes(Buffer.from(s + '\0', 'latin1')); }

  /** Starts a versioned object: reserves the byte count, writes the version. Returns the count's position. */
  begin(version: number): number {
    const at = this.pos;
    this.u32(0).i16(version);
    return at;
  }
  /** Fills the byte count reserved by begin()/beginAny(): bytes after the count field, with kByteCountMask. */
  end(at: number): void {
    this.dv.setUint32(at, (this.pos - at - 4) | kByteCountMask);
  }
  /** Starts an object written through a pointer (WriteObjectAny) with its class name. Returns the count's position. */
  beginAny(className: string): number {
    const at = this.pos;
    this.u32(0).u32(kNewClassTag).cstr(className);
    return at;
  }

  result(): Uint8Array { return this.buf.subarray(0, this.pos); }
}

/** Length in bytes of a TString. */
export function strLen(s: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  return (n < 255 ? 1 : 5) + n;
}

/** ROOT TDatime code of a date. */
export function datime(d = new Date()): number {
  return (((d.getFullYear() - 1995) << 26) | ((d.getMonth() + 1) << 22) | (d.getDate() << 17)
    | (d.getHours() << 12) | (d.getMinutes() << 6) | d.getSeconds()) >>> 0;
}
