import test from 'ava';
import { makePlan, isLogVariable } from '../src/validate/plan.js';
import type { ValidateOptions } from '../src/validate/options.js';
import { NtcorrError } from '../src/core/errors.js';

const opts = (o: Partial<ValidateOptions> = {}): ValidateOptions => ({
  data: ['d.parquet'], mc: ['m.parquet'], suffix: '_corr', out: 'r', bins: 40, toys: 0, classifierRows: 1000, maxEvents: 1e6,
  seed: 1, png: false, quiet: true, reweightBins: 8, ...o,
});
const data = new Set(['probe_r9', 'probe_sieie', 'probe_pfChargedIso', 'probe_ScEta', 'probe_pt', 'probe_phi', 'fixedGridRhoAll', 'probe_mvaID', 'mass']);
const mc = new Set([...data, 'weight', 'probe_r9_corr', 'probe_pfChargedIso_corr', 'probe_mvaID_corr', 'probe_extra_corr']);

test('default variables: simulation columns with a _corr partner that data also has; prefix, region and profiles follow', (t) => {
  const p = makePlan(opts(), data, mc);
  t.deepEqual(p.vars.map((v) => v.name), ['probe_pfChargedIso', 'probe_r9']);
  t.deepEqual(p.vars.map((v) => v.log), [true, false]);
  t.is(p.prefix, 'probe_');
  t.is(p.regionVar, 'probe_ScEta');
  t.deepEqual(p.profileVars, ['probe_pt', 'probe_ScEta', 'probe_phi', 'fixedGridRhoAll']);
  // Tag and probe both corrected: the report is about the probe, the tag columns are listed as skipped.
  const withTag = makePlan(opts(), new Set([...data, 'tag_r9']), new Set([...mc, 'tag_r9', 'tag_r9_corr']));
  t.deepEqual(withTag.vars.map((v) => v.name), ['probe_pfChargedIso', 'probe_r9']);
  t.deepEqual(withTag.skipped, ['tag_r9']);
});

test('explicit --vars may include uncorrected variables; unknown ones fail naming the column and sample', (t) => {
  const p = makePlan(opts({ vars: ['probe_sieie', 'probe_r9'] }), data, mc);
  t.deepEqual(p.vars.map((v) => v.corr), [null, 'probe_r9_corr']);
  t.throws(() => makePlan(opts({ vars: ['probe_x'] }), data, mc), { instanceOf: NtcorrError, message: /"probe_x" not found in the data files/ });
  t.throws(() => makePlan(opts(), data, data), { instanceOf: NtcorrError, message: /no corrected variables found/ });
  t.true(isLogVariable('probe_trkSumPtHollowConeDR03') && isLogVariable('probe_ecalPFClusterIso') && isLogVariable('probe_hoe') && !isLogVariable('probe_r9'));
});
