/**
 * Writes one batch in one transaction: new contacts, the consent event (appended, once per provenance), list
 * memberships, rejected rows, and the checkpoint with the counts. If this runner lost its claim the whole
 * batch rolls back.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { BatchPlan } from './classify-batch.js';
import type { Declaration } from './declaration.js';
import * as repo from './imports.repository.js';
import type { ImportCounts, ImportSamples } from './imports.table.js';
import type { RowOutcome } from './report.js';

export type WriteBatchOptions = {
  db: Kysely<Database>;
  importId: number;
  runner: string;
  workspaceId: string;
  listId: string;
  declaration: Declaration;
  fingerprint: string;
  plan: BatchPlan;
  outcomes: readonly RowOutcome[];
  /** Raw text of rejected lines, by line number. */
  raws: ReadonlyMap<number, string>;
  checkpointLine: number;
  bytesDone: number;
  counts: ImportCounts;
  samples: ImportSamples;
  now: Date;
  leaseMs: number;
  /** Commit only once this (the previous batch's write) has committed; fail if it failed. */
  commitAfter?: Promise<void>;
};

export async function writeBatch(o: WriteBatchOptions): Promise<void> {
  const d = o.declaration;
  const collectedAt = new Date(d.collectedAt);
  const source: repo.ContactSource = {
    type: d.source, at: collectedAt, collectedBy: d.collectedBy, evidence: JSON.stringify(d.evidence),
    details: JSON.stringify({
      ...(d.sponsors ? { sponsors: d.sponsors } : {}), ...(d.clientAttested !== undefined ? { clientAttested: d.clientAttested } : {}),
      importId: o.importId, ...(d.collectedFrom ? { collectedFrom: d.collectedFrom } : {}), ...(d.description ? { description: d.description } : {}),
    }),
  };
  const consent: repo.ConsentRow = {
    method: d.consent, at: collectedAt, confirmedAt: d.consent === 'double_opt_in' ? collectedAt : null,
    evidence: JSON.stringify({ importFingerprint: o.fingerprint, importId: o.importId, documents: d.evidence, declaredBy: 'import' }),
    categories: JSON.stringify(d.categories), recordedBy: `import:${o.importId}`,
  };
  const rejections: repo.RejectionRow[] = [];
  for (const out of o.outcomes) {
    if (out.outcome === 'invalid' || out.outcome === 'duplicate' || out.outcome === 'suppressed') {
      rejections.push({ line: out.line, outcome: out.outcome, reason: out.reason, email: out.email, raw: o.raws.get(out.line) ?? null });
    }
  }
  await o.db.transaction().execute(async (trx) => {
    const rows = o.plan.create.map((r) => ({
      email: r.email, country: r.country, kind: r.kind, phone: r.phone, birthDate: r.birthDate, custom: JSON.stringify(r.custom), line: r.line,
    }));
    const attach = o.plan.attach.map((a) => ({ contactId: a.contactId, line: a.row.line }));
    const missing = await repo.insertBatchEvidence(trx, { workspaceId: o.workspaceId, listId: o.listId, source, consent, rows, attach, at: o.now });
    // An address another import or a sign-up took meanwhile (uniqueness ignores case): attach to that contact.
    const ids = await repo.findContactIds(trx, o.workspaceId, missing);
    const lines = new Map(o.plan.create.map((r) => [r.email.toLowerCase(), r.line]));
    const raced = [...ids].map(([email, contactId]) => ({ contactId, line: lines.get(email) ?? 0 }));
    await repo.insertConsentEvents(trx, o.workspaceId, consent, raced);
    await repo.insertMemberships(trx, o.workspaceId, o.listId, raced.map((r) => r.contactId), o.now);
    await repo.insertRejections(trx, o.importId, rejections);
    // The previous batch updates the same imports row: take its lock only once that batch has committed, or
    // the two would wait on each other (the database cannot see a wait that happens in this process).
    await o.commitAfter;
    const held = await repo.saveProgress(trx, {
      id: o.importId, runner: o.runner, checkpointLine: o.checkpointLine, bytesDone: o.bytesDone,
      counts: o.counts, samples: o.samples, now: o.now, leaseMs: o.leaseMs,
    });
    if (!held) throw new AppError('conflict', `import ${o.importId} was taken over by another runner; this batch is rolled back`);
  });
}
