import { readFileSync, writeFileSync } from 'node:fs';
import { parquetMetadata, type FileMetaData, type PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { ByteWriter } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { NtcorrError, errorMessage } from '../../core/errors.js';
import { lz4Decompress } from '../root/lz4.js';

/**
 * Parquet's deprecated `LZ4` codec (id 5), which DuckDB refuses ("Unsupported compression codec LZ4") but
 * pyarrow reads: parquet-mr wrote Hadoop-framed LZ4 (blocks of [uint32 BE decompressed size][uint32 BE
 * compressed size][LZ4 block]), old parquet-cpp a bare LZ4 block, both under the same codec id. Like
 * pyarrow, try the Hadoop framing first and fall back to one bare block.
 *
 * ntcorr makes such a file readable by decompressing its pages into an UNCOMPRESSED copy (same schema,
 * encodings, values, row groups, key-value metadata; page checksums, page indexes and bloom filters are
 * dropped), which DuckDB then reads as usual. Written by hand (hyparquet parses the footer and page
 * headers, hyparquet-writer serialises them, the LZ4 block decoder is ntcorr's own from the ROOT reader):
 * no npm package transcodes parquet codecs. The whole file is held in memory once: legacy files only.
 */
export function decompressLegacyLz4(src: Uint8Array, size: number): Uint8Array {
  const hadoop = tryHadoop(src, size);
  if (hadoop) return hadoop;
  const out = new Uint8Array(size);
  const n = lz4Decompress(src, out);
  if (n !== size) throw new Error(`LZ4 block gave ${n} bytes, the page header says ${size}`);
  return out;
}

function tryHadoop(src: Uint8Array, size: number): Uint8Array | undefined {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const out = new Uint8Array(size);
  let ip = 0;
  let op = 0;
  while (ip < src.length) {
    if (src.length - ip < 8) return undefined;
    const raw = view.getUint32(ip);
    const comp = view.getUint32(ip + 4);
    ip += 8;
    if (comp > src.length - ip || raw > size - op) return undefined;
    try {
      const n = lz4Decompress(src.subarray(ip, ip + comp), out.subarray(op, op + raw));
      if (n !== raw) return undefined;
    } catch {
      return undefined;
    }
    ip += comp;
    op += raw;
  }
  return op === size ? out : undefined;
}

/** Whether a file needs the transcoding (any column chunk uses the deprecated LZ4 codec). */
export function usesLegacyLz4(codecs: Iterable<string[]>): boolean {
  for (const list of codecs) if (list.includes('LZ4')) return true;
  return false;
}

/** Writes `dst`: `src` with every LZ4 page decompressed (codec UNCOMPRESSED), for DuckDB to read. */
export function transcodeLegacyLz4(file: string, dst: string): void {
  try {
    const buf = readFileSync(file);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const bytes = new Uint8Array(ab);
    const meta: FileMetaData = parquetMetadata(ab);
    const w = new ByteWriter(buf.length * 4 + 1024);
    w.appendUint32(0x31524150); // "PAR1"
    let totalRows = 0n;
    for (const rg of meta.row_groups) {
      totalRows += BigInt(rg.num_rows);
      let rgStart: number | undefined;
      let rgBytes = 0;
      for (const c of rg.columns) {
        const md = c.meta_data;
        if (!md) throw new Error('a column chunk without metadata (encrypted?)');
        const start = Number(md.dictionary_page_offset !== undefined && md.dictionary_page_offset > 0n && md.dictionary_page_offset < md.data_page_offset ? md.dictionary_page_offset : md.data_page_offset);
        const end = start + Number(md.total_compressed_size);
        if (!(start >= 4 && end <= bytes.length - 8)) throw new Error(`column ${md.path_in_schema.join('.')}: pages at bytes ${start}-${end} lie outside the file`);
        const reader = { view: new DataView(ab), offset: start };
        const chunkStart = w.offset;
        let dictOffset: bigint | undefined;
        let dataOffset: bigint | undefined;
        while (reader.offset < end) {
          const header: PageHeader = parquetHeader(reader);
          const bodyStart = reader.offset;
          const body = bytes.subarray(bodyStart, bodyStart + header.compressed_page_size);
          if (body.length !== header.compressed_page_size) throw new Error(`column ${md.path_in_schema.join('.')}: a page runs past the end of the file`);
          reader.offset = bodyStart + header.compressed_page_size;
          let data: Uint8Array = body;
          if (md.codec === 'LZ4') {
            const v2 = header.data_page_header_v2;
            if (v2) {
              // v2: levels are stored uncompressed before the (maybe compressed) values
              const levels = v2.definition_levels_byte_length + v2.repetition_levels_byte_length;
              data = v2.is_compressed === false ? body : concat(body.subarray(0, levels), decompressLegacyLz4(body.subarray(levels), header.uncompressed_page_size - levels));
            } else {
              data = decompressLegacyLz4(body, header.uncompressed_page_size);
            }
          }
          const pageAt = BigInt(w.offset);
          if (header.type === 'DICTIONARY_PAGE') dictOffset ??= pageAt;
          else if (header.type === 'DATA_PAGE' || header.type === 'DATA_PAGE_V2') dataOffset ??= pageAt;
          const out: PageHeader = { ...header, compressed_page_size: data.length, uncompressed_page_size: data.length, crc: undefined };
          if (out.data_page_header_v2) out.data_page_header_v2 = { ...out.data_page_header_v2, is_compressed: false };
          writePageHeader(w, out);
          w.appendBytes(data);
        }
        if (dataOffset === undefined) throw new Error(`column ${md.path_in_schema.join('.')}: no data page`);
        const size = BigInt(w.offset - chunkStart);
        c.meta_data = {
          ...md, codec: 'UNCOMPRESSED', total_compressed_size: size, total_uncompressed_size: size,
          data_page_offset: dataOffset, dictionary_page_offset: dictOffset, index_page_offset: undefined,
          bloom_filter_offset: undefined, bloom_filter_length: undefined,
        };
        c.file_offset = BigInt(chunkStart);
        c.offset_index_offset = undefined;
        c.offset_index_length = undefined;
        c.column_index_offset = undefined;
        c.column_index_length = undefined;
        rgStart ??= chunkStart;
        rgBytes += Number(size);
      }
      rg.file_offset = rgStart === undefined ? undefined : BigInt(rgStart);
      rg.total_compressed_size = BigInt(rgBytes);
    }
    meta.num_rows = totalRows;
    writeMetadata(w, meta);
    w.appendUint32(0x31524150);
    writeFileSync(dst, new Uint8Array(w.getBuffer()));
  } catch (e) {
    if (e instanceof NtcorrError) throw e;
    throw new NtcorrError(`${file}: cannot decode the legacy LZ4 codec (${errorMessage(e)}); rewrite the file with pyarrow (e.g. compression="zstd")`, { file, cause: e });
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}
