/**
 * The few HTCondor job event log ("user log", `log = ...`) events that decide a job's state. Each event is
 * a header line "NNN (cluster.proc.sub) date time text", body lines, and a line "...".
 * Event numbers: 000 submitted, 001 executing, 005 terminated, 009 aborted (condor_rm), 012 held,
 * 013 released, 004 evicted.
 */
export type LogState =
  | { state: 'none' }
  | { state: 'idle' | 'running' }
  | { state: 'exited'; exitCode: number }
  | { state: 'signalled'; signal: number }
  | { state: 'held'; reason: string }
  | { state: 'removed' };

export interface LogEvent {
  code: number;
  jobId: string;
  header: string;
  body: string[];
}

export function parseUserLog(text: string): LogEvent[] {
  const events: LogEvent[] = [];
  let cur: LogEvent | undefined;
  for (const line of text.split(/\r?\n/)) {
    const h = /^(\d{3}) \((\d+\.\d+\.\d+)\) (.*)$/.exec(line);
    if (h) {
      cur = { code: Number(h[1]), jobId: h[2], header: h[3], body: [] };
      events.push(cur);
    } else if (line.startsWith('...')) {
      cur = undefined;
    } else if (cur) {
      cur.body.push(line.trim());
    }
  }
  return events;
}

/** The state a job is in after the last event of its (per-job) log. */
export function logState(events: LogEvent[]): LogState {
  let s: LogState = { state: 'none' };
  for (const e of events) {
    switch (e.code) {
      case 0: case 13: case 4: s = { state: 'idle' }; break;
      case 1: s = { state: 'running' }; break;
      case 5: {
        const body = e.body.join('\n');
        const ret = /Normal termination \(return value (-?\d+)\)/.exec(body);
        const sig = /Abnormal termination \(signal (\d+)\)/.exec(body);
        s = ret ? { state: 'exited', exitCode: Number(ret[1]) } : { state: 'signalled', signal: sig ? Number(sig[1]) : -1 };
        break;
      }
      case 9: s = { state: 'removed' }; break;
      case 12: s = { state: 'held', reason: e.body.filter(Boolean).join(' ').slice(0, 300) || 'held' }; break;
      default: break;
    }
  }
  return s;
}
