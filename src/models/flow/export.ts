import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadBundle } from '../../bundle/bundle.js';
import { writeFileAtomic } from '../../core/atomic.js';
import { NtcorrError } from '../../core/errors.js';
import { npyBytes } from '../../io/torch/npy.js';
import { type TensorOut, torchStateDictBytes } from '../../io/torch/write.js';
import { type FlowWeights, transformOrder } from './arch.js';
import { flowFromBundle } from './bundle-io.js';
import type { FlowConfig } from './config.js';
import type { DescribeFile } from './import.js';
import { parseZukoVersion, zukoBaseNames, zukoDefaultSlope, zukoHasSlopeArgument, ZUKO_SLOPE_TABLE } from './zuko-version.js';

/**
 * flow bundle -> the files HiggsDNA loads: `best_model_.pth` (the state dict of zuko's NSF of the given
 * release: orders, MADE weights/biases/masks, base buffers under that release's names), the four
 * standardisation .npy files (+ min_values/max_values.npy for min-max scaled isolations), and
 * `ntcorr-describe.json` (everything else, for `import-zuko --describe`) and `nsf.json` (the NSF call).
 */
export interface ExportResult {
  files: string[];
  zukoVersion: string;
  nsfCall: string;
  /** Preprocessing HiggsDNA's code cannot express (it lives only in ntcorr-describe.json). */
  warnings: string[];
}

function stateDict(w: FlowWeights, base: [string, string]): TensorOut[] {
  const out: TensorOut[] = [];
  w.transforms.forEach((tr, t) => {
    out.push({ name: `transform.transforms.${t}.order`, dtype: 'int64', shape: [w.arch.features], data: BigInt64Array.from(transformOrder(w.arch, t), (v) => BigInt(v)) });
    tr.layers.forEach((L, l) => {
      const n = `transform.transforms.${t}.hyper.${2 * l}`;
      out.push({ name: `${n}.weight`, dtype: 'float32', shape: [L.out, L.in], data: L.weight });
      out.push({ name: `${n}.bias`, dtype: 'float32', shape: [L.out], data: L.bias });
      out.push({ name: `${n}.mask`, dtype: 'bool', shape: [L.out, L.in], data: L.mask });
    });
  });
  out.push({ name: base[0], dtype: 'float32', shape: [w.arch.features], data: new Float32Array(w.arch.features) });
  out.push({ name: base[1], dtype: 'float32', shape: [w.arch.features], data: new Float32Array(w.arch.features).fill(1) });
  return out;
}

/** float32 when every value is exactly a float32 (HiggsDNA's files are), else float64. */
function vec(values: number[]): Float32Array | Float64Array {
  const f = Float32Array.from(values);
  return values.every((v, i) => f[i] === v) ? f : Float64Array.from(values);
}

/** The describe file that re-imports this config, with HiggsDNA's isolation settings where they fit. */
function describeFor(cfg: FlowConfig, higgsdnaForm: boolean): DescribeFile {
  const d: DescribeFile = { variables: cfg.variables, conditions: cfg.conditions, isDataFlag: cfg.isDataFlag, collections: cfg.collections };
  if (cfg.outputPattern !== undefined) d.outputPattern = cfg.outputPattern;
  if (cfg.validity !== undefined) d.validity = cfg.validity;
  if (!higgsdnaForm) return { ...d, preprocessing: cfg.preprocessing };
  const iso = cfg.preprocessing.inputs.flatMap((v, j) => (v.continuous ? [j] : []));
  if (iso.length) {
    const spreads = [...new Set(iso.map((j) => cfg.preprocessing.inputs[j].continuous!.spread))];
    d.higgsdna = {
      Isolation_transform_order: iso,
      shifts: Object.fromEntries(iso.map((j) => [String(j), cfg.preprocessing.inputs[j].continuous!.shift])),
      ...(spreads[0] !== undefined ? { spread: spreads[0] } : {}),
    };
  }
  return d;
}

