import { NtcorrError } from '../core/errors.js';
import type { CorrectionKind } from './types.js';

/** Kinds are loaded lazily so that `ntcorr apply` with a derived model never loads tfjs. One line per kind. */
const KINDS: Record<string, () => Promise<{ kind: CorrectionKind }>> = {
  derived: () => import('./derived/kind.js'),
  flow: () => import('./flow/kind.js'),
  'jet-regression': () => import('./jet/kind.js'),
  onnx: () => import('./onnx/kind.js'),
  xgboost: () => import('./xgboost/kind.js'),
};

export function knownKinds(): string[] {
  return Object.keys(KINDS);
}

export async function correctionKind(kind: string, bundleDir: string): Promise<CorrectionKind> {
  const load = KINDS[kind];
  if (!load) throw new NtcorrError(`model bundle ${bundleDir}: unknown kind "${kind}" (known: ${knownKinds().join(', ')})`, { file: bundleDir });
  return (await load()).kind;
}
