/**
 * The send journal: each worker process appends `<send_recipients id> <claim>` to a file of its own just before
 * a message's final "." goes into the kernel (`-<id> <claim>` takes a line back when the dot had to wait in Node's
 * buffer after all; smtp-connections.ts), before the group's COMMIT, so that a kill between the dots and the
 * COMMIT does not send those messages a second time: a worker of the same host reads the journal of a process
 * that is gone and marks its rows `sent` before putting expired claims back (send-worker.ts).
 *
 * One file per process, `<dir>/<hostname>-<pid>-<startMs>.log`. Its first line names the database it belongs to
 * (a fingerprint: several databases may share one data directory) and the process's start time (a reused pid is
 * not taken for the writer). Lines are written with one `write` each on a descriptor kept open, without fsync:
 * they must outlive the process (SIGKILL lands between system calls), not the machine.
 */
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { procStartOf } from '../db/data-dir-lock.js';

const MAGIC = 'listwarden-send-journal 1';
/** A journal is cut back to its first line past this size, once every row it names is committed. */
export const JOURNAL_MAX_BYTES = 1024 * 1024;

export type SendJournal = {
  readonly path: string;
  /** Appends one row's line (one write; nothing is awaited). Ignored once closed. */
  record(id: number, claim: string): void;
  /** Takes a row's line back (`-<id> <claim>`): its dot did not reach the kernel after all. */
  retract(id: number, claim: string): void;
  /** Cuts the file back to its first line when it holds more than `maxBytes`. Only while no row it names waits for its COMMIT. */
  compact(): void;
  /** Closes the file; deletes it unless `keep` (rows it names may still be uncommitted). */
  close(options: { keep: boolean }): void;
};

/** A dead process's journal: its rows by claim, and when it was last written. */
export type LeftJournal = { path: string; pid: number; rows: { id: number; claim: string }[]; lastWrite: Date };

/** File names hold the host name; anything outside [A-Za-z0-9._] is written as '_' (a hyphen separates the fields). */
const hostPart = (h: string) => h.replace(/[^A-Za-z0-9._]/g, '_');
const NAME = /^(.+)-(\d+)-(\d+)\.log$/;
/** The database's fingerprint as the first line holds it: hashed, so it carries no names and no blanks. */
const tag = (fingerprint: string) => createHash('sha256').update(fingerprint).digest('hex').slice(0, 20);

/** Opens this process's journal in `dir` (created when missing) for the database named by `fingerprint`. */
export function openSendJournal(options: { dir: string; fingerprint: string; maxBytes?: number; now?: number }): SendJournal {
  const { dir } = options;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${hostPart(osHostname())}-${process.pid}-${options.now ?? Date.now()}.log`);
  const header = `${MAGIC} ${tag(options.fingerprint)} ${procStartOf(process.pid) ?? '-'}\n`;
  const headerBytes = Buffer.byteLength(header);
  // Made whole under another name first: a `.log` always has its first line.
  writeFileWhole(`${path}.tmp`, header);
  renameSync(`${path}.tmp`, path);
  let fd: number | undefined = openSync(path, 'a');
  let size = headerBytes;
  const maxBytes = options.maxBytes ?? JOURNAL_MAX_BYTES;
  return {
    path,
    record(id, claim) {
      if (fd === undefined) return;
      size += writeSync(fd, `${id} ${claim}\n`);
    },
    retract(id, claim) {
      if (fd === undefined) return;
      size += writeSync(fd, `-${id} ${claim}\n`);
    },
    compact() {
      if (fd === undefined || size <= maxBytes) return;
      // O_APPEND: the next line goes at the new end. A kill here leaves a journal with fewer lines, all committed.
      ftruncateSync(fd, headerBytes);
      size = headerBytes;
    },
    close({ keep }) {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
      if (!keep) removeJournal(path);
    },
  };
}

function writeFileWhole(path: string, text: string): void {
  const fd = openSync(path, 'w');
  try { writeSync(fd, text); } finally { closeSync(fd); }
}

/**
 * Whether the process that wrote a journal on this host is gone: no such pid (ESRCH), a zombie (killed, not yet
 * reaped by its parent), a pid now held by a process that started at another time (reused), or this process's
 * own pid in a file that is not its own.
 */
function writerGone(pid: number, procStart: string | undefined): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  if (zombie(pid)) return true;
  const now = procStartOf(pid);
  return procStart !== undefined && now !== undefined && now !== procStart;
}

/** Linux: the process has exited and only waits for its parent to read its status. */
function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

/**
 * The journals in `dir` left by processes of this host that are gone, for the database named by `fingerprint`
 * (`own`, this process's journal, excluded). A file of another host or database, or of a live process, is left alone.
 */
export function findLeftJournals(options: { dir: string; fingerprint: string; own?: string }): LeftJournal[] {
  let names: string[];
  try { names = readdirSync(options.dir); } catch { return []; }
  const host = hostPart(osHostname());
  const out: LeftJournal[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m || m[1] !== host) continue;
    const path = join(options.dir, name);
    if (path === options.own) continue;
    let text: string;
    let lastWrite: Date;
    try {
      lastWrite = statSync(path).mtime;
      text = readFileSync(path, 'utf8');
    } catch { continue; } // removed meanwhile by another worker, after it marked the rows
    const end = text.indexOf('\n');
    const head = (end < 0 ? text : text.slice(0, end)).split(' ');
    if (`${head[0]} ${head[1]}` !== MAGIC || head[2] !== tag(options.fingerprint)) continue;
    const pid = Number(m[2]);
    if (!writerGone(pid, head[3] && head[3] !== '-' ? head[3] : undefined)) continue;
    // In order: a row's line, and `-` before it for a line taken back (see SendJournal.retract).
    const byKey = new Map<string, { id: number; claim: string }>();
    for (const line of text.slice(end + 1).split('\n')) {
      const back = line.startsWith('-');
      const sp = line.indexOf(' ');
      const id = Number(line.slice(back ? 1 : 0, sp));
      if (!(sp > (back ? 1 : 0) && Number.isSafeInteger(id) && sp + 1 < line.length)) continue;
      const claim = line.slice(sp + 1);
      const key = `${id} ${claim}`;
      if (back) byKey.delete(key);
      else byKey.set(key, { id, claim });
    }
    const rows = [...byKey.values()];
    out.push({ path, pid, rows, lastWrite });
  }
  return out;
}

/** Deletes a journal whose rows are marked (another worker may have deleted it first). */
export function removeJournal(path: string): void {
  try { unlinkSync(path); } catch { /* already gone */ }
}
