/**
 * One process at a time on an embedded (PGlite) data directory: two PGlite instances writing the same files
 * corrupt them, and a write made by one is never seen by the other. The lock is the file `DATA_DIR/pglite.lock`
 * naming its holder (pid, host, command, start time); a holder that died (kill -9, power cut) leaves it behind
 * and the next process takes it over. PostgreSQL (DATABASE_URL) needs none of this.
 *
 * Every file is made whole under a unique name and hard-linked into place (`link` fails when the name exists),
 * so a lock is never seen empty or half-written and exactly one of several creators gets it. Taking over a
 * stale lock is "remove it if it is still the one judged stale, then create": the removal is done only by the
 * holder of a claim named after that lock's identity, itself taken the same way, so two processes that judge the
 * same lock stale cannot both remove it, and neither can remove a fresh lock made meanwhile.
 *
 * A holder on another host (a directory on a shared volume, or a container recreated under a new host name
 * after a kill) cannot be asked whether it lives: every holder touches its lock every `heartbeatMs`, and
 * another host's lock untouched for `otherHostStaleMs` is stale.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';

export const lockFileName = 'pglite.lock';
/** How often a holder touches its lock, and how long another host's untouched lock is kept. */
export const heartbeatMs = 10_000;
export const otherHostStaleMs = 120_000;

/** What the lock file holds. `nonce` tells this process's own locks from a former process with the same pid. */
export type LockHolder = { pid: number; hostname: string; command: string; startedAt: string; nonce: string; procStart?: string };

export type DataDirLock = { readonly path: string; readonly holder: LockHolder; release(): void };

// Nonces of this process's locks and claims, held or being taken: a file naming our pid but none of these was
// left by an earlier process that had the same pid (a container restarted).
const ownNonces = new Set<string>();
const held = new Set<DataDirLock>();

/**
 * Takes the lock on `dataDir` or throws a `conflict` AppError naming the live holder. Released by `release()`
 * and, at the latest, when the process exits.
 */
export async function lockDataDir(dataDir: string, options: {
  command?: string;
  now?: Date;
  /** For tests: runs between judging a lock stale and acting on it, to hold the race window open. */
  beforeTakeover?: () => Promise<void>;
} = {}): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, lockFileName);
  const holder: LockHolder = {
    pid: process.pid, hostname: hostname(), command: options.command ?? commandSummary(process.argv),
    startedAt: (options.now ?? new Date()).toISOString(), nonce: randomBytes(8).toString('hex'), procStart: procStartOf(process.pid),
  };
  const temp = `${path}.${holder.nonce}.tmp`;
  writeFileSync(temp, JSON.stringify(holder) + '\n', { flag: 'wx' });
  ownNonces.add(holder.nonce);
  try {
    const other = await take(path, temp, 0, options.beforeTakeover);
    if (other) throw inUse(dataDir, path, other);
  } catch (err) {
    ownNonces.delete(holder.nonce);
    throw err;
  } finally {
    unlinkSync(temp);
  }
  if (held.size === 0) process.once('exit', releaseAll);
  // The heartbeat: only while the file is still ours (never refresh a lock someone else holds).
  const beat = setInterval(() => {
    try {
      if (readIdentity(path)?.holder?.nonce === holder.nonce) utimesSync(path, new Date(), new Date());
    } catch { /* gone: nothing to refresh */ }
  }, heartbeatMs);
  beat.unref();
  const lock: DataDirLock = {
    path, holder,
    release() {
      if (!held.delete(lock)) return;
      clearInterval(beat);
      try {
        if (readIdentity(path)?.holder?.nonce === holder.nonce) unlinkSync(path);
      } catch { /* already gone */ }
      ownNonces.delete(holder.nonce);
      if (held.size === 0) process.removeListener('exit', releaseAll);
    },
  };
  held.add(lock);
  return lock;
}

function releaseAll(): void {
  for (const lock of [...held]) lock.release();
}

const maxClaimDepth = 3;

/**
 * Links `temp` (our holder record) to `path`, taking over a stale file there. Returns undefined once we hold
 * `path`, or the live holder that keeps it.
 */
