import { NtcorrError } from '../core/errors.js';

/** CERN batch job flavours (+JobFlavour) and the wall time each allows, in seconds. */
export const JOB_FLAVOURS: Record<string, number> = {
  espresso: 20 * 60,
  microcentury: 60 * 60,
  longlunch: 2 * 3600,
  workday: 8 * 3600,
  tomorrow: 24 * 3600,
  testmatch: 3 * 24 * 3600,
  nextweek: 7 * 24 * 3600,
};

export function checkFlavour(name: string): string {
  if (!(name in JOB_FLAVOURS)) {
    throw new NtcorrError(`--flavour ${JSON.stringify(name)}: expected one of ${Object.keys(JOB_FLAVOURS).join(', ')} (CERN +JobFlavour)`);
  }
  return name;
}

/**
 * "3h", "90m", "2h30m", "1d", "45s" or plain seconds -> seconds (for CERN's +MaxRuntime, which is in seconds).
 */
export function parseDuration(text: string): number {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)\s*(d|h|m|min|s)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while (pos < t.length && (re.lastIndex = pos, (m = re.exec(t)))) {
    const n = Number(m[1]);
    total += n * (m[2] === 'd' ? 86400 : m[2] === 'h' ? 3600 : m[2] === 's' ? 1 : 60);
    pos = re.lastIndex;
  }
  if (pos !== t.length || t.length === 0 || total <= 0) {
    throw new NtcorrError(`--max-runtime ${JSON.stringify(text)}: expected a duration like 3h, 90m, 2h30m, 1d or a number of seconds`);
  }
  return Math.round(total);
}

/**
 * "4GB", "4 GB", "4G", "512MB", "2048" (MB) -> HTCondor request_memory/request_disk value. HTCondor takes a
 * number in MB (memory) or KB (disk) or a number with a K/M/G/T unit; we always write the unit so there
 * is no ambiguity between the two defaults.
 */
export function parseSize(text: string, what: string, bareUnit: 'MB' | 'KB'): string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?)?\s*$/i.exec(text);
  if (!m) throw new NtcorrError(`${what} ${JSON.stringify(text)}: expected a size like 4GB, 512MB or a number (${bareUnit})`);
  const unit = m[2] ? m[2][0].toUpperCase() + 'B' : bareUnit;
  return `${m[1]}${unit}`;
}

/** `--extra 'key = value'`: one submit command, checked for shape so a typo cannot break the file silently. */
export function parseExtra(line: string): { key: string; value: string } {
  const m = /^\s*(\+?[A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$/.exec(line);
  if (!m || m[1].toLowerCase() === 'queue') {
    throw new NtcorrError(`--extra ${JSON.stringify(line)}: expected one submit command "key = value" (e.g. 'requirements = (OpSysAndVer == "AlmaLinux9")' or '+AccountingGroup = "group_u_CMS.u_zh.users"')`);
  }
  return { key: m[1], value: m[2] };
}
