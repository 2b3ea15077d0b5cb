import { NtcorrError } from '../core/errors.js';
import type { ValidateOptions } from './options.js';

/** What to compare, derived from the options and the two samples' column names. */
export interface ValidatePlan {
  vars: { name: string; corr: string | null; log: boolean }[];
  /** Corrected columns left out of the automatic choice (other collections). */
  skipped: string[];
  prefix: string;
  regionVar: string | null;
  profileVars: string[];
}

/** Isolation-like variables (peak at 0, long tails) are drawn with a log y axis, as the analysis did. */
export function isLogVariable(name: string): boolean {
  return /iso|trkSumPt|hoe|esEnergyOverRawE/i.test(name);
}

function commonPrefix(names: string[]): string {
  if (names.length === 0) return '';
  const us = names.map((n) => { const i = n.indexOf('_'); return i > 0 ? n.slice(0, i + 1) : ''; });
  return us.every((p) => p === us[0]) ? us[0] : '';
}

export function makePlan(o: ValidateOptions, dataCols: Set<string>, mcCols: Set<string>): ValidatePlan {
  let names: string[];
  let skipped: string[] = [];
  if (o.vars && o.vars.length) {
    names = o.vars;
    for (const v of names) {
      if (!dataCols.has(v)) throw new NtcorrError(`--vars: column "${v}" not found in the data files (${o.data[0]}...)`, { column: v });
      if (!mcCols.has(v)) throw new NtcorrError(`--vars: column "${v}" not found in the simulation files (${o.mc[0]}...)`, { column: v });
    }
  } else {
    names = [...mcCols].filter((c) => !c.endsWith(o.suffix) && mcCols.has(c + o.suffix) && dataCols.has(c) && !/mvaID$/.test(c)).sort();
    if (names.length === 0) {
      throw new NtcorrError(`no corrected variables found: the simulation files have no "<column>${o.suffix}" column whose raw column is also in data; run ntcorr apply first or name --vars`, { file: o.mc[0] });
    }
    // One collection per report (its ScEta splits barrel/endcap, its mvaID is re-evaluated): the probe
    // when corrected, else the first one; the others are listed so the user can ask for them with --vars.
    const prefixes = [...new Set(names.map((n) => commonPrefix([n])))];
    if (prefixes.length > 1) {
      const keep = prefixes.includes('probe_') ? 'probe_' : prefixes[0];
      skipped = names.filter((n) => commonPrefix([n]) !== keep);
      names = names.filter((n) => commonPrefix([n]) === keep);
    }
  }
  const prefix = commonPrefix(names);
  const pick = (c: string) => (dataCols.has(c) && mcCols.has(c) ? c : null);
  const regionVar = o.regionVar ?? pick(`${prefix}ScEta`);
  if (o.regionVar && !pick(o.regionVar)) throw new NtcorrError(`--region-var: column "${o.regionVar}" must be in both data and simulation`, { column: o.regionVar });
  const profileVars = o.profileVars ?? [`${prefix}pt`, `${prefix}ScEta`, `${prefix}phi`, 'fixedGridRhoAll'].filter((c) => pick(c));
  for (const p of profileVars) if (!pick(p)) throw new NtcorrError(`--profile-vars: column "${p}" must be in both data and simulation`, { column: p });
  return {
    vars: names.map((n) => ({ name: n, corr: mcCols.has(n + o.suffix) ? n + o.suffix : null, log: isLogVariable(n) })),
    skipped,
    prefix,
    regionVar,
    profileVars,
  };
}
