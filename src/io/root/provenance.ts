/**
 * ntcorr provenance in ROOT files: a TObjString key named `ntcorr_provenance` holding a JSON array of
 * ProvenanceRecord (oldest first). A TObjString is the simplest object every ROOT reader understands,
 * so `TFile::Get("ntcorr_provenance")->Print()` shows it in ROOT itself.
 */
import type { ProvenanceRecord } from '../table.js';
import type { RootFile } from './file.js';

export const PROVENANCE_KEY = 'ntcorr_provenance';

export async function readProvenance(file: RootFile): Promise<ProvenanceRecord[]> {
  if (!file.keys().some((k) => k.name === PROVENANCE_KEY)) return [];
  // Provenance is informational: a damaged record must not make the data unreadable.
  const obj = await file.readObject(PROVENANCE_KEY).catch(() => undefined);
  const text = typeof obj?.fString === 'string' ? obj.fString : undefined;
  if (!text) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as ProvenanceRecord[]) : [parsed as ProvenanceRecord];
  } catch {
    return []; // provenance is informational: a damaged record must not make the data unreadable
  }
}
