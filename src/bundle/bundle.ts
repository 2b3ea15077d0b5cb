import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative } from 'node:path';
import { NtcorrError } from '../core/errors.js';
import { checkKeys } from '../core/config-keys.js';
import { writeFileAtomic } from '../core/atomic.js';
import type { BundleManifest } from './manifest.js';
import { packTensors, unpackTensors, type TensorData } from './tensors.js';

export interface Bundle {
  dir: string;
  manifest: BundleManifest;
  /**
   * sha256 over model.json and every other file of the bundle folder (sorted by name; plots and notes
   * excluded), plus every file in a sub-folder that the bundle references, hex.
   */
  hash: string;
  /** Lazily read tensors from weights.bin. */
  tensors(): Map<string, { shape: number[]; data: TensorData }>;
  /** Absolute path of a file the bundle references (`config...file`), checked to lie inside the bundle. */
  file(rel: string, what: string): string;
}

const MANIFEST_KEYS = ['format', 'formatVersion', 'name', 'kind', 'inputs', 'outputs', 'config', 'tensors', 'provenance'];
const OUTPUT_KEYS = ['name', 'type', 'jagged', 'description'];
const DTYPES = ['float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool'];
const TENSOR_KEYS = ['name', 'shape', 'dtype', 'offset'];
/** model.json is small text; anything bigger is not a bundle (and must not be read into memory whole). */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const notModel = (name: string) => name.startsWith('.') || name.endsWith('.png') || name.endsWith('.svg') || name.endsWith('.md');

/**
 * Resolves `rel` inside the bundle folder and refuses anything that leaves it: absolute paths, `..`
 * segments, symlinks whose target is outside, and anything that is not a regular file (a FIFO or
 * /dev/zero would hang the reader).
 */
export function bundlePath(dir: string, rel: string, what: string): string {
  const fail = (why: string): never => {
    throw new NtcorrError(`model bundle ${dir}: ${what} ${JSON.stringify(rel)} ${why}`, { file: dir });
  };
  if (typeof rel !== 'string' || rel === '') fail('is not a file name');
  if (isAbsolute(rel) || rel.includes('\\')) fail('must be a path relative to the bundle folder');
  if (rel.split('/').includes('..')) fail('must not leave the bundle folder (no "..")');
  const path = join(dir, rel);
  let real: string;
  let root: string;
  try {
    root = realpathSync(dir);
    real = realpathSync(path);
  } catch {
    return fail('does not exist');
  }
  const r = relative(root, real);
  if (r === '' || r.startsWith('..') || isAbsolute(r)) fail(`points outside the bundle folder (to ${real})`);
  if (!statSync(real).isFile()) fail('is not a regular file');
  return path;
}

/** Every string under a `file` key of the config: the files a kind reads besides model.json/weights.bin. */
function referencedFiles(config: unknown, out: string[] = []): string[] {
  if (Array.isArray(config)) for (const v of config) referencedFiles(v, out);
  else if (config && typeof config === 'object') {
    for (const [k, v] of Object.entries(config)) {
      if (k === 'file' && typeof v === 'string') out.push(v);
      else referencedFiles(v, out);
    }
  }
  return out;
}

/**
 * Content hash of a bundle folder: stable across copies, changes with any byte of any file it uses. The
 * top-level files are hashed as they always were (so existing bundles keep their hash); referenced files
 * in sub-folders are added under their relative path.
 */
export function bundleHash(dir: string, referenced: string[] = []): string {
  const h = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    if (notModel(name)) continue; // plots/notes don't change the model
    const st = lstatSync(join(dir, name));
    if (st.isDirectory()) continue; // sub-folders (checkpoints, closure plots) count only where referenced
    if (st.isSymbolicLink() && statSync(join(dir, name), { throwIfNoEntry: false })?.isDirectory()) {
      const r = relative(realpathSync(dir), realpathSync(join(dir, name)));
      if (r.startsWith('..') || isAbsolute(r)) throw new NtcorrError(`model bundle ${dir}: ${name} points outside the bundle folder (to ${realpathSync(join(dir, name))})`, { file: dir });
      continue;
    }
    const path = bundlePath(dir, name, 'file');
    h.update(name + '\0');
    h.update(readFileSync(path));
  }
  for (const rel of [...new Set(referenced.map((r) => normalize(r)))].filter((r) => r.includes('/')).sort()) {
    h.update(rel + '\0');
    h.update(readFileSync(bundlePath(dir, rel, 'referenced file')));
  }
  return h.digest('hex');
}

