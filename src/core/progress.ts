import cliProgress from 'cli-progress';

/**
 * Progress for long work: a cli-progress bar with rate and ETA on a terminal, nothing in --quiet mode.
 * Batch logs (Condor, shell drivers) pass --quiet and get one line per file from the caller instead.
 */
export interface Progress {
  /** Adds a bar; `unit` appears in the rate ("events/s"). */
  bar(label: string, total: number, unit: string): ProgressBar;
  stop(): void;
}

export interface ProgressBar {
  increment(n?: number, payload?: Record<string, string | number>): void;
  update(value: number, payload?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

const NOOP_BAR: ProgressBar = { increment() {}, update() {}, setTotal() {}, stop() {} };

export function createProgress(opts: { quiet?: boolean }): Progress {
  // Bars only make sense on a terminal: Condor logs and CI get nothing.
  if (opts.quiet || !process.stderr.isTTY) return { bar: () => NOOP_BAR, stop() {} };
  const multi = new cliProgress.MultiBar(
    {
      format: '{label} |{bar}| {percentage}% {value}/{total} {unit} | {rate} {unit}/s | ETA {eta_formatted} {info}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 50,
      fps: 5,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = new Map<cliProgress.SingleBar, number>();
  return {
    bar(label, total, unit) {
      const b = multi.create(total, 0, { label, unit, rate: '0', info: '' });
      started.set(b, Date.now());
      const rate = (value: number) => {
        const dt = (Date.now() - (started.get(b) ?? Date.now())) / 1000;
        return dt > 0 ? Math.round(value / dt).toLocaleString('en-US') : '0';
      };
      return {
        increment(n = 1, payload = {}) {
          const v = b.getProgress() * b.getTotal() + n;
          b.increment(n, { ...payload, rate: rate(v) });
        },
        update(value, payload = {}) { b.update(value, { ...payload, rate: rate(value) }); },
        setTotal(t) { b.setTotal(t); },
        stop() { b.stop(); },
      };
    },
    stop() { multi.stop(); },
  };
}