export async function exportZuko(bundleDir: string, outDir: string, opts: { zukoVersion?: string } = {}): Promise<ExportResult> {
  const { config, weights } = flowFromBundle(loadBundle(bundleDir));
  const arch = weights.arch;
  const versionText = opts.zukoVersion ?? arch.zukoVersion;
  if (!versionText) throw new NtcorrError(`${bundleDir}: the bundle records no zuko version (trained by ntcorr, slope ${arch.slope}); give --zuko-version (the release HiggsDNA will load it with; ${ZUKO_SLOPE_TABLE})`, { file: bundleDir });
  const v = parseZukoVersion(versionText, 'export-zuko');
  const def = zukoDefaultSlope(v);
  if (arch.slope !== def && !zukoHasSlopeArgument(v)) {
    throw new NtcorrError(`${bundleDir}: the flow uses spline slope ${arch.slope}, but zuko ${v.text}'s NSF always uses ${def} (${ZUKO_SLOPE_TABLE}); export for a release with that slope, or zuko >= 1.6 with NSF(slope=${arch.slope}), or retrain with model.slope: ${def}`, { file: bundleDir });
  }
  if (arch.bound !== 5) throw new NtcorrError(`${bundleDir}: spline bound ${arch.bound}; zuko's NSF uses 5`, { file: bundleDir });
  const p = config.preprocessing;
  const warnings: string[] = [];
  for (const x of p.inputs) {
    if (x.capped) warnings.push(`${x.name}: capped (spike at ${x.capped.max}) is ntcorr-only`);
    if (x.bits !== undefined) warnings.push(`${x.name}: output rounded to ${x.bits} mantissa bits is ntcorr-only`);
    if (x.continuous && x.continuous.convention !== 'higgsdna') warnings.push(`${x.name}: made continuous with ntcorr's edge convention (HiggsDNA keeps slightly negative inputs and values exactly at the shift)`);
  }
  const minmax = p.inputs.filter((x) => x.minmax);
  if (minmax.length && minmax.length !== p.inputs.filter((x) => x.continuous).length) warnings.push('min-max scaling on a set of variables other than the isolations (HiggsDNA scales exactly the isolations)');
  await mkdir(outDir, { recursive: true });
  const write = async (name: string, data: Buffer | string) => {
    await writeFileAtomic(join(outDir, name), data);
    return name;
  };
  const files: string[] = [];
  files.push(await write('best_model_.pth', torchStateDictBytes(stateDict(weights, zukoBaseNames(v)), 'best_model_')));
  files.push(await write('input_means.npy', npyBytes(vec(p.inputs.map((x) => x.mean)))));
  files.push(await write('input_std.npy', npyBytes(vec(p.inputs.map((x) => x.std)))));
  files.push(await write('conditions_means.npy', npyBytes(vec(p.conditions.map((x) => x.mean)))));
  files.push(await write('conditions_std.npy', npyBytes(vec(p.conditions.map((x) => x.std)))));
  if (minmax.length) {
    files.push(await write('min_values.npy', npyBytes(vec(minmax.map((x) => x.minmax!.min)))));
    files.push(await write('max_values.npy', npyBytes(vec(minmax.map((x) => x.minmax!.max)))));
  }
  const kwargs: Record<string, unknown> = { features: arch.features, context: arch.context, bins: arch.bins, transforms: arch.transforms, hidden_features: arch.hidden };
  if (arch.passes !== undefined) kwargs.passes = arch.passes;
  if (zukoHasSlopeArgument(v)) kwargs.slope = arch.slope;
  const py = (x: unknown) => (Array.isArray(x) ? `[${x.join(', ')}]` : String(x));
  const nsfCall = `zuko.flows.NSF(${Object.entries(kwargs).map(([k, x]) => `${k}=${py(x)}`).join(', ')})`;
  files.push(await write('nsf.json', JSON.stringify({ zuko: v.text, kwargs, call: nsfCall, load: "flow.load_state_dict(torch.load('best_model_.pth', map_location='cpu'))" }, null, 1) + '\n'));
  files.push(await write('ntcorr-describe.json', JSON.stringify(describeFor(config, warnings.length === 0), null, 1) + '\n'));
  return { files, zukoVersion: v.text, nsfCall, warnings };
}
