/**
 * All SQL of imports. Batches are written set-based: each statement takes the whole batch as arrays and
 * `unnest`s them, so a batch of 5,000 rows is a handful of round trips on PostgreSQL and PGlite alike.
 */
import { sql, type Kysely } from 'kysely';
import { copyBinaryRows } from '../db/copy-rows.js';
import type { DatabaseKind } from '../db/database.js';
import type { Database, SuppressionReason } from '../db/schema.js';
import type { DeclarationInput } from './declaration.js';
import './imports.table.js';
import type { ImportCounts, ImportSamples, RejectionOutcome } from './imports.table.js';

type Db = Kysely<Database>;

/** The list named, created on first use (lists are per workspace, unique by name). */
export async function ensureList(db: Db, workspaceId: string, name: string): Promise<string> {
  await db.insertInto('lists').values({ workspace_id: workspaceId, name }).onConflict((oc) => oc.columns(['workspace_id', 'name']).doNothing()).execute();
  const row = await db.selectFrom('lists').select('id').where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirstOrThrow();
  return row.id;
}

export async function insertImport(db: Db, row: {
  workspaceId: string; listId: string; fileName: string; filePath: string; fileSize: number; fileSha256: string;
  declaration: DeclarationInput; fingerprint: string; createdBy: string | null; now: Date;
}): Promise<number> {
  const inserted = await db.insertInto('imports').values({
    workspace_id: row.workspaceId, list_id: row.listId, file_name: row.fileName, file_path: row.filePath,
    file_size: row.fileSize, file_sha256: row.fileSha256, declaration: JSON.stringify(row.declaration),
    fingerprint: row.fingerprint, created_by: row.createdBy, created_at: row.now, updated_at: row.now,
  }).returning('id').executeTakeFirstOrThrow();
  return Number(inserted.id);
}

/** One import, only within its workspace (another tenant's id reads as missing). */
export async function findImport(db: Db, workspaceId: string | null, id: number) {
  let q = db.selectFrom('imports').selectAll().where('id', '=', id);
  if (workspaceId !== null) q = q.where('workspace_id', '=', workspaceId);
  return q.executeTakeFirst();
}

