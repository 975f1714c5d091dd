/**
 * Writes one batch in one transaction: new contacts, the consent event (appended, once per provenance), list
 * memberships, rejected rows, and the checkpoint with the counts. If this runner lost its claim the whole
 * batch rolls back. New contacts go in by COPY (with their events and memberships); if one of them collides
 * with an address taken meanwhile, the batch is rolled back and written again with INSERT … ON CONFLICT, so
 * correctness never depends on the fast path.
 */
import { sql, type Kysely } from 'kysely';
import { databaseKind, type DatabaseKind } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { recordAudit } from '../audit/record-audit.js';
import { AppError } from '../errors.js';
import type { BatchPlan } from './classify-batch.js';
import type { LeaverReason, RowLeaver } from './check-row.js';
import { CopyBinary, fields } from './copy-binary.js';
import type { Declaration } from './declaration.js';
import * as repo from './imports.repository.js';
import type { ImportCounts, ImportSamples } from './imports.table.js';
import type { RowOutcome } from './report.js';
import { writeUuidV7 } from './uuid-v7.js';

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
  const kind = databaseKind(o.db);
  const copy = o.plan.create.length > 0 ? copyData(o, source, consent) : null;
  try {
    await o.db.transaction().execute((trx) => writeInTransaction(trx, o, { kind, source, consent, rejections, copy }));
  } catch (err) {
    if (!copy || (err as { code?: unknown }).code !== '23505') throw err;
    // An address a sign-up or another import took after the batch was planned: COPY cannot skip it, so the whole
    // batch is written again on the INSERT … ON CONFLICT path, which attaches that row to the existing contact.
    await o.db.transaction().execute((trx) => writeInTransaction(trx, o, { kind, source, consent, rejections, copy: null }));
  }
}

// As the bounce and complaint intake records them: a dead address stops all mail to it, a complaint all marketing.
const SUPPRESSION: Record<LeaverReason, { channel: string; scope: 'marketing' | 'all_mail' }> = {
  unsubscribe: { channel: 'email', scope: 'marketing' },
  hard_bounce: { channel: 'email', scope: 'all_mail' },
  complaint: { channel: 'all', scope: 'marketing' },
};

/** One suppression per address and reason (the first line that says so), as the repository records them. */
function leaverRows(leavers: readonly RowLeaver[]): repo.LeaverRow[] {
  const rows = new Map<string, repo.LeaverRow>();
  for (const l of leavers) {
    const key = `${l.email.toLowerCase()} ${l.left}`;
    if (!rows.has(key)) rows.set(key, { email: l.email, country: l.country, kind: l.kind, line: l.line, reason: l.left, ...SUPPRESSION[l.left] });
  }
  return [...rows.values()];
}

/** Binary COPY data per table, in pieces of about 64 KB. */
type CopyData = { contacts: Buffer[]; events: Buffer[]; members: Buffer[] };

/**
 * The new contacts of a batch, their consent events and memberships as binary COPY data, with time-ordered ids
 * made here (so the three tables' indexes grow at their right edge). Each event's evidence names its line.
 * The columns every row of the batch shares are encoded once.
 */
function copyData(o: WriteBatchOptions, source: repo.ContactSource, consent: repo.ConsentRow): CopyData {
  const ws = fields((w) => w.uuidText(o.workspaceId));
  const sourceFields = fields((w) => w.text(source.type).timestamptz(source.at.getTime()).text(source.collectedBy).jsonb(source.evidence).jsonb(source.details));
  const eventMiddle = fields((w) => w.text('email').text(consent.method).timestamptz(consent.at.getTime()).timestamptz(consent.confirmedAt?.getTime() ?? null));
  const evidenceStart = Buffer.from(`${consent.evidence.slice(0, -1)},"importLine":`);
  const eventEnd = fields((w) => w.jsonb(consent.categories).text(consent.recordedBy));
  const memberStart = fields((w) => w.uuidText(o.workspaceId).uuidText(o.listId));
  const memberEnd = fields((w) => w.timestamptz(o.now.getTime()));
  const now = o.now.getTime();
  const id = new Uint8Array(16);
  const eventId = new Uint8Array(16);
  const contacts = new CopyBinary();
  const events = new CopyBinary();
  const members = new CopyBinary();
  for (const r of o.plan.create) {
    writeUuidV7(now, id);
    writeUuidV7(now, eventId);
    contacts.row(13).uuid(id).raw(ws).text(r.email).text(r.phone).text(r.country).text(r.kind).text(r.birthDate).jsonb(JSON.stringify(r.custom)).raw(sourceFields);
    // the declaration's evidence with this row's line: {…,"importLine":N}
    events.row(10).uuid(eventId).raw(ws).uuid(id).raw(eventMiddle).jsonbJoined(evidenceStart, `${r.line}}`).raw(eventEnd);
    members.row(4).raw(memberStart).uuid(id).raw(memberEnd);
  }
  return { contacts: contacts.finish(), events: events.finish(), members: members.finish() };
}

