// Child process of bench/jet.ts: applies a jet bundle to one file and prints jets/s and this process's
// peak RSS as JSON (a separate process so the RSS is the apply's own).
import { runApply } from '../src/pipeline/index.js';

const [model, file, outDir, mode, backend] = process.argv.slice(2);
const t0 = performance.now();
const s = await runApply({ inputs: [file], model, outDir, chunkRows: 50_000, jobs: 1, fill: 'nan', force: true, skipDone: false, quiet: true, seed: 1, backend: backend ?? 'auto', command: 'bench jet', tree: 'Jets', mode: (mode as 'full' | 'friend') ?? 'friend', log: () => {} });
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ rows: s.rows, failed: s.failed, seconds, jetsPerS: s.rows / seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
