/**
 * The durable job that runs an uploaded import. It carries only the import id; a crashed worker's job is
 * claimed again later and the import resumes from its checkpoint. An uploaded file is deleted once its import
 * is done (the CLI's files belong to the user and are never touched).
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { registerJob } from '../jobs/jobs.js';
import { findImport } from './imports.repository.js';
import { runImport } from './run-import.js';

export const IMPORT_JOB = 'imports.run';
/** Uploaded files live under this folder of the data directory. */
export const UPLOAD_FOLDER = 'imports';

registerJob<{ importId: number; uploaded?: boolean }>(IMPORT_JOB, async (payload, ctx) => {
  const runner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const result = await runImport({ db: ctx.db, importId: payload.importId, runner, now: ctx.now });
  ctx.log.info({ import: payload.importId, status: result.status }, 'import finished');
  if (result.status === 'done' && payload.uploaded) {
    const row = await findImport(ctx.db, null, payload.importId);
    if (row) await rm(row.file_path, { force: true });
  }
}, { maxAttempts: 10, backoffMs: 10_000 });