async function writeInTransaction(trx: Kysely<Database>, o: WriteBatchOptions, w: {
  kind: DatabaseKind; source: repo.ContactSource; consent: repo.ConsentRow; rejections: repo.RejectionRow[]; copy: CopyData | null;
}): Promise<void> {
  // A commit lost to a server crash is redone by resume (the checkpoint is in the same transaction).
  if (w.kind === 'postgres') await sql`set local synchronous_commit = off`.execute(trx);
  const attach = o.plan.attach.map((a) => ({ contactId: a.contactId, line: a.row.line }));
  if (w.copy) {
    await repo.copyRows(trx, w.kind, 'contacts', w.copy.contacts);
    await repo.copyRows(trx, w.kind, 'consent_events', w.copy.events);
    await repo.copyRows(trx, w.kind, 'list_memberships', w.copy.members);
    await repo.insertConsentEvents(trx, o.workspaceId, w.consent, attach);
    await repo.insertMemberships(trx, o.workspaceId, o.listId, attach.map((a) => a.contactId), o.now);
  } else {
    const rows = o.plan.create.map((r) => ({
      email: r.email, country: r.country, kind: r.kind, phone: r.phone, birthDate: r.birthDate, custom: JSON.stringify(r.custom), line: r.line,
    }));
    const missing = await repo.insertBatchEvidence(trx, { workspaceId: o.workspaceId, listId: o.listId, source: w.source, consent: w.consent, rows, attach, at: o.now });
    // An address another import or a sign-up took meanwhile (uniqueness ignores case): attach to that contact.
    const ids = await repo.findContactIds(trx, o.workspaceId, missing);
    const lines = new Map(o.plan.create.map((r) => [r.email.toLowerCase(), r.line]));
    const raced = [...ids].map(([email, contactId]) => ({ contactId, line: lines.get(email) ?? 0 }));
    await repo.insertConsentEvents(trx, o.workspaceId, w.consent, raced);
    await repo.insertMemberships(trx, o.workspaceId, o.listId, raced.map((r) => r.contactId), o.now);
  }
  await repo.insertRejections(trx, o.importId, w.rejections);
  // The previous batch updates the same imports row: take its lock only once that batch has committed, or
  // the two would wait on each other (the database cannot see a wait that happens in this process).
  await o.commitAfter;
  // The people the file marks as gone, after this batch's new contacts (a later line saying one of them left
  // finds its contact) and once the previous batch committed: a leaver may repeat one of its addresses, and
  // writing it while that batch still inserts it would be the same wait the database cannot see.
  const suppressed = await repo.recordLeavers(trx, { workspaceId: o.workspaceId, importId: o.importId, source: w.source, rows: leaverRows(o.plan.leavers), at: o.now });
  const held = await repo.saveProgress(trx, {
    id: o.importId, runner: o.runner, checkpointLine: o.checkpointLine, bytesDone: o.bytesDone,
    counts: o.counts, samples: o.samples, now: o.now, leaseMs: o.leaseMs,
  });
  if (!held) throw new AppError('conflict', `import ${o.importId} was taken over by another runner; this batch is rolled back`);
  // Suppressions made are audited, as the bounce intake's and staff's are: one entry per batch that made some,
  // naming the import (its rows say which line made each). Last, because the audit chain's lock is held until commit.
  const count = Object.values(suppressed).reduce((a, b) => a + b, 0);
  if (count > 0) {
    await recordAudit({
      db: trx, workspaceId: o.workspaceId, actor: { type: 'system', id: 'import' }, action: 'suppression.add', target: { type: 'import', id: String(o.importId) },
      details: { count, byReason: suppressed, source: `import:${o.importId}`, throughLine: o.checkpointLine }, at: o.now,
    });
  }
}
