import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import yargs, { type CommandModule } from 'yargs';
import { VERSION } from '../core/version.js';
import { NtcorrError, errorMessage } from '../core/errors.js';

/**
 * Each file in ./commands exports `command` (a yargs CommandModule). Commands set process.exitCode
 * themselves (non-zero when any file failed); a thrown error is printed without a stack and exits 1.
 */
async function loadCommands(): Promise<CommandModule[]> {
  const dir = fileURLToPath(new URL('./commands/', import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts') && !f.endsWith('.map'))
    .sort();
  const mods = await Promise.all(files.map((f) => import(pathToFileURL(dir + f).href) as Promise<{ command?: CommandModule }>));
  return mods.flatMap((m) => (m.command ? [m.command] : []));
}

export async function main(argv: string[]): Promise<number> {
  const commands = await loadCommands();
  let cli = yargs(argv)
    .scriptName('ntcorr')
    .usage('$0 <command> [options]\n\nCorrections for HEP ntuples (parquet and ROOT): flows, jet regression, toy fits, HTCondor.')
    .version(VERSION)
    .strict()
    .demandCommand(1, 'Give a command; see ntcorr --help.')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .epilogue('Docs: README.md. Every command has --help with examples.')
    .fail((msg, err, y) => {
      if (err) throw err;
      console.error(`${y.help() && ''}ntcorr: ${msg}\nRun with --help for usage.`);
      process.exitCode = 2;
    });
  for (const c of commands) cli = cli.command(c);
  try {
    await cli.parseAsync();
  } catch (e) {
    console.error(`ntcorr: ${errorMessage(e)}`);
    if (!(e instanceof NtcorrError) && process.env.NTCORR_DEBUG) console.error(e);
    return 1;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

// Run directly (node --import tsx src/cli/main.ts ..., or node dist/cli/main.js ...).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
