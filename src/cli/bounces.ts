/**
 * `listwarden bounces`: returned mail. `parse` reads messages and prints, per message, one JSON line saying what
 * happened to each recipient (contract: shared/contracts/bounces.md). `ingest` is reserved for intake.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseReturnedMail } from '../bounces/parse.js';
import type { Report } from '../bounces/types.js';

const HELP = `Usage: listwarden bounces parse PATH... [--json]

Reads returned mail (bounces, delay notices, complaint reports, automatic replies) and prints one JSON line
per message, in the order read. PATH is an .eml file, a directory (read recursively), or - for standard input.
A message that cannot be read still gets a line, with kind "unreadable" and an error; the exit code is then 1.`;

/** Runs `listwarden bounces …` and returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    process.stdout.write(`${HELP}\n`);
    return sub ? 0 : 2;
  }
  if (sub === 'ingest') {
    process.stderr.write('listwarden bounces ingest: not yet available\n');
    return 2;
  }
  if (sub !== 'parse') {
    process.stderr.write(`listwarden bounces: unknown sub-command "${sub}"\n\n${HELP}\n`);
    return 2;
  }
  const paths = rest.filter((a) => a !== '--json');
  const unknown = paths.filter((a) => a.startsWith('--'));
  if (unknown.length > 0 || paths.length === 0) {
    process.stderr.write(`${unknown.length > 0 ? `unknown option ${unknown[0]}\n\n` : ''}${HELP}\n`);
    return 2;
  }
  let failed = false;
  for (const path of paths) {
    for await (const item of messagesAt(path)) {
      const report: Report = item.error ? { kind: 'unreadable', recipients: [], original: {}, error: item.error } : await parseReturnedMail(item.raw!);
      if (report.kind === 'unreadable') failed = true;
      process.stdout.write(`${JSON.stringify(contractLine(item.file, report))}\n`);
    }
  }
  return failed ? 1 : 0;
}

interface Item { file: string; raw?: Buffer; error?: string }

/** The line the contract fixes (shared/contracts/bounces.md): nothing more, so consumers can rely on it. */
function contractLine(file: string, report: Report) {
  return {
    file,
    kind: report.kind,
    recipients: report.recipients.map((r) => ({
      address: r.address, action: r.action, status: r.status, replyCode: r.replyCode, reason: r.reason, hard: r.hard,
      diagnostic: r.diagnostic, ...(r.feedbackType ? { feedbackType: r.feedbackType } : {}),
    })),
    ...(report.error ? { error: report.error } : {}),
  };
}

/** Yields the messages a PATH names: stdin, one file, or a directory's files in name order. */
async function* messagesAt(path: string): AsyncGenerator<Item> {
  if (path === '-') {
    yield { file: '-', raw: await readStdin() };
    return;
  }
  let info;
  try {
    info = await stat(path);
  } catch {
    yield { file: path, error: `cannot open ${path}: no such file or directory` };
    return;
  }
  if (!info.isDirectory()) {
    try {
      yield { file: path, raw: await readFile(path) };
    } catch (err) {
      yield { file: path, error: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
    }
    return;
  }
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const child = join(path, entry.name);
    // Directories hold .eml files, or maildir-style files with no extension; other files are not mail.
    if (entry.isDirectory()) yield* messagesAt(child);
    else if (entry.isFile() && (/\.eml$/i.test(entry.name) || !entry.name.includes('.'))) yield* messagesAt(child);
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
