import yargs, { type CommandModule } from 'yargs';

/**
 * Strict argument checks that yargs does not do, run before yargs parses (so before anything runs):
 * a value option followed by nothing or by another option is "missing value"; a value that starts with
 * `-` (`--where "-mass < -100"`, `--shift -0.5`) is passed as `--where=...` so yargs cannot take it for
 * flags; a number option must get a number. Unknown options are left to yargs' .strict(), whose failure
 * main() turns into the same UsageError (exit 2, usage line).
 */
export class UsageError extends Error {
  constructor(message: string, readonly usage?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command module that may carry its sub-commands (condor, train) so their options can be checked here. */
export type CommandWithSubs = CommandModule & { subcommands?: CommandModule[] };

interface OptionSpec {
  /** Every spelling (name and aliases) -> canonical name. */
  names: Map<string, string>;
  booleans: Set<string>;
  numbers: Set<string>;
  arrays: Set<string>;
}

const firstWord = (c: CommandModule): string => String(Array.isArray(c.command) ? c.command[0] : c.command ?? '').split(' ')[0];

/** The command and sub-command named by argv, with the usage line to print on errors. */
export function resolveCommand(commands: CommandWithSubs[], argv: string[]): { path: CommandModule[]; usage: string } | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  const top = commands.find((c) => firstWord(c) === words[0]);
  if (!top) return undefined;
  const path: CommandModule[] = [top];
  const sub = top.subcommands?.find((c) => firstWord(c) === words[1]);
  if (sub) path.push(sub);
  const usage = `ntcorr ${path.map((c, i) => (i === path.length - 1 ? String(c.command) : firstWord(c))).join(' ')} [options]`;
  return { path, usage };
}

function optionSpec(path: CommandModule[]): OptionSpec {
  // The builders only declare options; running them on an empty yargs instance reads the declarations.
  let y = yargs([]);
  for (const c of path) {
    if (typeof c.builder === 'function') y = (c.builder(y) as typeof y) ?? y;
    else if (c.builder) y = y.options(c.builder);
  }
  const o = (y as unknown as { getOptions(): unknown }).getOptions() as { key: Record<string, unknown>; alias: Record<string, string[]>; boolean: string[]; number: string[]; array: string[]; count: string[] };
  const names = new Map<string, string>();
  for (const k of Object.keys(o.key)) names.set(k, k);
  for (const [k, al] of Object.entries(o.alias)) for (const a of al) names.set(a, names.get(k) ?? k);
  const canon = (l: string[]) => new Set(l.map((k) => names.get(k) ?? k));
  return { names, booleans: new Set([...canon(o.boolean), ...canon(o.count ?? [])]), numbers: canon(o.number), arrays: canon(o.array) };
}

/** Does `t` name an option of this command (so it cannot be the value of the option before it)? */
function isOptionToken(t: string, spec: OptionSpec): boolean {
  if (t === '--') return true;
  if (/^--[A-Za-z][\w-]*(=[^]*)?$/.test(t)) return true; // any long option, known or a typo
  const m = /^-([A-Za-z]+)$/.exec(t);
  if (!m) return false; // "-mass < -100", "-0.5": values
  return m[1].length === 1 || [...m[1]].every((ch) => spec.names.has(ch));
}

const isNumber = (v: string) => v.trim() !== '' && !Number.isNaN(Number(v));

/**
 * Rewrites argv for the resolved command (dash-leading values joined with `=`) and throws UsageError for
 * a missing value, a non-number given to a number option, or an argument that looks like an option but
 * is written with a Unicode dash (copied from a document).
 */
export function normaliseArgs(argv: string[], path: CommandModule[], usage: string): string[] {
  const spec = optionSpec(path);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === '--') { out.push(...argv.slice(i)); break; }
    if (/^[\u2010-\u2015\u2212]/.test(t)) throw new UsageError(`${JSON.stringify(t)} looks like an option written with a typographic dash; type it with "-" or "--"`, usage);
    const long = /^--([A-Za-z][\w-]*)(=([^]*))?$/.exec(t);
    const short = /^-([A-Za-z])$/.exec(t);
    const flag = long?.[1] ?? short?.[1];
    const name = flag === undefined ? undefined : spec.names.get(flag);
    if (name === undefined || spec.booleans.has(name)) { out.push(t); continue; } // unknown ones: yargs' .strict() reports them
    const shown = long ? `--${flag}` : `-${flag}`;
    if (long?.[2] !== undefined) {
      if (spec.numbers.has(name) && !isNumber(long[3])) throw new UsageError(`${shown}: expected a number, got ${JSON.stringify(long[3])}`, usage);
      out.push(t);
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || isOptionToken(next, spec)) throw new UsageError(`${shown}: missing value`, usage);
    if (spec.numbers.has(name) && !isNumber(next)) throw new UsageError(`${shown}: expected a number, got ${JSON.stringify(next)}`, usage);
    if (next.startsWith('-')) out.push(`${shown}=${next}`);
    else out.push(t, next);
    i++;
    // Array options take the following plain words too (yargs does the same); dash-leading ones need a
    // repeated flag, since they cannot be told apart from options here.
    if (spec.arrays.has(name)) while (i + 1 < argv.length && !argv[i + 1].startsWith('-')) out.push(argv[++i]);
  }
  return out;
}

/**
 * Checks arguments meant for another command later (condor's --apply-args / --train-args, run on the
 * worker hours later) now, with that command's options: a typo there is a usage error at submit time.
 * `fill` supplies placeholders for the options and positionals the caller sets itself.
 */
export async function checkArgsFor(c: CommandModule, args: string[], fill: string[], flag: string): Promise<void> {
  const words = [firstWord(c), ...fill, ...args];
  const usage = `${flag} holds options of ntcorr ${String(c.command)}`;
  let normalised: string[];
  try {
    normalised = normaliseArgs(words, [c], usage);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${flag}: ${e.message}`, usage);
    throw e;
  }
  await yargs(normalised)
    .strict()
    .help(false)
    .version(false)
    .command({ ...c, handler: () => {} })
    .fail((msg, err) => { throw new UsageError(`${flag}: ${msg ?? errorMessageOf(err)}`, usage); })
    .parseAsync();
}

const errorMessageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
