import { existsSync, statSync } from 'node:fs';
import { errorMessage } from '../core/errors.js';
import { openTable } from '../io/formats.js';

export interface OutputCheck {
  file: string;
  ok: boolean;
  /** Why not, in words ("missing", "empty file", "no provenance record for model ...", a read error). */
  reason?: string;
}

/**
 * An output counts as done when it opens, has rows, and its provenance has a record of this model (same
 * content hash) whose added columns are all in the file. The record's list, not the bundle's outputs, is
 * what counts: some kinds write optional outputs only where their inputs exist. Used by the job wrapper
 * on the worker and by `condor status` on the submit side.
 */
export async function checkOutput(file: string, modelHash: string): Promise<OutputCheck> {
  if (!existsSync(file)) return { file, ok: false, reason: 'missing' };
  if (statSync(file).size === 0) return { file, ok: false, reason: 'empty file (the job failed before writing it)' };
  try {
    const t = await openTable(file);
    try {
      const rec = t.provenance.find((p) => p.modelHash === modelHash);
      if (!rec) return { file, ok: false, reason: `no provenance record of this model (hash ${modelHash.slice(0, 12)}...)` };
      const have = new Set(t.columns.map((c) => c.name));
      const lacking = (rec.columnsAdded ?? []).filter((c) => !have.has(c));
      if (lacking.length) return { file, ok: false, reason: `columns missing: ${lacking.join(', ')}` };
      if (t.rows <= 0) return { file, ok: false, reason: 'no rows' };
      return { file, ok: true };
    } finally {
      await t.close();
    }
  } catch (e) {
    return { file, ok: false, reason: errorMessage(e) };
  }
}