export async function listImports(db: Db, workspaceId: string, limit: number) {
  return db.selectFrom('imports').selectAll().where('workspace_id', '=', workspaceId).orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Claims an import for one runner (compare-and-set): a pending or failed import, a running one whose claim
 * expired, or one whose runner is known dead (`takeOver`). Returns false when someone else holds it.
 */
export async function claimImport(db: Db, options: { id: number; runner: string; now: Date; leaseMs: number; takeOverFrom?: string }): Promise<boolean> {
  const until = new Date(options.now.getTime() + options.leaseMs);
  const result = await db.updateTable('imports')
    .set({ status: 'running', locked_by: options.runner, locked_until: until, updated_at: options.now, error: null })
    .where('id', '=', options.id)
    .where((eb) => eb.or([
      eb('status', 'in', ['pending', 'failed']),
      eb.and([eb('status', '=', 'running'), eb('locked_until', '<', options.now)]),
      ...(options.takeOverFrom ? [eb.and([eb('status', '=', 'running'), eb('locked_by', '=', options.takeOverFrom)])] : []),
    ]))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await db.updateTable('imports').set({ started_at: options.now }).where('id', '=', options.id).where('started_at', 'is', null).execute();
  return true;
}

export async function setImportFormat(db: Db, id: number, format: Record<string, unknown>): Promise<void> {
  await db.updateTable('imports').set({ format: JSON.stringify(format) }).where('id', '=', id).execute();
}

/** `evidence`: where the consent event of this provenance came from, when the contact already has one. */
export type ExistingContact = {
  id: string; email: string; evidence: { importId: number; line: number | null } | null; member: boolean; suppressed: boolean; hardBounced: boolean;
};

/** The batch's addresses that are already contacts of the workspace, with what the import needs to know. */
export async function findExistingContacts(db: Db, options: { workspaceId: string; listId: string; fingerprint: string; emails: string[] }): Promise<ExistingContact[]> {
  if (options.emails.length === 0) return [];
  // Planned for a batch of 5,000 addresses (each with its four probes) the statement costs far above
  // jit_above_cost, and PostgreSQL compiled it with LLVM on every batch: ~5% of an import's backend CPU (perf,
  // 200k rows) for a plan of index probes that JIT does not speed up. It runs without JIT, in its own transaction.
  const rows = await db.transaction().execute(async (trx) => {
    await sql`select set_config('jit', 'off', true)`.execute(trx);
    return existingContactRows(trx, options);
  });
  return rows.rows.map((r) => ({
    id: r.id, email: r.email, member: r.member, suppressed: r.suppressed, hardBounced: r.hard_bounced,
    evidence: r.evidence ? { importId: Number(r.evidence.importId), line: r.evidence.importLine ?? null } : null,
  }));
}

function existingContactRows(db: Db, options: { workspaceId: string; listId: string; fingerprint: string; emails: string[] }) {
  return sql<{ id: string; email: string; evidence: { importId: number; importLine?: number } | null; member: boolean; suppressed: boolean; hard_bounced: boolean }>`
    select c.id, c.email,
      (select e.evidence from consent_events e where e.contact_id = c.id and e.evidence ? 'importFingerprint'
              and e.evidence->>'importFingerprint' = ${options.fingerprint} limit 1) as evidence,
      exists (select 1 from list_memberships m where m.list_id = ${options.listId} and m.contact_id = c.id) as member,
      exists (select 1 from suppressions s where s.contact_id = c.id and s.lifted_at is null
                    and s.channel in ('all', 'email')) as suppressed,
      exists (select 1 from bounces b where b.contact_id = c.id and b.type = 'hard') as hard_bounced
    from unnest(${options.emails.map((e) => e.toLowerCase())}::text[]) as e(email),
      -- one probe of (workspace_id, lower(email)) per address: the import grows the table faster than autovacuum
      -- analyses it, and with stale statistics a plain '= any()' read the whole workspace (400 ms a batch at 200k)
      lateral (select * from contacts c where c.workspace_id = ${options.workspaceId} and lower(c.email) = e.email limit 1) c`.execute(db);
}

export async function workspaceHasTombstones(db: Db, workspaceId: string): Promise<boolean> {
  const row = await db.selectFrom('tombstones').select('id').where('workspace_id', '=', workspaceId).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Which of these keyed hashes are tombstones of erased (or otherwise closed) addresses. */
/** Each tombstoned hash with all its reasons (an erased address that had unsubscribed has two), oldest first. */
export async function findTombstones(db: Db, workspaceId: string, hmacs: string[]): Promise<Map<string, string[]>> {
  if (hmacs.length === 0) return new Map();
  const rows = await db.selectFrom('tombstones').select(['hmac', 'reason'])
    .where('workspace_id', '=', workspaceId).where('hmac', 'in', hmacs).orderBy('at').orderBy('id').execute();
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.hmac, [...(out.get(r.hmac) ?? []), r.reason]);
  return out;
}

export type NewContactRow = { email: string; country: string; kind: string; phone: string | null; birthDate: string | null; custom: string; line: number };
export type ContactSource = { type: string; at: Date; collectedBy: string; evidence: string; details: string };
export type ConsentRow = { method: string; at: Date; confirmedAt: Date | null; evidence: string; categories: string; recordedBy: string };
export type RejectionRow = { line: number; outcome: RejectionOutcome; reason: string; email: string | null; raw: string | null };

/**
 * The whole evidence of a batch in one statement: new contacts, then for them and for the existing contacts
 * `attach`, the consent event (once per provenance) and the list membership. Contact ids never travel back to
 * the client. Returns the addresses that were not inserted because a contact took them meanwhile.
 */
export async function insertBatchEvidence(db: Db, o: {
  workspaceId: string; listId: string; source: ContactSource; consent: ConsentRow; rows: NewContactRow[];
  attach: { contactId: string; line: number }[]; at: Date;
}): Promise<string[]> {
  const r = o.rows;
  const result = await sql<{ email: string }>`
    with input as (
      select * from unnest(${r.map((x) => x.email)}::text[], ${r.map((x) => x.phone)}::text[], ${r.map((x) => x.country)}::text[],
                           ${r.map((x) => x.kind)}::text[], ${r.map((x) => x.birthDate)}::text[], ${r.map((x) => x.custom)}::text[],
                           ${r.map((x) => x.line)}::int[])
        as t(email, phone, country, kind, birth_date, custom, line)
    ), created as (
      insert into contacts (workspace_id, email, phone, country, kind, birth_date, custom_fields,
                            source_type, source_at, collected_by, source_evidence, source_details)
      select ${o.workspaceId}, t.email, t.phone, t.country, t.kind, t.birth_date, t.custom::jsonb,
             ${o.source.type}, ${o.source.at}, ${o.source.collectedBy}, ${o.source.evidence}::jsonb, ${o.source.details}::jsonb
      from input t
      on conflict (workspace_id, lower(email)) where email is not null do nothing
      returning id, email
    ), ids as (
      select c.id, t.line from created c join input t on t.email = c.email
      union all select * from unnest(${o.attach.map((a) => a.contactId)}::uuid[], ${o.attach.map((a) => a.line)}::int[])
    ), events as (
      -- the evidence names the import and the line each address came from
      insert into consent_events (workspace_id, contact_id, channel, method, at, confirmed_at, evidence, categories, recorded_by)
      select ${o.workspaceId}, ids.id, 'email', ${o.consent.method}, ${o.consent.at}, ${o.consent.confirmedAt},
             ${o.consent.evidence}::jsonb || jsonb_build_object('importLine', ids.line), ${o.consent.categories}::jsonb, ${o.consent.recordedBy}
      from ids
      on conflict (contact_id, (evidence->>'importFingerprint')) where evidence ? 'importFingerprint' do nothing
    ), members as (
      insert into list_memberships (workspace_id, list_id, contact_id, added_at)
      select ${o.workspaceId}, ${o.listId}, ids.id, ${o.at} from ids
      on conflict do nothing
    )
    select t.email from input t where not exists (select 1 from created c where c.email = t.email)`.execute(db);
  return result.rows.map((x) => x.email);
}

/** The columns an import's COPY fills; the rest take their defaults (created_at and updated_at: now()). */
export const COPY_COLUMNS = {
  contacts: ['id', 'workspace_id', 'email', 'phone', 'country', 'kind', 'birth_date', 'custom_fields',
    'source_type', 'source_at', 'collected_by', 'source_evidence', 'source_details'],
  consent_events: ['id', 'workspace_id', 'contact_id', 'channel', 'method', 'at', 'confirmed_at', 'evidence', 'categories', 'recorded_by'],
  list_memberships: ['workspace_id', 'list_id', 'contact_id', 'added_at'],
} as const;

/**
 * Loads binary COPY data (see copy-binary.ts) into one of the import's tables, inside the caller's transaction
 * (`db/copy-rows.ts`). A row that breaks a constraint fails the whole statement (and so the batch's transaction):
 * COPY has no ON CONFLICT. `kind`: the engine, read from the database handle (a transaction's handle does not tell).
 */
export async function copyRows(db: Db, kind: DatabaseKind, table: keyof typeof COPY_COLUMNS, pieces: readonly Uint8Array[]): Promise<void> {
  await copyBinaryRows(db, kind, table, COPY_COLUMNS[table], pieces);
}

/** A row its file marks as gone, as it is recorded: the suppression, and the contact's values if it is new. */
export type LeaverRow = { email: string; country: string; kind: string; line: number; reason: SuppressionReason; channel: string; scope: 'marketing' | 'all_mail' };

/**
 * Records the people a file marks as gone (returns the suppressions recorded, by reason): a contact for each new address (the address, country and kind only:
 * no consent event, no list membership, no other field), then a suppression on each, unless one of the same
 * reason is already in force, with the import and line as its source. Two statements: the second must see the
 * contacts another batch committed while the first waited on them. `rows` holds one row per address and reason.
 */
export async function recordLeavers(db: Db, o: { workspaceId: string; importId: number; source: ContactSource; rows: LeaverRow[]; at: Date }): Promise<Record<string, number>> {
  const r = o.rows;
  if (r.length === 0) return {};
  const firsts = [...new Map(r.map((x) => [x.email.toLowerCase(), x])).values()];
  await sql`
    insert into contacts (workspace_id, email, country, kind, source_type, source_at, collected_by, source_evidence, source_details)
    select ${o.workspaceId}, t.email, t.country, t.kind, ${o.source.type}, ${o.source.at}, ${o.source.collectedBy}, ${o.source.evidence}::jsonb,
           ${o.source.details}::jsonb || jsonb_build_object('importLine', t.line)
    from unnest(${firsts.map((x) => x.email)}::text[], ${firsts.map((x) => x.country)}::text[], ${firsts.map((x) => x.kind)}::text[],
                ${firsts.map((x) => x.line)}::int[]) as t(email, country, kind, line)
    on conflict (workspace_id, lower(email)) where email is not null do nothing`.execute(db);
  const made = await sql<{ reason: string }>`
    insert into suppressions (workspace_id, contact_id, reason, channel, scope, at, source, created_by)
    select ${o.workspaceId}, c.id, t.reason, t.channel, t.scope, ${o.at}, ${`import:${o.importId}:line:`} || t.line, ${`import:${o.importId}`}
    from unnest(${r.map((x) => x.email.toLowerCase())}::text[], ${r.map((x) => x.reason)}::text[], ${r.map((x) => x.channel)}::text[],
                ${r.map((x) => x.scope)}::text[], ${r.map((x) => x.line)}::int[]) as t(email, reason, channel, scope, line),
      lateral (select id from contacts c where c.workspace_id = ${o.workspaceId} and lower(c.email) = t.email limit 1) c
    where not exists (select 1 from suppressions s where s.contact_id = c.id and s.reason = t.reason and s.lifted_at is null)
    returning reason`.execute(db);
  // how many were recorded, by reason (for the audit log)
  const byReason: Record<string, number> = {};
  for (const x of made.rows) byReason[x.reason] = (byReason[x.reason] ?? 0) + 1;
  return byReason;
}

/**
 * Lower-cased address → the latest confirmed double opt-in for email that the person gave here themselves (our
 * form's confirmation, recorded as `system:form:ID`; not one an import or a staff member recorded), not
 * withdrawn, for the contacts with no suppression in force on email (one in force means they left again since).
 */
export async function findPersonConfirmations(db: Db, workspaceId: string, emails: string[]): Promise<Map<string, { at: Date; confirmedAt: Date }>> {
  if (emails.length === 0) return new Map();
  const rows = await sql<{ email: string; at: Date; confirmed_at: Date }>`
    select e.email, ce.at, ce.confirmed_at
    from unnest(${emails.map((x) => x.toLowerCase())}::text[]) as e(email),
      lateral (select id from contacts c where c.workspace_id = ${workspaceId} and lower(c.email) = e.email limit 1) c,
      lateral (select ce.at, ce.confirmed_at from consent_events ce
               where ce.contact_id = c.id and ce.channel = 'email' and ce.method = 'double_opt_in' and ce.confirmed_at is not null
                 and ce.withdrawn_at is null and ce.recorded_by like 'system:form:%'
               order by ce.at desc limit 1) ce
    where not exists (select 1 from suppressions s where s.contact_id = c.id and s.lifted_at is null and s.channel in ('all', 'email'))`.execute(db);
  return new Map(rows.rows.map((r) => [r.email, { at: new Date(r.at), confirmedAt: new Date(r.confirmed_at) }]));
}

/** Contact ids by lower-cased address (addresses are unique per workspace whatever their case). */
export async function findContactIds(db: Db, workspaceId: string, emails: string[]): Promise<Map<string, string>> {
  if (emails.length === 0) return new Map();
  const rows = await sql<{ id: string; email: string }>`
    select c.id, c.email from unnest(${emails.map((e) => e.toLowerCase())}::text[]) as e(email),
      lateral (select id, email from contacts c where c.workspace_id = ${workspaceId} and lower(c.email) = e.email limit 1) c`.execute(db);
  return new Map(rows.rows.map((r) => [r.email.toLowerCase(), r.id]));
}

/** Appends the import's consent event to each contact, once per provenance fingerprint. */
export async function insertConsentEvents(db: Db, workspaceId: string, consent: ConsentRow, contacts: { contactId: string; line: number }[]): Promise<void> {
  if (contacts.length === 0) return;
  await sql`
    insert into consent_events (workspace_id, contact_id, channel, method, at, confirmed_at, evidence, categories, recorded_by)
    select ${workspaceId}, t.id, 'email', ${consent.method}, ${consent.at}, ${consent.confirmedAt},
           ${consent.evidence}::jsonb || jsonb_build_object('importLine', t.line), ${consent.categories}::jsonb, ${consent.recordedBy}
    from unnest(${contacts.map((c) => c.contactId)}::uuid[], ${contacts.map((c) => c.line)}::int[]) as t(id, line)
    on conflict (contact_id, (evidence->>'importFingerprint')) where evidence ? 'importFingerprint' do nothing`.execute(db);
}

export async function insertMemberships(db: Db, workspaceId: string, listId: string, contactIds: string[], at: Date): Promise<void> {
  if (contactIds.length === 0) return;
  await sql`
    insert into list_memberships (workspace_id, list_id, contact_id, added_at)
    select ${workspaceId}, ${listId}, t.id, ${at} from unnest(${contactIds}::uuid[]) as t(id)
    on conflict do nothing`.execute(db);
}

export async function insertRejections(db: Db, importId: number, rows: RejectionRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    insert into import_rejections (import_id, line, outcome, reason, email, raw)
    select ${importId}, t.line, t.outcome, t.reason, t.email, t.raw
    from unnest(${rows.map((r) => r.line)}::int[], ${rows.map((r) => r.outcome)}::text[], ${rows.map((r) => r.reason)}::text[],
                ${rows.map((r) => r.email)}::text[], ${rows.map((r) => r.raw)}::text[]) as t(line, outcome, reason, email, raw)
    on conflict do nothing`.execute(db);
}

/** Moves the checkpoint; false when this runner no longer holds the import (the batch must then roll back). */
export async function saveProgress(db: Db, options: {
  id: number; runner: string; checkpointLine: number; bytesDone: number; counts: ImportCounts; samples: ImportSamples; now: Date; leaseMs: number;
}): Promise<boolean> {
  const result = await db.updateTable('imports').set({
    checkpoint_line: options.checkpointLine, bytes_done: options.bytesDone, counts: JSON.stringify(options.counts),
    samples: JSON.stringify(options.samples), locked_until: new Date(options.now.getTime() + options.leaseMs), updated_at: options.now,
  }).where('id', '=', options.id).where('locked_by', '=', options.runner).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function finishImport(db: Db, options: { id: number; runner: string; status: 'done' | 'failed'; error: string | null; now: Date }): Promise<void> {
  await db.updateTable('imports').set({
    status: options.status, error: options.error, finished_at: options.status === 'done' ? options.now : null,
    locked_by: null, locked_until: null, updated_at: options.now,
  }).where('id', '=', options.id).where('locked_by', '=', options.runner).execute();
}

/** Rejected rows in line order, a page at a time (keyset on the line number). */
export async function listRejections(db: Db, importId: number, options: { afterLine: number; limit: number; outcome?: RejectionOutcome }) {
  let q = db.selectFrom('import_rejections').select(['line', 'outcome', 'reason', 'email', 'raw'])
    .where('import_id', '=', importId).where('line', '>', options.afterLine);
  if (options.outcome) q = q.where('outcome', '=', options.outcome);
  return q.orderBy('line').limit(options.limit).execute();
}
