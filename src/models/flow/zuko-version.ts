import { NtcorrError } from '../../core/errors.js';

/**
 * What a zuko release fixes that its checkpoints do not record. Read from zuko's source at each tag
 * (zuko/transforms.py MonotonicRQSTransform's default `slope`; the state-dict names of NSF's base):
 *
 * | zuko          | spline slope | base buffers               | NSF(slope=...) |
 * | ------------- | ------------ | -------------------------- | -------------- |
 * | 1.0.0         | 1e-3         | base._0, base._1           | no             |
 * | 1.0.1 - 1.4.1 | 1e-4         | base._0, base._1           | no             |
 * | 1.5.0         | 1e-3         | base._0, base._1           | no             |
 * | 1.6.0 and on  | 1e-3 default | base.loc, base.scale       | yes            |
 *
 * HiggsDNA and Flows_for_sim_correction pin zuko 1.0.1, so their flows need slope 1e-4: a flow evaluated
 * with the wrong slope is a different function (corrections change by ~10% of their size).
 */
export const ZUKO_SLOPE_TABLE = 'zuko 1.0.0: 1e-3; 1.0.1-1.4.x: 1e-4; 1.5 and later: 1e-3';

export interface ZukoVersion {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

export function parseZukoVersion(text: string, where = 'import-zuko'): ZukoVersion {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(String(text).trim());
  if (!m) throw new NtcorrError(`${where}: --zuko-version must look like 1.0.1 (got "${text}")`);
  const v = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), text: `${m[1]}.${m[2]}.${m[3] ?? 0}` };
  if (v.major < 1) throw new NtcorrError(`${where}: zuko ${v.text} is not supported (its NSF predates the 1.0 state-dict layout); give --slope explicitly if you know the flow's spline slope`);
  return v;
}

function cmp(a: ZukoVersion, major: number, minor: number, patch: number): number {
  return a.major - major || a.minor - minor || a.patch - patch;
}

/** The default MonotonicRQSTransform slope of a zuko release. */
export function zukoDefaultSlope(v: ZukoVersion): number {
  if (cmp(v, 1, 0, 1) < 0) return 1e-3;
  if (cmp(v, 1, 5, 0) < 0) return 1e-4;
  return 1e-3;
}

/** Whether NSF accepts slope= (1.6 on); older releases always use their default. */
export function zukoHasSlopeArgument(v: ZukoVersion): boolean {
  return cmp(v, 1, 6, 0) >= 0;
}

/** State-dict names of the base distribution's loc and scale buffers. */
export function zukoBaseNames(v: ZukoVersion): [string, string] {
  return cmp(v, 1, 6, 0) >= 0 ? ['base.loc', 'base.scale'] : ['base._0', 'base._1'];
}

/**
 * The slope a flow must use: `slope` when given (then it must agree with a fixed-slope version), else the
 * version's default. Throws when neither is given: a wrong guess would silently change every correction.
 */
export function resolveSlope(version: string | undefined, slope: number | undefined, where = 'import-zuko'): { slope: number; zukoVersion?: string } {
  if (version === undefined && slope === undefined) {
    throw new NtcorrError(`${where}: give --zuko-version (the zuko release the flow was trained with; HiggsDNA pins 1.0.1) or --slope; the checkpoint does not record the spline slope (${ZUKO_SLOPE_TABLE})`);
  }
  if (version === undefined) return { slope: slope! };
  const v = parseZukoVersion(version, where);
  const def = zukoDefaultSlope(v);
  if (slope !== undefined && slope !== def && !zukoHasSlopeArgument(v)) {
    throw new NtcorrError(`${where}: zuko ${v.text} always uses slope ${def}; --slope ${slope} contradicts --zuko-version ${v.text} (${ZUKO_SLOPE_TABLE})`);
  }
  return { slope: slope ?? def, zukoVersion: v.text };
}