function checkManifest(m: unknown, path: string, dir: string): BundleManifest {
  const fail = (msg: string): never => {
    throw new NtcorrError(`model bundle ${dir}: model.json: ${msg}`, { file: path });
  };
  if (!m || typeof m !== 'object' || Array.isArray(m)) fail('expected a JSON object');
  const o = m as Record<string, unknown>;
  checkKeys(o, MANIFEST_KEYS, '', path);
  if (o.format !== 'ntcorr-bundle') fail(`format is ${JSON.stringify(o.format)}, expected "ntcorr-bundle"`);
  if (typeof o.kind !== 'string') fail('has no "kind"');
  if (!Array.isArray(o.outputs) || o.outputs.some((x) => !x || typeof x !== 'object' || typeof (x as { name?: unknown }).name !== 'string')) fail('outputs: expected a list of {name, type?}');
  (o.outputs as Record<string, unknown>[]).forEach((x, i) => {
    checkKeys(x, OUTPUT_KEYS, `outputs[${i}]`, path);
    if (x.type !== undefined && !DTYPES.includes(x.type as string)) fail(`outputs[${i}].type: expected one of ${DTYPES.join(', ')} (got ${JSON.stringify(x.type)})`);
    if (x.jagged !== undefined && typeof x.jagged !== 'boolean') fail(`outputs[${i}].jagged: expected true or false`);
  });
  if (o.inputs !== undefined && (!Array.isArray(o.inputs) || o.inputs.some((x) => typeof x !== 'string'))) fail('inputs: expected a list of column names');
  if (o.config !== undefined && (o.config === null || typeof o.config !== 'object' || Array.isArray(o.config))) fail('config: expected an object');
  if (o.tensors !== undefined) {
    if (!Array.isArray(o.tensors)) fail('tensors: expected a list');
    (o.tensors as unknown[]).forEach((t, i) => {
      if (!t || typeof t !== 'object') fail(`tensors[${i}]: expected {name, shape, dtype, offset}`);
      checkKeys(t as object, TENSOR_KEYS, `tensors[${i}]`, path);
      const s = t as Record<string, unknown>;
      if (typeof s.name !== 'string') fail(`tensors[${i}].name: expected a string`);
      if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) fail(`tensors[${i}].shape: expected a list of non-negative integers (got ${JSON.stringify(s.shape)})`);
      if (!['float32', 'float64', 'int32', 'uint8'].includes(s.dtype as string)) fail(`tensors[${i}].dtype: expected float32, float64, int32 or uint8 (got ${JSON.stringify(s.dtype)})`);
      if (!Number.isSafeInteger(s.offset) || (s.offset as number) < 0) fail(`tensors[${i}].offset: expected a non-negative integer (got ${JSON.stringify(s.offset)})`);
    });
  }
  return o as unknown as BundleManifest;
}

export function loadBundle(dir: string): Bundle {
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new NtcorrError(`model bundle ${dir}: no model.json (a bundle is a folder with model.json and its weights)`, { file: dir });
  bundlePath(dir, 'model.json', 'model.json');
  if (statSync(path).size > MAX_MANIFEST_BYTES) throw new NtcorrError(`model bundle ${dir}: model.json is larger than ${MAX_MANIFEST_BYTES / 1024 / 1024} MB (not a bundle manifest)`, { file: path });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new NtcorrError(`model bundle ${dir}: model.json is not valid JSON (${(e as Error).message})`, { file: path });
  }
  const manifest = checkManifest(raw, path, dir);
  const referenced = referencedFiles(manifest.config);
  for (const rel of referenced) bundlePath(dir, rel, 'referenced file');
  let cache: Map<string, { shape: number[]; data: TensorData }> | undefined;
  return {
    dir,
    manifest,
    hash: bundleHash(dir, referenced),
    tensors() {
      if (!cache) {
        const wpath = join(dir, 'weights.bin');
        if (!existsSync(wpath)) throw new NtcorrError(`model bundle ${dir}: weights.bin is missing`, { file: wpath });
        bundlePath(dir, 'weights.bin', 'weights.bin');
        try {
          cache = unpackTensors(readFileSync(wpath), manifest.tensors ?? []);
        } catch (e) {
          throw new NtcorrError(`model bundle ${dir}: weights.bin: ${(e as Error).message}`, { file: wpath });
        }
      }
      return cache;
    },
    file: (rel, what) => bundlePath(dir, rel, what),
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