async function take(path: string, temp: string, depth: number, beforeTakeover?: () => Promise<void>): Promise<LockHolder | undefined> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      linkSync(temp, path);
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const seen = readIdentity(path);
    if (!seen) continue; // removed meanwhile: try again
    if (seen.holder && isAlive(seen.holder, seen.mtimeMs)) return seen.holder;
    if (depth >= maxClaimDepth) break;
    await beforeTakeover?.();
    // Stale (dead holder, or not a lock we can read). Only the holder of the claim named after this very file
    // may remove it; the claim is released as soon as it is removed, and the next round competes to link.
    const claim = `${path}.takeover-${createHash('sha256').update(seen.id).digest('hex').slice(0, 16)}`;
    const claimer = await take(claim, temp, depth + 1);
    if (claimer) {
      await sleep(5 + Math.random() * 20); // another process is taking it over right now
      continue;
    }
    try {
      if (readIdentity(path)?.id === seen.id) removeIfPresent(path);
    } finally {
      removeIfPresent(claim);
    }
  }
  throw new AppError('unavailable', `could not take the lock ${path}: it kept changing, or stale take-over claims (${basename(path)}.takeover-*) were left by processes that died; remove those files if no Listwarden process is running`);
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** The file's identity (inode and exact content, read through one descriptor), its holder if it parses, and when it was last touched. */
function readIdentity(path: string): { id: string; holder?: LockHolder; mtimeMs?: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EACCES' || code === 'EPERM') return { id: 'unreadable' };
    throw err;
  }
  try {
    const { ino, mtimeMs } = fstatSync(fd);
    const text = readFileSync(fd, 'utf8');
    return { id: `${ino}:${text}`, holder: parseHolder(text), mtimeMs };
  } finally {
    closeSync(fd);
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    const ok = Number.isInteger(h.pid) && h.pid! > 0 && typeof h.hostname === 'string' && typeof h.nonce === 'string';
    return ok ? { command: '', startedAt: '', ...h } as LockHolder : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Alive: on this host, the process still runs (and is the same process); on another host, where we cannot ask,
 * its heartbeat touched the lock within `otherHostStaleMs` (`touchedMs`: the file's mtime; unknown counts as fresh).
 */
function isAlive(h: LockHolder, touchedMs?: number): boolean {
  if (h.hostname !== hostname()) return touchedMs === undefined || Date.now() - touchedMs < otherHostStaleMs;
  if (h.pid === process.pid) return ownNonces.has(h.nonce);
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false; // EPERM: alive, someone else's
  }
  // The pid may have been reused by an unrelated process since: Linux tells when a process started.
  const now = procStartOf(h.pid);
  return now === undefined || h.procStart === undefined || now === h.procStart;
}

/** Start time of a process in clock ticks since boot (Linux), to tell a reused pid from the holder. */
export function procStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** `listwarden serve`, `listwarden admin create-token`: the sub-command words only, never option values. */
export function commandSummary(argv: readonly string[]): string {
  const rest = argv.slice(1);
  const script = rest[0] && /[\\/]|\.[cm]?[jt]s$/.test(rest[0]) ? rest.shift()! : undefined;
  const words: string[] = [];
  for (const arg of rest) {
    if (words.length === 2 || !/^[a-z][a-z-]*$/.test(arg)) break;
    words.push(arg);
  }
  const program = !script || basename(script) === 'listwarden' ? 'listwarden' : `node ${basename(script)}`;
  return [program, ...words].join(' ');
}

function inUse(dataDir: string, path: string, h: LockHolder): AppError {
  const who = `pid ${h.pid}${h.hostname !== hostname() ? ` on host ${h.hostname}` : ''}, \`${h.command || 'unknown command'}\`${h.startedAt ? `, since ${h.startedAt}` : ''}`;
  const elsewhere = h.hostname !== hostname() ? ` If no Listwarden process runs on ${h.hostname} any more, its lock expires ${otherHostStaleMs / 1000} s after its last heartbeat (or delete ${path}).` : '';
  const message = `The data directory ${dataDir} is in use by another Listwarden process (${who}). Stop it first, or run the command through that server's API.${elsewhere} Several processes can share a PostgreSQL database (DATABASE_URL).`;
  return new AppError('conflict', message, { userMessage: message, details: { holder: h } });
}
