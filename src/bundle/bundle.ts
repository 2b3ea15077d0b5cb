import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NtcorrError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic.js';
import type { BundleManifest } from './manifest.js';
import { packTensors, unpackTensors, type TensorData } from './tensors.js';

export interface Bundle {
  dir: string;
  manifest: BundleManifest;
  /** sha256 over model.json and every other file of the bundle (sorted by name), hex. */
  hash: string;
  /** Lazily read tensors from weights.bin. */
  tensors(): Map<string, { shape: number[]; data: TensorData }>;
}

/** Content hash of a bundle folder: stable across copies, changes with any byte of any file. */
export function bundleHash(dir: string): string {
  const h = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name.endsWith('.png') || name.endsWith('.svg') || name.endsWith('.md')) continue; // plots/notes don't change the model
    const path = join(dir, name);
    try {
      h.update(name + '\0');
      h.update(readFileSync(path));
    } catch {
      /* sub-folders (checkpoints) are not part of the model */
    }
  }
  return h.digest('hex');
}

export function loadBundle(dir: string): Bundle {
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new NtcorrError(`model bundle ${dir}: no model.json (a bundle is a folder with model.json and its weights)`, { file: dir });
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as BundleManifest;
  } catch (e) {
    throw new NtcorrError(`model bundle ${dir}: model.json is not valid JSON (${(e as Error).message})`, { file: path });
  }
  if (manifest.format !== 'ntcorr-bundle') throw new NtcorrError(`model bundle ${dir}: model.json has format ${JSON.stringify(manifest.format)}, expected "ntcorr-bundle"`, { file: path });
  if (typeof manifest.kind !== 'string') throw new NtcorrError(`model bundle ${dir}: model.json has no "kind"`, { file: path });
  let cache: Map<string, { shape: number[]; data: TensorData }> | undefined;
  return {
    dir,
    manifest,
    hash: bundleHash(dir),
    tensors() {
      if (!cache) {
        const wpath = join(dir, 'weights.bin');
        if (!existsSync(wpath)) throw new NtcorrError(`model bundle ${dir}: weights.bin is missing`, { file: wpath });
        cache = unpackTensors(readFileSync(wpath), manifest.tensors ?? []);
      }
      return cache;
    },
  };
}

/** Writes model.json (+ weights.bin when tensors are given) atomically into `dir`. */
export async function writeBundle(
  dir: string,
  manifest: Omit<BundleManifest, 'tensors' | 'format' | 'formatVersion'>,
  tensors?: { name: string; shape: number[]; data: TensorData }[],
): Promise<void> {
  const full: BundleManifest = { format: 'ntcorr-bundle', formatVersion: 1, ...manifest };
  if (tensors && tensors.length) {
    const { buffer, specs } = packTensors(tensors);
    full.tensors = specs;
    await writeFileAtomic(join(dir, 'weights.bin'), buffer);
  }
  await writeFileAtomic(join(dir, 'model.json'), JSON.stringify(full, null, 2) + '\n');
}
