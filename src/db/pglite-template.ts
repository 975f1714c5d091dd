/**
 * In-memory PGlite (the tests' database) started from a template: a tar of a freshly created, empty database,
 * written once per user, PGlite build and settings. Creating one runs initdb in this process (5.2 s CPU, peak
 * ~610 MB); loading the template takes 1.1 s CPU, peak ~360 MB (PGlite 0.5.16, shared_buffers 32 MB).
 * The template lives in a directory only this user can write (`tmpdir()/listwarden-pglite-UID`, mode 0700,
 * checked); anywhere else, or when it cannot be read or loaded, the database is created the usual way.
 * A new data directory starts from the same template when it exists (`open-pglite.ts`), but never writes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';

type PGliteClass = typeof PGlite;

/** A new, empty in-memory database with these start parameters. */
export async function openInMemoryPglite(PGliteClass: PGliteClass, startParams: string[]): Promise<PGlite> {
  const file = templateFile(startParams);
  const template = file ? readTemplate(file) : undefined;
  if (template) {
    try {
      return await PGliteClass.create({ startParams, loadDataDir: new Blob([template]) });
    } catch {
      // An unreadable or foreign template: create the database and write the template again.
    }
  }
  const pg = await PGliteClass.create({ startParams });
  if (file) {
    try {
      await writeDump(pg, file);
    } catch {
      // No template this time; the database itself is fine.
    }
  }
  return pg;
}

/** Writes a dump of `pg` (after a checkpoint) to `file`, whole or not at all (written beside, then renamed). */
export async function writeDump(pg: PGlite, file: string): Promise<void> {
  await pg.exec('checkpoint');
  const tar = Buffer.from(await (await pg.dumpDataDir('none')).arrayBuffer());
  const partial = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, tar, { mode: 0o600 });
  renameSync(partial, file);
}

/** The per-user directory for templates (`tmpdir()/listwarden-pglite-UID`, mode 0700, checked), or undefined. */
export function templateDir(): string | undefined {
  if (typeof process.getuid !== 'function') return undefined;
  try {
    const dir = join(tmpdir(), `listwarden-pglite-${process.getuid()}`);
    mkdirSync(dir, { mode: 0o700, recursive: true });
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === process.getuid() && (stat.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The template's path for this PGlite build and these start parameters, or undefined when no safe place. */
export function templateFile(startParams: string[]): string | undefined {
  const dir = templateDir();
  if (!dir) return undefined;
  try {
    const wasm = statSync(fileURLToPath(import.meta.resolve('@electric-sql/pglite/pglite.wasm')));
    const key = createHash('sha256').update(JSON.stringify([import.meta.resolve('@electric-sql/pglite'), wasm.size, wasm.mtimeMs, startParams])).digest('hex').slice(0, 24);
    return join(dir, `template-${key}.tar`);
  } catch {
    return undefined;
  }
}

function readTemplate(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

