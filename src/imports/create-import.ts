/**
 * Creates an import from a file and its declaration. The declaration is validated and checked against the
 * platform's provenance rules first: a refused source never gets an import, and no row is read.
 */
import { stat } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import { AppError, invalidInput, type Result } from '../errors.js';
import { checkDeclaration } from './check-declaration.js';
import { declarationFingerprint, declarationSchema } from './declaration.js';
import { fileSha256 } from './file-digest.js';
import { ensureList, insertImport } from './imports.repository.js';

export type CreateImportOptions = {
  db: Kysely<Database>;
  workspaceId: string;
  /** Where the file is (kept there until the import is done, for resume). */
  filePath: string;
  fileName: string;
  declaration: unknown;
  actor: Actor;
  now: Date;
};

export async function createImport(options: CreateImportOptions): Promise<Result<{ id: number; listId: string }>> {
  const parsed = declarationSchema.safeParse(options.declaration);
  if (!parsed.success) return { ok: false, error: invalidInput(parsed.error.issues, 'declaration') };
  const declaration = parsed.data;
  const check = checkDeclaration({ declaration, now: options.now });
  if (!check.ok) {
    return {
      ok: false,
      error: new AppError('invalid_input', `import refused: ${check.reason}`, {
        userMessage: `Import refused: ${check.reason}`,
        details: { issues: [{ path: 'declaration.source', message: check.reason }], refusals: check.refusals },
      }),
    };
  }
  let size: number;
  try {
    const s = await stat(options.filePath);
    if (!s.isFile()) throw new Error('not a file');
    size = s.size;
  } catch {
    return { ok: false, error: new AppError('invalid_input', `cannot read ${options.fileName}`, { userMessage: `The file ${options.fileName} cannot be read.` }) };
  }
  const digest = await fileSha256(options.filePath);
  const result = await options.db.transaction().execute(async (trx) => {
    const listId = await ensureList(trx, options.workspaceId, declaration.list);
    const id = await insertImport(trx, {
      workspaceId: options.workspaceId, listId, fileName: options.fileName, filePath: options.filePath, fileSize: size,
      fileSha256: digest, declaration, fingerprint: declarationFingerprint(declaration),
      createdBy: options.actor.id ? `${options.actor.type}:${options.actor.id}` : options.actor.type, now: options.now,
    });
    await recordAudit({
      db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'import.create', target: { type: 'import', id: String(id) },
      details: { file: options.fileName, size, sha256: digest, list: declaration.list, source: declaration.source, consent: declaration.consent, collectedBy: declaration.collectedBy }, at: options.now,
    });
    return { id, listId };
  });
  return { ok: true, value: result };
}
