/**
 * `listwarden bounces`: returned mail. `parse` reads messages and prints, per message, one JSON line saying what
 * happened to each recipient (contract: shared/contracts/bounces.md); `ingest` records it and acts (intake).
 */
import { parseArgs } from 'node:util';
import { readMailFiles } from '../bounces/intake/read-mail-files.js';
import { parseReturnedMail } from '../bounces/parse.js';
import type { Report } from '../bounces/types.js';

const HELP = `Usage: listwarden bounces parse PATH... [--json]
       listwarden bounces ingest PATH... [--data-dir DIR]

parse   reads returned mail (bounces, delay notices, complaint reports, automatic replies) and prints one JSON
        line per message, in the order read, saying per recipient the status, reason and whether the address
        is dead ("hard"). Nothing is recorded.
ingest  records returned mail and acts on it: matches each message to the send it answers, suppresses dead
        addresses, counts soft failures, and prints one JSON line per message with its outcome. With the
        server running on the embedded database, use POST /api/v1/bounces instead.

PATH is an .eml file, an mbox file (ingest), a directory (read recursively), or - for standard input (parse).
A message that cannot be read still gets a line, with kind "unreadable" and an error; the exit code is then 1.`;

/** Runs `listwarden bounces …` and returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    process.stdout.write(`${HELP}\n`);
    return sub ? 0 : 2;
  }
  if (sub === 'ingest') return ingest(rest);
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
  yield* readMailFiles(path, { mbox: false });
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * `bounces ingest`: each message through intake (parse, match, act, record), one JSON line per message with
 * its outcome. Exit 1 when a message could not be read or recorded; the others are still done.
 */
async function ingest(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' } } });
  } catch (err) {
    process.stderr.write(`listwarden bounces ingest: ${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (parsed.positionals.length === 0) {
    process.stderr.write(`${HELP}\n`);
    return 2;
  }
  // Loaded here so that `bounces parse` does not pay for the database drivers.
  const { openRuntime, startupMessage } = await import('../server/runtime.js');
  const { ingestReturnedMail } = await import('../bounces/intake/ingest-returned-mail.js');
  let runtime;
  try {
    runtime = await openRuntime({ dataDir: parsed.values['data-dir'] });
  } catch (err) {
    process.stderr.write(`listwarden bounces ingest: ${startupMessage(err)}\n`);
    return 1;
  }
  const { db, config } = runtime;
  let failed = false;
  try {
    for (const path of parsed.positionals) {
      for await (const item of readMailFiles(path)) {
        const where = { file: item.file, ...(item.index ? { message: item.index } : {}) };
        if (item.error) {
          failed = true;
          process.stdout.write(`${JSON.stringify({ ...where, outcome: 'unreadable', error: item.error })}\n`);
          continue;
        }
        try {
          const r = await ingestReturnedMail({ db, secret: config.secretKey, now: new Date(), source: 'cli', raw: item.raw! });
          if (r.outcome === 'unreadable') failed = true;
          process.stdout.write(`${JSON.stringify({ ...where, id: r.id, kind: r.kind, outcome: r.outcome, duplicate: r.duplicate, recipients: r.recipients, ...(r.trips.length ? { paused: r.trips } : {}), ...(r.error ? { error: r.error } : {}) })}\n`);
        } catch (err) {
          failed = true;
          process.stdout.write(`${JSON.stringify({ ...where, outcome: 'failed', error: `could not record: ${(err as Error).message}` })}\n`);
        }
      }
    }
  } finally {
    await db.destroy();
  }
  return failed ? 1 : 0;
}
