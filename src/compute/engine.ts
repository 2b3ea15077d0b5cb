import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { NtcorrError } from '../core/errors.js';

/**
 * The inference engine: ONNX Runtime (onnxruntime-node) sessions made from graph bytes (built by model
 * code with src/compute/onnx/graph.ts, or a user's .onnx file), on an execution provider chosen by
 * `--device`. Inputs and outputs are plain typed arrays with shapes.
 *
 * Devices: `cpu` (default; the CPU library ships inside the npm package), `cuda[:N]` (CUDA provider on GPU
 * N, CPU for ops it lacks) and `tensorrt[:N]` (TensorRT, then CUDA, then CPU). The CUDA/TensorRT provider
 * libraries exist only when ntcorr was installed with `npm ci --onnxruntime-node-install=cuda12`; asking
 * for them otherwise is an error naming that command, never a silent CPU run. `auto` takes CUDA when its
 * provider is installed, else CPU, and says which in `Session.device`.
 */
export type DeviceKind = 'cpu' | 'cuda' | 'tensorrt';

export interface Device {
  kind: DeviceKind;
  /** GPU index (cuda/tensorrt); 0 for cpu. */
  id: number;
}

/** Parses `cpu`, `cuda`, `cuda:1`, `tensorrt[:N]` or `auto` (auto -> undefined: decided by what is installed). */
export function parseDevice(spec: string): Device | undefined {
  const s = spec.trim().toLowerCase();
  if (s === 'auto') return undefined;
  const m = /^(cpu|cuda|gpu|tensorrt|trt)(?::(\d+))?$/.exec(s);
  if (!m) throw new NtcorrError(`--device: expected cpu, cuda, cuda:N, tensorrt, tensorrt:N or auto, got "${spec}"`);
  const kind: DeviceKind = m[1] === 'gpu' ? 'cuda' : m[1] === 'trt' ? 'tensorrt' : (m[1] as DeviceKind);
  if (kind === 'cpu' && m[2] !== undefined && m[2] !== '0') throw new NtcorrError(`--device: cpu takes no device index (got "${spec}")`);
  return { kind, id: m[2] === undefined ? 0 : Number(m[2]) };
}

export function deviceName(d: Device): string {
  return d.kind === 'cpu' ? 'cpu' : `${d.kind}:${d.id}`;
}

const require = createRequire(import.meta.url);
let ortModule: typeof Ort | undefined;
let ortError: string | undefined;

/** onnxruntime-node, loaded on first use; undefined (with `ortLoadError()`) where its native library does not load. */
export function loadOrt(): typeof Ort | undefined {
  if (ortModule || ortError) return ortModule;
  try {
    ortModule = require('onnxruntime-node') as typeof Ort;
  } catch (e) {
    ortError = (e as Error).message.split('\n')[0];
  }
  return ortModule;
}

export function ortLoadError(): string | undefined {
  loadOrt();
  return ortError;
}

/** True where ONNX Runtime loads (then `--backend auto` uses it for inference). */
export function onnxAvailable(): boolean {
  return loadOrt() !== undefined;
}

