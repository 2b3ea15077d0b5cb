import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import yargs from 'yargs';
import { VERSION } from '../core/version.js';
import { NtcorrError, errorMessage } from '../core/errors.js';
import { setInvocation } from './options.js';
import { readEnvironment } from './env.js';
import { settings } from '../core/settings.js';
import { UsageError, normaliseArgs, resolveCommand, type CommandWithSubs } from './strict.js';

/**
 * Each file in ./commands exports `command` (a yargs CommandModule). Commands set process.exitCode
 * themselves (non-zero when any file failed). Exit codes: 2 for a usage error (unknown option, missing
 * value, bad number: reported before anything runs), 1 for an ntcorr error (printed without a stack) or
 * an internal error (one line; the stack with NTCORR_DEBUG=1).
 */
async function loadCommands(): Promise<CommandWithSubs[]> {
  const dir = fileURLToPath(new URL('./commands/', import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts') && !f.endsWith('.map'))
    .sort();
  const mods = await Promise.all(files.map((f) => import(pathToFileURL(dir + f).href) as Promise<{ command?: CommandWithSubs }>));
  return mods.flatMap((m) => (m.command ? [m.command] : []));
}

const EPILOGUE = 'Unknown options, missing values and non-numbers stop a command before it runs (exit 2); values may start with "-" (--where "-mass < -100"). Exit codes: 0 ok, 1 failed (the message names the file), 2 usage, 3 fit not valid / condor verify: not done. NTCORR_DEBUG=1 prints the stack of internal errors. Docs: README.md.';

/** A failure before a handler starts is a usage error (yargs validation, .check); after, the handler's own. */
const state = { inHandler: false };
const marked = new WeakSet<object>();
function markHandlers(c: CommandWithSubs): CommandWithSubs {
  for (const m of [c, ...(c.subcommands ?? [])]) {
    if (marked.has(m) || !m.handler) continue;
    const h = m.handler;
    m.handler = (a) => { state.inHandler = true; return h(a); };
    // Every command's --help ends with the rules for options and the exit codes.
    const b = m.builder;
    if (typeof b === 'function') m.builder = (y) => (b(y) as typeof y).epilogue(EPILOGUE);
    marked.add(m);
  }
  return c;
}

/**
 * What the top-level handler prints for an error: an ntcorr error is its message (it names the file and
 * what was expected); anything else is a bug, shown as one "internal error" line, with the stack only
 * under NTCORR_DEBUG=1.
 */
export function formatError(e: unknown, debug: boolean): string {
  if (e instanceof NtcorrError) return `ntcorr: ${errorMessage(e)}`;
  const line = `ntcorr: internal error: ${errorMessage(e)}`;
  if (!debug) return `${line} (NTCORR_DEBUG=1 prints the stack; please report it)`;
  return `${line}\n${e instanceof Error && e.stack ? e.stack : String(e)}`;
}

function printUsageError(e: UsageError, usage: string | undefined): number {
  const u = e.usage ?? usage;
  console.error(`ntcorr: ${e.message}\nusage: ${u ?? 'ntcorr <command> [options]'}\nRun '${u ? u.split(' ').filter((w) => !/^[<[]/.test(w)).join(' ') : 'ntcorr'} --help' for all options.`);
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  setInvocation(argv);
  readEnvironment();
  const commands = await loadCommands();
  const resolved = resolveCommand(commands, argv);
  let args = argv;
  try {
    if (resolved) args = normaliseArgs(argv, resolved.path, resolved.usage);
  } catch (e) {
    if (e instanceof UsageError) return printUsageError(e, resolved?.usage);
    throw e;
  }
  state.inHandler = false;
  let cli = yargs(args)
    .scriptName('ntcorr')
    .usage('$0 <command> [options]\n\nCorrections for HEP ntuples (parquet and ROOT): flows, jet regression, toy fits, HTCondor.')
    .version(VERSION)
    .strict()
    .demandCommand(1, 'Give a command; see ntcorr --help.')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .epilogue(EPILOGUE)
    // Throwing (not printing and returning) is what stops yargs before the command's handler runs.
    .fail((msg, err) => {
      if (err && (state.inHandler || err instanceof NtcorrError)) throw err;
      // recommendCommands reports only its suggestion: say what was wrong too.
      if (msg?.startsWith('Did you mean')) throw new UsageError(`unknown command "${argv.find((w) => !w.startsWith('-'))}". ${msg}`);
      throw new UsageError(msg ?? errorMessage(err));
    });
  for (const c of commands) cli = cli.command(markHandlers(c));
  try {
    await cli.parseAsync();
  } catch (e) {
    if (e instanceof UsageError) return printUsageError(e, resolved?.usage);
    console.error(formatError(e, settings.debug));
    return 1;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

// Run directly (node --import tsx src/cli/main.ts ..., or node dist/cli/main.js ...).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
