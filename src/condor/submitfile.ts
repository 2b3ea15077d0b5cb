import { basename } from 'node:path';
import { TOOL } from '../core/version.js';
import { LIST_FILE, WRAPPER, queueVars, type JobFolderManifest } from './jobfolder.js';

/**
 * The submit description for a job folder: HTCondor reads each line of the queue list into the variables
 * job, [outname, outrel,] inputs and queues one job per line. Paths are relative to the job folder (condor_submit
 * runs there), so the folder can be moved as a whole; data paths are absolute.
 */
export function submitDescription(m: JobFolderManifest, listFile = LIST_FILE, executable = WRAPPER): string {
  const r = m.resources;
  const lines: string[] = [
    `# ntcorr job folder: one job per line of ${listFile} (job id, ${m.transfer ? 'scratch output name, output path below the output folder, ' : ''}comma-separated input files).`,
    `# Written by ${TOOL}. Adapt freely; condor/README.md in the ntcorr package explains every line.`,
    `universe                = vanilla`,
    `executable              = ${executable}`,
    `arguments               = "$(job) $(inputs)${m.transfer ? ' $(outrel)' : ''}"`,
    `batch_name              = ntcorr-${batchName(m)}`,
    `output                  = logs/job-$(job).out`,
    `error                   = logs/job-$(job).err`,
    `log                     = logs/job-$(job).log`,
  ];
  if (m.transfer) {
    // No shared filesystem: HTCondor copies inputs, model (and ntcorr tarball) in, and the one output back.
    // No transfer_output_files: HTCondor then sends back only files the job created or changed at the top of
    // its scratch folder, and the wrapper creates $(outname) (never an input's name) only for a verified
    // output. A failed job leaves nothing there: nothing is copied over anything, and no missing listed
    // file puts the job on hold, so the exit code and max_retries decide.
    const inputs = ['job.env', '$(inputs)', m.model, ...(m.tarball ? [m.tarball] : [])];
    lines.push(
      `should_transfer_files   = YES`,
      `when_to_transfer_output = ON_EXIT`,
      `transfer_input_files    = ${inputs.join(', ')}`,
      `transfer_output_remaps  = "$(outname) = ${m.outDir}/$(outrel)"`,
    );
  } else {
    // Shared filesystem: the job reads and writes the files where they are; only job.env travels (if needed).
    lines.push(
      `should_transfer_files   = IF_NEEDED`,
      `when_to_transfer_output = ON_EXIT`,
      `transfer_input_files    = job.env`,
    );
  }
  lines.push(
    `# Failed jobs (non-zero exit) are rerun up to max_retries times; exit 0 means every file is done.`,
    `max_retries             = ${r.maxRetries}`,
    `success_exit_code       = 0`,
    `request_cpus            = ${r.cpus ?? 1}`,
  );
  if (r.memory) lines.push(`request_memory          = ${r.memory}`);
  if (r.disk) lines.push(`request_disk            = ${r.disk}`);
  if (r.gpus) lines.push(`request_gpus            = ${r.gpus}`);
  if (r.flavour) lines.push(`+JobFlavour             = "${r.flavour}"`);
  if (r.maxRuntime) lines.push(`+MaxRuntime             = ${r.maxRuntime}`);
  for (const e of r.extra) lines.push(`${e.key.padEnd(23)} = ${e.value}`);
  lines.push(`queue ${queueVars(m.transfer).join(',')} from ${listFile}`, '');
  return lines.join('\n');
}

function batchName(m: JobFolderManifest): string {
  return basename(m.model).replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** A submit description read back: commands in order (keys lower-cased, `+Attr` kept) and the queue statement. */
export interface ParsedSubmit {
  commands: Map<string, string>;
  queue?: { vars: string[]; from?: string; count: number };
}

/**
 * Reads the subset of the submit language ntcorr writes (key = value, +Attr = value, comments, one
 * queue statement with `from <file>`), so tests and `condor run-local` see exactly what condor_submit sees.
 */
export function parseSubmit(text: string): ParsedSubmit {
  const commands = new Map<string, string>();
  let queue: ParsedSubmit['queue'];
  const joined = text.replace(/\\\r?\n/g, ' '); // backslash continues a line
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const q = /^queue\b\s*(.*)$/i.exec(line);
    if (q) {
      const m = /^(?:(\d+)\s+)?(.*?)\s*(?:\bfrom\s+(\S+))?$/i.exec(q[1]) as RegExpExecArray;
      const vars = m[2] ? m[2].split(/[\s,]+/).filter(Boolean) : [];
      queue = { vars, from: m[3], count: m[1] ? Number(m[1]) : 1 };
      continue;
    }
    const kv = /^(\+?[A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!kv) throw new Error(`submit description: cannot read line ${JSON.stringify(line)}`);
    commands.set(kv[1].startsWith('+') ? kv[1] : kv[1].toLowerCase(), kv[2]);
  }
  return { commands, queue };
}

/**
 * Splits one line of a `queue a,b,c from file` list as HTCondor does: items separated by commas and/or
 * spaces, the last variable taking the rest of the line.
 */
export function splitQueueItem(line: string, nvars: number): string[] {
  const out: string[] = [];
  let rest = line.trim();
  for (let i = 0; i < nvars - 1; i++) {
    const m = /^([^\s,]*)[\s,]*(.*)$/.exec(rest) as RegExpExecArray;
    out.push(m[1]);
    rest = m[2];
  }
  out.push(rest);
  return out;
}

/** Expands $(name) macros (item variables first, then submit commands), as condor_submit does per job. */
export function expandMacros(value: string, vars: Record<string, string>, commands: Map<string, string>, depth = 0): string {
  if (depth > 20) throw new Error(`submit description: macro expansion loops in ${JSON.stringify(value)}`);
  return value.replace(/\$\(([A-Za-z_][A-Za-z0-9_.]*)\)/g, (_, name: string) => {
    if (name in vars) return vars[name];
    const c = commands.get(name.toLowerCase());
    return c === undefined ? '' : expandMacros(c, vars, commands, depth + 1);
  });
}

/** HTCondor's "new syntax" arguments: the whole list in double quotes, single quotes group words. */
export function splitArguments(value: string): string[] {
  const v = value.trim();
  if (!(v.startsWith('"') && v.endsWith('"'))) return v.split(/\s+/).filter(Boolean); // old syntax
  const body = v.slice(1, -1).replace(/""/g, '"');
  const out: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === "'") {
      has = true;
      for (i++; i < body.length; i++) {
        if (body[i] === "'" && body[i + 1] === "'") { cur += "'"; i++; } else if (body[i] === "'") break; else cur += body[i];
      }
    } else if (/\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** transfer_output_remaps = "a = b; c = d" -> Map a -> b. */
export function parseRemaps(value: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (!value) return map;
  const body = value.trim().replace(/^"|"$/g, '');
  for (const part of body.split(';')) {
    const m = /^\s*(.*?)\s*=\s*(.*?)\s*$/.exec(part);
    if (m && m[1]) map.set(m[1], m[2]);
  }
  return map;
}

/** Comma-separated file lists (transfer_input_files, transfer_output_files). */
export function splitFileList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}
