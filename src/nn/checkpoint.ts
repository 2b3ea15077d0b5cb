import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic.js';
import { NtcorrError } from '../core/errors.js';
import { packTensors, unpackTensors } from '../bundle/tensors.js';
import type { TensorSpec } from '../bundle/manifest.js';
import type { Optimizer } from './optim.js';
import type { Params } from './params.js';
import type { Xoshiro128ss } from '../core/random.js';
import type { EarlyStopping, PlateauScheduler } from './schedule.js';

type Weights = Map<string, { shape: number[]; data: Float32Array }>;

/** What a training run needs to continue exactly where it stopped. */
export interface TrainingState {
  params: Params;
  optimizer: Optimizer;
  rng: Xoshiro128ss;
  scheduler?: PlateauScheduler;
  earlyStopping?: EarlyStopping<Weights>;
}

export interface CheckpointInfo {
  /** Epochs completed. */
  epoch: number;
  /** Per-epoch records (loss, lr, ...), carried across resumes. */
  history: Record<string, number>[];
  /** Anything the trainer wants back (config hash, data split), JSON only. */
  extra: Record<string, unknown>;
}

const MAGIC = 'NTCKPT01';

/**
 * One file, written atomically (temp + fsync + rename), so a run killed mid-save leaves the previous
 * checkpoint intact: magic, uint32 header length, JSON header, tensors (params, Adam m and v, best weights).
 */
export async function saveCheckpoint(path: string, state: TrainingState, info: CheckpointInfo): Promise<void> {
  const tensors: { name: string; shape: number[]; data: Float32Array }[] = [];
  for (const [name, v] of state.params.entries()) tensors.push({ name: `param/${name}`, shape: v.shape.slice(), data: new Float32Array(v.dataSync() as Float32Array) });
  const opt = state.optimizer.getState();
  for (const [name, d] of opt.m) tensors.push({ name: `adam.m/${name}`, shape: [d.length], data: d });
  for (const [name, d] of opt.v) tensors.push({ name: `adam.v/${name}`, shape: [d.length], data: d });
  const best = state.earlyStopping?.bestWeights;
  if (best) for (const [name, w] of best) tensors.push({ name: `best/${name}`, shape: w.shape, data: w.data });
  const { buffer, specs } = packTensors(tensors);
  const header = Buffer.from(JSON.stringify({
    ...info,
    optimizer: { t: opt.t, lr: opt.lr },
    rng: state.rng.getState(),
    scheduler: state.scheduler?.getState() ?? null,
    earlyStopping: state.earlyStopping?.getState() ?? null,
    tensors: specs,
  }), 'utf8');
  const pad = (8 - ((12 + header.length) % 8)) % 8;
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length + pad);
  await writeFileAtomic(path, Buffer.concat([Buffer.from(MAGIC, 'ascii'), len, header, Buffer.alloc(pad, 0x20), buffer]));
}

/** Restores every part of `state` from a checkpoint file and returns epoch, history and extra. */
export function loadCheckpoint(path: string, state: TrainingState): CheckpointInfo {
  if (!existsSync(path)) throw new NtcorrError(`checkpoint ${path} does not exist (nothing to resume; run without --resume)`, { file: path });
  const buf = readFileSync(path);
  if (buf.length < 12 || buf.subarray(0, 8).toString('ascii') !== MAGIC) throw new NtcorrError(`checkpoint ${path}: not an ntcorr checkpoint (bad magic)`, { file: path });
  const n = buf.readUInt32LE(8);
  let h: CheckpointInfo & {
    optimizer: { t: number; lr: number };
    rng: { s: number[]; spare: number | null };
    scheduler: ReturnType<PlateauScheduler['getState']> | null;
    earlyStopping: ReturnType<EarlyStopping['getState']> | null;
    tensors: TensorSpec[];
  };
  try {
    h = JSON.parse(buf.subarray(12, 12 + n).toString('utf8'));
  } catch (e) {
    throw new NtcorrError(`checkpoint ${path}: corrupt header (${(e as Error).message})`, { file: path });
  }
  const t = unpackTensors(buf.subarray(12 + n), h.tensors);
  const group = (prefix: string): Weights => {
    const out: Weights = new Map();
    for (const [name, v] of t) if (name.startsWith(prefix)) out.set(name.slice(prefix.length), { shape: v.shape, data: v.data as Float32Array });
    return out;
  };
  try {
    state.params.restore(group('param/'));
    state.optimizer.setState({ t: h.optimizer.t, lr: h.optimizer.lr, m: mapData(group('adam.m/')), v: mapData(group('adam.v/')) });
  } catch (e) {
    throw new NtcorrError(`checkpoint ${path} does not match this model (${(e as Error).message}); was the config changed?`, { file: path });
  }
  state.rng.setState(h.rng);
  if (state.scheduler && h.scheduler) state.scheduler.setState(h.scheduler);
  if (state.earlyStopping && h.earlyStopping) {
    const best = group('best/');
    state.earlyStopping.setState(h.earlyStopping, best.size ? best : undefined);
  }
  return { epoch: h.epoch, history: h.history, extra: h.extra };
}

function mapData(w: Weights): Map<string, Float32Array> {
  return new Map([...w].map(([k, v]) => [k, v.data] as const));
}

/** True when the file starts with the checkpoint magic. */
export function isCheckpointFile(path: string): boolean {
  try {
    const b = readFileSync(path);
    return b.length >= 12 && b.subarray(0, 8).toString('ascii') === MAGIC;
  } catch {
    return false;
  }
}

/** The model weights stored in a checkpoint (not the optimizer or schedule state): initial weights for another run. */
export function readCheckpointParams(path: string): Weights {
  const buf = readFileSync(path);
  if (buf.length < 12 || buf.subarray(0, 8).toString('ascii') !== MAGIC) throw new NtcorrError(`checkpoint ${path}: not an ntcorr checkpoint (bad magic)`, { file: path });
  const n = buf.readUInt32LE(8);
  let h: { tensors: TensorSpec[] };
  try {
    h = JSON.parse(buf.subarray(12, 12 + n).toString('utf8'));
  } catch (e) {
    throw new NtcorrError(`checkpoint ${path}: corrupt header (${(e as Error).message})`, { file: path });
  }
  const out: Weights = new Map();
  for (const [name, v] of unpackTensors(buf.subarray(12 + n), h.tensors)) if (name.startsWith('param/')) out.set(name.slice(6), { shape: v.shape, data: v.data as Float32Array });
  return out;
}
