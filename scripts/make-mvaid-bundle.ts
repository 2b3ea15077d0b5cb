/**
 * Builds models/photon-mvaid-run3/ (kind `xgboost`) from the CMS Run-3 photon mvaID XGBoost models in
 * ../shared/fixtures/xgboost (or the folder given as argv[2]): the forests are stored flattened in
 * weights.bin (1.5 MB instead of 6 MB of JSON). Run: node --import tsx scripts/make-mvaid-bundle.ts [dir]
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeBundle } from '../src/bundle/bundle.js';
import { TOOL } from '../src/core/version.js';
import { parseXgboostJson } from '../src/models/xgboost/forest.js';
import { forestTensors } from '../src/models/xgboost/storage.js';

const src = resolve(process.argv[2] ?? join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'xgboost'));
const out = resolve(process.argv[3] ?? join(import.meta.dirname, '..', 'models', 'photon-mvaid-run3'));

// Input order of the CMS analysis (README of the fixtures).
const BARREL = ['energyRaw', 'r9', 'sieie', 'etaWidth', 'phiWidth', 'sieip', 's4', 'hoe', 'ecalPFClusterIso', 'trkSumPtHollowConeDR03',
  'trkSumPtSolidConeDR04', 'pfChargedIso', 'pfChargedIsoWorstVtx', 'ScEta', 'fixedGridRhoAll'];
const ENDCAP = ['energyRaw', 'r9', 'sieie', 'etaWidth', 'phiWidth', 'sieip', 's4', 'hoe', 'ecalPFClusterIso', 'hcalPFClusterIso',
  'trkSumPtHollowConeDR03', 'trkSumPtSolidConeDR04', 'pfChargedIso', 'pfChargedIsoWorstVtx', 'ScEta', 'fixedGridRhoAll',
  'esEffSigmaRR', 'esEnergyOverRawE'];

const barrel = forestTensors('barrel', parseXgboostJson(readFileSync(join(src, 'model_barrel.json'), 'utf8'), 'model_barrel.json'));
const endcap = forestTensors('endcap', parseXgboostJson(readFileSync(join(src, 'model_endcap.json'), 'utf8'), 'model_endcap.json'));
mkdirSync(out, { recursive: true });
await writeBundle(out, {
  name: 'photon-mvaid-run3',
  kind: 'xgboost',
  inputs: [...new Set([...BARREL, ...ENDCAP])].map((v) => (v === 'fixedGridRhoAll' ? v : `probe_${v}`)),
  outputs: [
    { name: 'probe_mvaID_corr', type: 'float32', description: 'photon mvaID = tanh(BDT margin) on corrected inputs (raw where no _corr column)' },
    ...['tag_', 'photon_', 'lead_', 'sublead_'].map((p) => ({ name: `${p}mvaID_corr`, type: 'float32' as const, description: `same for the ${p} photon, when the file has ${p} columns` })),
  ],
  config: {
    // Every HiggsDNA layout: Zee tag_/probe_, Zmmg photon_, diphoton lead_/sublead_; a file gets the ones it has.
    collections: ['probe_', 'tag_', 'photon_', 'lead_', 'sublead_'],
    optionalCollections: ['probe_', 'tag_', 'photon_', 'lead_', 'sublead_'],
    output: 'mvaID_corr',
    transform: 'tanh',
    region: { variable: 'ScEta' },
    regions: [
      { name: 'barrel', absMin: 0, absMax: 1.5, model: barrel.ref, inputs: BARREL },
      { name: 'endcap', absMin: 1.5, model: endcap.ref, inputs: ENDCAP },
    ],
    inputs: { prefer: 'corrected', suffix: '_corr', raw: ['ScEta', 'fixedGridRhoAll'], aliases: { fixedGridRhoAll: ['Rho_fixedGridRhoAll'] } },
  },
  provenance: {
    createdBy: TOOL,
    created: new Date().toISOString(),
    source: 'scripts/make-mvaid-bundle.ts from the CMS Run-3 photon mvaID XGBoost models (model_barrel.json, model_endcap.json; XGBoost < 1.6, binary:logitraw)',
  },
}, [...barrel.tensors, ...endcap.tensors]);
console.log(`wrote ${out}`);
