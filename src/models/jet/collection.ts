import { isJagged, toFloat64, type Column, type JaggedColumn, type NumericArray } from '../../core/columns.js';
import { NtcorrError } from '../../core/errors.js';
import type { JetConfig } from './config.js';

/**
 * Jets stored as a per-event collection (NanoAOD-like): jet-level columns are `<prefix><name>` arrays per
 * event, event-level columns (rho, num_pv) one value per event, and each constituent type's arrays hold the
 * event's constituents with a column giving each one's jet index within the event (like NanoAOD's
 * JetPFCands_jetIdx). Constituents with an index outside the event's jets are ignored.
 */
export interface CollectionSpec {
  prefix: string;
  event_columns?: string[];
  constituent_jet_index: Record<string, string>;
}

/** Name of a needed feature column in the file. */
export function fileColumnName(cfg: JetConfig, spec: CollectionSpec, name: string): string {
  if (spec.event_columns?.includes(name)) return name;
  if (cfg.types.some((t) => name.startsWith(`${t.name}_`))) return name;
  return spec.prefix + name;
}

/** Flattens a chunk of events into one-jet-per-row columns (named as in a one-jet-per-entry file). */
export function toEventJets(cols: Map<string, Column>, events: number, cfg: JetConfig, spec: CollectionSpec, file: string, needed: string[]): { columns: Map<string, Column>; jets: number; eventOffsets: Int32Array } {
  const get = (n: string) => {
    const c = cols.get(n);
    if (!c) throw new NtcorrError(`${file}: column ${n} is missing`, { file, column: n });
    return c;
  };
  const ptCol = get(spec.prefix + cfg.jet.pt);
  if (!isJagged(ptCol)) throw new NtcorrError(`${file}: column ${spec.prefix + cfg.jet.pt} has one value per entry; a jet collection needs an array per event`, { file, column: spec.prefix + cfg.jet.pt });
  const ev = ptCol.offsets;
  const jets = ev[events] - ev[0];
  const base = ev[0];
  const out = new Map<string, Column>();
  const typeOf = (name: string) => cfg.types.find((t) => name.startsWith(`${t.name}_`));
  // constituent regrouping per type: permutation of the event-ordered constituents into jet order
  const perType = new Map<string, { offsets: Int32Array; order: Int32Array; srcOffsets: Int32Array }>();
  for (const t of cfg.types) {
    const idxName = spec.constituent_jet_index[t.name];
    if (!idxName) throw new NtcorrError(`jet-regression bundle: apply.collection.constituent_jet_index has no column for constituent type ${t.name}`, { file });
    const ic = get(idxName);
    if (!isJagged(ic)) throw new NtcorrError(`${file}: column ${idxName} must be an array per event (jet index of each ${t.name} constituent)`, { file, column: idxName });
    const idx = toFloat64(ic.values);
    const jetOf = new Int32Array(idx.length).fill(-1);
    const counts = new Int32Array(jets + 1);
    for (let e = 0; e < events; e++) {
      const nj = ev[e + 1] - ev[e];
      for (let k = ic.offsets[e]; k < ic.offsets[e + 1]; k++) {
        const j = idx[k];
        if (Number.isInteger(j) && j >= 0 && j < nj) { jetOf[k] = ev[e] - base + j; counts[jetOf[k] + 1]++; }
      }
    }
    const offsets = new Int32Array(jets + 1);
    for (let j = 0; j < jets; j++) offsets[j + 1] = offsets[j] + counts[j + 1];
    const fill = offsets.slice(0, jets);
    const order = new Int32Array(offsets[jets]);
    for (let k = 0; k < idx.length; k++) if (jetOf[k] >= 0) order[fill[jetOf[k]]++] = k; // stable: keeps stored order per jet
    perType.set(t.name, { offsets, order, srcOffsets: ic.offsets });
  }
  for (const name of needed) {
    const src = get(fileColumnName(cfg, spec, name));
    const t = typeOf(name);
    if (t) {
      const p = perType.get(t.name)!;
      if (!isJagged(src) || src.offsets[events] !== p.srcOffsets[events]) throw new NtcorrError(`${file}: column ${name} does not have one value per ${t.name} constituent (compare ${spec.constituent_jet_index[t.name]})`, { file, column: name });
      const v = toFloat64(src.values);
      const values = new Float64Array(p.order.length);
      for (let k = 0; k < p.order.length; k++) values[k] = v[p.order[k]];
      out.set(name, { offsets: p.offsets, values } as JaggedColumn);
    } else if (spec.event_columns?.includes(name)) {
      if (isJagged(src)) throw new NtcorrError(`${file}: event column ${name} is an array per event`, { file, column: name });
      const v = toFloat64(src as NumericArray);
      const values = new Float64Array(jets);
      for (let e = 0; e < events; e++) for (let j = ev[e]; j < ev[e + 1]; j++) values[j - base] = v[e];
      out.set(name, values);
    } else {
      if (!isJagged(src) || src.offsets[events] !== ev[events]) throw new NtcorrError(`${file}: column ${fileColumnName(cfg, spec, name)} must have one value per jet of ${spec.prefix + cfg.jet.pt}`, { file, column: fileColumnName(cfg, spec, name) });
      out.set(name, toFloat64(src.values).subarray(ev[0] - src.offsets[0], ev[events] - src.offsets[0]));
    }
  }
  const eventOffsets = new Int32Array(events + 1);
  for (let e = 0; e <= events; e++) eventOffsets[e] = ev[e] - base;
  return { columns: out, jets, eventOffsets };
}
