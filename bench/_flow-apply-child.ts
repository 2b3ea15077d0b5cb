// Child process of bench/flow.ts: applies a flow bundle to one file and prints events/s and this process's
// peak RSS (worker threads included) as JSON; a separate process so the RSS is the apply's own.
import { runApply } from '../src/pipeline/index.js';

const [model, file, outDir, backend] = process.argv.slice(2);
const t0 = performance.now();
const s = await runApply({ inputs: [file], model, outDir, chunkRows: 100_000, jobs: 1, fill: 'nan', force: true, skipDone: false, quiet: true, seed: 1, backend: backend ?? 'auto', command: 'bench flow', mode: 'full', log: () => {} });
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ rows: s.rows, failed: s.failed, seconds, eventsPerS: s.rows / seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