/** Folder holding onnxruntime-node's native libraries (where the CUDA/TensorRT providers are installed). */
function nativeDir(): string | undefined {
  try {
    const pkg = dirname(require.resolve('onnxruntime-node/package.json'));
    return join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

/** Which execution providers are installed (their shared libraries present next to ONNX Runtime). */
export function installedProviders(): Record<DeviceKind, boolean> {
  const dir = nativeDir();
  const has = (lib: string) => dir !== undefined && (existsSync(join(dir, `lib${lib}.so`)) || existsSync(join(dir, `${lib}.dll`)));
  return { cpu: onnxAvailable(), cuda: has('onnxruntime_providers_cuda'), tensorrt: has('onnxruntime_providers_tensorrt') };
}

const INSTALL_HINT = 'reinstall ntcorr with `npm ci --onnxruntime-node-install=cuda12` on a machine with CUDA 12 (the default install carries the CPU provider only)';

/** Resolves a device request against what is installed: explicit GPU requests that cannot be met throw. */
export function resolveDevice(spec: string | Device | undefined = 'cpu'): Device {
  const d = typeof spec === 'string' ? parseDevice(spec) : spec;
  const inst = installedProviders();
  if (!inst.cpu) throw new NtcorrError(`ONNX Runtime does not load here (${ortLoadError()}); use --backend wasm`);
  if (d === undefined) return inst.cuda ? { kind: 'cuda', id: 0 } : { kind: 'cpu', id: 0 };
  if (d.kind !== 'cpu' && !inst[d.kind]) {
    throw new NtcorrError(`--device ${deviceName(d)}: the ONNX Runtime ${d.kind === 'cuda' ? 'CUDA' : 'TensorRT'} execution provider is not installed; ${INSTALL_HINT}`);
  }
  return d;
}

function providers(d: Device): Ort.InferenceSession.ExecutionProviderConfig[] {
  if (d.kind === 'cpu') return ['cpu'];
  const cuda = { name: 'cuda', deviceId: d.id } as Ort.InferenceSession.ExecutionProviderConfig;
  if (d.kind === 'cuda') return [cuda, 'cpu'];
  return [{ name: 'tensorrt', deviceId: d.id } as Ort.InferenceSession.ExecutionProviderConfig, cuda, 'cpu'];
}

/**
 * Rows per session run. CPU: 1024 rows: ONNX Runtime's arena holds a run's activations, ~150 MB per
 * session at 4096 rows for models/zee-flow against ~40 MB at 1024 (each worker has its own session), and
 * the per-run overhead is already small against ~8,000 graph nodes' work (bench/flow.ts: 1024 rows is as
 * fast as 4096 or faster, the spline's [rows, features, bins] float64 intermediates staying in cache).
 * A GPU wants far more rows in flight (65,536) to fill its cores, still only ~1.6 GB of activations for
 * the biggest flow.
 */
export function defaultBatch(d: Device): number {
  return d.kind === 'cpu' ? 1024 : 65536;
}

export interface SessionOptions {
  /** Device request (see parseDevice); default cpu. */
  device?: string | Device;
  /** Intra-op threads (default 1: ntcorr parallelises over worker threads; see README). */
  threads?: number;
  /** Label used in error messages (model name / file). */
  label?: string;
}

export type FeedData = Float32Array | BigInt64Array | Int32Array | Float64Array | Uint8Array;

export interface Feed {
  data: FeedData;
  dims: readonly number[];
}

export interface Fetched {
  data: Float32Array;
  dims: number[];
}

/**
 * int64 feed of int32 values (indices, categories) without a BigInt per element: the two 32-bit halves are
 * written through an Int32Array view (little-endian, as ONNX raw data; the sign fills the high half).
 * BigInt64Array.from(a, BigInt) costs ~25% of a jet network's run time at ml-jec sizes.
 */
export function int64Of(a: Int32Array): BigInt64Array {
  const out = new BigInt64Array(a.length);
  const w = new Int32Array(out.buffer);
  for (let i = 0; i < a.length; i++) {
    w[2 * i] = a[i];
    w[2 * i + 1] = a[i] >> 31;
  }
  return out;
}

const DTYPE: Record<string, 'float32' | 'int64' | 'int32' | 'float64' | 'bool'> = {
  Float32Array: 'float32', BigInt64Array: 'int64', Int32Array: 'int32', Float64Array: 'float64', Uint8Array: 'bool',
};

/** One ONNX Runtime session. */
export class Session {
  private constructor(
    private readonly session: Ort.InferenceSession,
    readonly device: Device,
    readonly threads: number,
    readonly label: string,
  ) {}

  /** Creates a session from ONNX bytes or a .onnx path. */
  static async create(model: Uint8Array | string, opts: SessionOptions = {}): Promise<Session> {
    const device = resolveDevice(opts.device);
    const ort = loadOrt()!;
    const threads = Math.max(1, Math.floor(opts.threads ?? 1));
    const label = opts.label ?? (typeof model === 'string' ? model : 'model');
    try {
      const options: Ort.InferenceSession.SessionOptions = {
        executionProviders: providers(device),
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      };
      const s = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
      return new Session(s, device, threads, label);
    } catch (e) {
      throw new NtcorrError(`${label}: ONNX Runtime could not create a session on ${deviceName(device)}: ${(e as Error).message.split('\n')[0]}`, { cause: e });
    }
  }

  get inputNames(): readonly string[] { return this.session.inputNames; }
  get outputNames(): readonly string[] { return this.session.outputNames; }

  /**
   * Runs the graph; returns the requested outputs (default: all) as float32 arrays with shapes. Outputs
   * named in `into` are written into the given float32 arrays (exact shape; e.g. views of a WebAssembly
   * kernel's memory, saving a copy) and returned as those arrays.
   */
  async run(feeds: Record<string, Feed>, outputs?: readonly string[], into?: Record<string, { data: Float32Array; dims: readonly number[] }>): Promise<Record<string, Fetched>> {
    const ort = loadOrt()!;
    const tensor = (name: string, f: Feed, what: string) => {
      const type = DTYPE[f.data.constructor.name];
      if (!type) throw new Error(`${this.label}: ${what} ${name}: unsupported array type ${f.data.constructor.name}`);
      return new ort.Tensor(type, f.data as never, f.dims as number[]);
    };
    const t: Record<string, Ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) t[name] = tensor(name, f, 'input');
    let fetches: string[] | Record<string, Ort.Tensor | null> | undefined = outputs as string[] | undefined;
    if (into) {
      fetches = {};
      for (const name of outputs ?? this.session.outputNames) fetches[name] = into[name] ? tensor(name, into[name], 'output') : null;
    }
    let r: Ort.InferenceSession.ReturnType;
    try {
      r = fetches ? await this.session.run(t, fetches as never) : await this.session.run(t);
    } catch (e) {
      throw new NtcorrError(`${this.label}: ONNX Runtime run failed: ${(e as Error).message.split('\n')[0]}`, { cause: e });
    }
    const out: Record<string, Fetched> = {};
    for (const [name, v] of Object.entries(r)) {
      const given = into?.[name];
      const data = given ? given.data : v.data instanceof Float32Array ? v.data : Float32Array.from(v.data as ArrayLike<number>);
      out[name] = { data, dims: v.dims.map(Number) };
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
