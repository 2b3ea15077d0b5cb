import { unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import { commitFile, tempPathFor } from '../../core/atomic.js';
import { TOOL } from '../../core/version.js';
import type { ToyResult } from './run-toy.js';

type ColumnType = 'INT32' | 'DOUBLE' | 'BOOLEAN' | 'UTF8';

/** A flat parquet schema of required columns (strings as UTF8 byte arrays); the root counts its children. */
function flatSchema(columns: Record<string, ColumnType>) {
  const leaves = Object.entries(columns).map(([name, type]) => (type === 'UTF8'
    ? { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' }
    : { name, type, repetition_type: 'REQUIRED' }));
  return [{ name: 'schema', num_children: leaves.length }, ...leaves];
}

/** Long-format columns: one row per (toy, parameter). */
const SCHEMA = flatSchema({
  toy: 'INT32', parameter: 'UTF8', value: 'DOUBLE', error: 'DOUBLE', gen: 'DOUBLE', pull: 'DOUBLE',
  fixed: 'BOOLEAN', valid: 'BOOLEAN', converged: 'BOOLEAN', accurate_covar: 'BOOLEAN', nll: 'DOUBLE', edm: 'DOUBLE',
  nfcn: 'INT32', events: 'INT32', status: 'UTF8', gof_pvalue: 'DOUBLE', gof_chi2: 'DOUBLE', gof_ndf: 'INT32',
});

/**
 * The LHCb rx toy fitter's toys.parquet (fitter.ToyMaker): one row per (toy, floating parameter) with
 * Parameter, Value, Error (-1 where there is none, as rx's fall-back error), Gen, Toy, GOF (the p-value), Valid.
 */
const RX_SCHEMA = flatSchema({ Parameter: 'UTF8', Value: 'DOUBLE', Error: 'DOUBLE', Gen: 'DOUBLE', Toy: 'INT32', GOF: 'DOUBLE', Valid: 'BOOLEAN' });

/** Column layout of toys.parquet: ntcorr's (default) or rx's. */
export type ToyColumns = 'ntcorr' | 'rx';

/** The status text of a toy (status column; `failed: <message>` keeps the error of a fit that threw). */
export function toyStatus(r: ToyResult): string {
  return r.error ? `failed: ${r.error}` : r.valid ? 'ok' : !r.converged ? 'not converged' : !r.accurateCovar ? 'covariance not accurate' : 'covariance forced positive definite';
}

/**
 * Streams toy results into a parquet file, one row group per `groupToys` toys, so memory stays flat for
 * any number of toys. Written to a temp file and renamed on finish (a killed run leaves no partial file).
 * hyparquet-writer is used directly rather than io/parquet's writeParquetTable because that takes whole
 * columns at once and has no string columns.
 */
export class ToyTableWriter {
  private readonly tmp: string;
  private readonly writer: ParquetWriter;
  private rows: ToyResult[] = [];
  /** A write that the underlying writer chose to make asynchronous (fileWriter is synchronous). */
  private pendingWrite: Promise<void> | void = undefined;

  constructor(
    readonly path: string,
    private readonly names: string[],
    private readonly gen: Float64Array,
    private readonly fixed: boolean[],
    kv: Record<string, string>,
    private readonly groupToys = 2_000,
    private readonly columns: ToyColumns = 'ntcorr',
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.tmp = tempPathFor(path);
    this.writer = new ParquetWriter({
      writer: fileWriter(this.tmp),
      schema: (columns === 'rx' ? RX_SCHEMA : SCHEMA) as never,
      codec: 'SNAPPY',
      kvMetadata: Object.entries(kv).map(([key, value]) => ({ key, value })),
      createdBy: TOOL,
    });
  }

  /** Buffers one toy; every `groupToys` toys become a row group (10k rows for 5 parameters). */
  add(r: ToyResult): void {
    this.rows.push(r);
    if (this.rows.length >= this.groupToys) this.flush();
  }

  private flush(): void {
    if (this.columns === 'rx') return this.flushRx();
    const np = this.names.length;
    const n = this.rows.length * np;
    if (n === 0) return;
    const toy = new Int32Array(n), nfcn = new Int32Array(n), events = new Int32Array(n);
    const value = new Float64Array(n), error = new Float64Array(n), gen = new Float64Array(n), pull = new Float64Array(n);
    const nll = new Float64Array(n), edm = new Float64Array(n), gofp = new Float64Array(n), chi2 = new Float64Array(n), ndf = new Int32Array(n);
    const param: string[] = new Array(n), status: string[] = new Array(n);
    const fixed: boolean[] = new Array(n), valid: boolean[] = new Array(n), conv: boolean[] = new Array(n), acc: boolean[] = new Array(n);
    let k = 0;
    for (const r of this.rows) {
      const st = toyStatus(r);
      for (let j = 0; j < np; j++, k++) {
        toy[k] = r.toy;
        param[k] = this.names[j];
        value[k] = r.values[j];
        error[k] = r.errors[j];
        gen[k] = r.gen ? r.gen[j] : this.gen[j];
        pull[k] = this.fixed[j] ? NaN : (r.values[j] - gen[k]) / r.errors[j];
        fixed[k] = this.fixed[j];
        valid[k] = r.valid;
        conv[k] = r.converged;
        acc[k] = r.accurateCovar;
        nll[k] = r.nll;
        edm[k] = r.edm;
        nfcn[k] = r.nfcn;
        events[k] = r.events;
        status[k] = st;
        gofp[k] = r.gofPvalue;
        chi2[k] = r.gofChi2;
        ndf[k] = r.gofNdf;
      }
    }
    const data: Record<string, ArrayLike<unknown>> = { toy, parameter: param, value, error, gen, pull, fixed, valid, converged: conv, accurate_covar: acc, nll, edm, nfcn, events, status, gof_pvalue: gofp, gof_chi2: chi2, gof_ndf: ndf };
    this.write(SCHEMA, data, n);
  }

  /** rx's layout: floating parameters only. */
  private flushRx(): void {
    const free = this.names.map((_, j) => j).filter((j) => !this.fixed[j]);
    const n = this.rows.length * free.length;
    if (n === 0) return;
    const param: string[] = new Array(n), valid: boolean[] = new Array(n);
    const value = new Float64Array(n), error = new Float64Array(n), gen = new Float64Array(n), gof = new Float64Array(n), toy = new Int32Array(n);
    let k = 0;
    for (const r of this.rows) {
      for (const j of free) {
        param[k] = this.names[j];
        value[k] = r.values[j];
        error[k] = Number.isFinite(r.errors[j]) ? r.errors[j] : -1;
        gen[k] = r.gen ? r.gen[j] : this.gen[j];
        toy[k] = r.toy;
        gof[k] = r.gofPvalue;
        valid[k] = r.valid;
        k++;
      }
    }
    this.write(RX_SCHEMA, { Parameter: param, Value: value, Error: error, Gen: gen, Toy: toy, GOF: gof, Valid: valid }, n);
  }

  private write(schema: typeof SCHEMA, data: Record<string, ArrayLike<unknown>>, n: number): void {
    const prev = this.pendingWrite;
    const w = this.writer.write({ columnData: schema.slice(1).map((s) => ({ name: s.name, data: data[s.name] as never })), rowGroupSize: n });
    this.pendingWrite = prev || w ? Promise.all([prev, w]).then(() => {}) : undefined;
    this.rows = [];
  }

  async finish(): Promise<void> {
    this.flush();
    await this.pendingWrite;
    this.writer.finish();
    await commitFile(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    await unlink(this.tmp).catch(() => {});
  }
}
