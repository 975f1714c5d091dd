/**
 * `/api/v1/imports`: upload a file with its declaration (multipart), read an import's progress and report,
 * and download its rejected rows as CSV. The upload returns at once; a job does the work.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { enqueueJob } from '../jobs/jobs.js';
import type { AppDeps } from '../server/app.js';
import { defineRoute } from '../server/route.js';
import { createImport } from './create-import.js';
import { exportRejectedRows, getImport, importToJson } from './get-import.js';
import { IMPORT_JOB, UPLOAD_FOLDER } from './import-job.js';
import { listImports } from './imports.repository.js';

const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
const LIST_FIELDS = new Set(['evidence', 'categories']);
const idParams = z.object({ id: z.coerce.number().int().positive() });

/** The declaration from form fields: either one `declaration` field holding JSON, or one field per key. */
function declarationFrom(fields: Map<string, string[]>): unknown {
  const json = fields.get('declaration')?.[0];
  if (json !== undefined) {
    try {
      return JSON.parse(json);
    } catch {
      throw new AppError('invalid_input', 'the declaration field is not JSON', { details: { issues: [{ path: 'declaration', message: 'must be JSON' }] } });
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, values] of fields) {
    const name = key === 'country' ? 'defaultCountry' : key.replace(/\[\]$/, '');
    out[name] = LIST_FIELDS.has(name) ? values : values[0];
  }
  return out;
}

export default async function importsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 50, fieldSize: 64 * 1024 } });
  const tags = ['imports'];

  defineRoute(app, {
    method: 'POST', url: '/imports', role: 'editor', tags, status: 202,
    summary: 'Upload a CSV/TSV/XLSX file (multipart part "file") with its provenance declaration (fields, or a JSON "declaration" field)',
  }, async ({ auth, request }) => {
    if (!request.isMultipart()) throw new AppError('invalid_input', 'send multipart/form-data with a "file" part', { userMessage: 'Send the file as multipart/form-data.' });
    const dir = join(deps.config.dataDir, UPLOAD_FOLDER);
    await mkdir(dir, { recursive: true });
    const fields = new Map<string, string[]>();
    let saved: { path: string; name: string } | null = null;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          const name = (part.filename || 'upload').replace(/[^\w.-]+/g, '_').slice(-100);
          const path = join(dir, `${randomBytes(12).toString('hex')}-${name}`);
          saved = { path, name: part.filename || name };
          await pipeline(part.file, createWriteStream(path));
          if (part.file.truncated) throw new AppError('invalid_input', 'file too large', { userMessage: `The file is larger than ${MAX_UPLOAD_BYTES / 1024 ** 3} GB.` });
        } else {
          fields.set(part.fieldname, [...(fields.get(part.fieldname) ?? []), String(part.value)]);
        }
      }
      if (!saved) throw new AppError('invalid_input', 'no file part', { details: { issues: [{ path: 'file', message: 'required' }] } });
      const created = await createImport({
        db: deps.db, workspaceId: auth.workspaceId, filePath: saved.path, fileName: saved.name,
        declaration: declarationFrom(fields), actor: auth.actor, now: deps.now(),
      });
      if (!created.ok) throw created.error;
      await enqueueJob(deps.db, IMPORT_JOB, { importId: created.value.id, uploaded: true });
      return getImport({ db: deps.db, workspaceId: auth.workspaceId, id: created.value.id, now: deps.now() });
    } catch (err) {
      if (saved) await rm(saved.path, { force: true });
      throw err;
    }
  });

  defineRoute(app, { method: 'GET', url: '/imports', summary: 'The latest imports of the workspace', tags, role: 'viewer',
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
  async ({ auth, query }) => ({ items: (await listImports(deps.db, auth.workspaceId, query.limit)).map((r) => importToJson(r, deps.now())) }));

  defineRoute(app, { method: 'GET', url: '/imports/:id', summary: 'An import: status and progress while it runs, the report when done', tags, role: 'viewer', params: idParams },
    async ({ auth, params }) => getImport({ db: deps.db, workspaceId: auth.workspaceId, id: params.id, now: deps.now() }));

  defineRoute(app, { method: 'GET', url: '/imports/:id/rejected.csv', summary: 'The rejected rows as CSV: line, outcome, reason, email, raw', tags, role: 'viewer', params: idParams },
    async ({ auth, params, reply }) => {
      const chunks: string[] = [];
      await exportRejectedRows({ db: deps.db, workspaceId: auth.workspaceId, id: params.id, write: (c) => { chunks.push(c); } });
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="import-${params.id}-rejected.csv"`);
      return reply.send(chunks.join(''));
    });
}
