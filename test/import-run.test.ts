// The import use cases against a real database (PGlite, and PostgreSQL when TEST_DATABASE_URL is set).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createWorkspace } from '../src/workspaces/create-workspace.js';
import { createImport } from '../src/imports/create-import.js';
import { runImport } from '../src/imports/run-import.js';
import { writeBatch } from '../src/imports/write-batch.js';
import { declarationSchema } from '../src/imports/declaration.js';
import { forEachDatabase } from './support/db.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-import-run-'));
const system = { type: 'system' as const, id: null };
const now = () => new Date('2026-03-01T09:00:00Z');
const declaration = { list: 'Newsletter', source: 'web_form', collectedAt: '2026-02-01', consent: 'double_opt_in', evidence: ['form:signup@3'], defaultCountry: 'FR' };

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

forEachDatabase('import run', (t) => {
  let ws: string;
  const counts = async (table: string) => Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where workspace_id = ${ws}`.execute(t.db)).rows[0].n);

  async function importFile(path: string, decl: Record<string, unknown> = declaration) {
    const created = await createImport({ db: t.db, workspaceId: ws, filePath: path, fileName: 'f.csv', declaration: decl, actor: system, now: now() });
    if (!created.ok) return { created, run: null, row: null };
    const run = await runImport({ db: t.db, importId: created.value.id, runner: 'test:1', now, batchSize: 3 });
    const row = await t.db.selectFrom('imports').selectAll().where('id', '=', created.value.id).executeTakeFirstOrThrow();
    return { created, run, row };
  }

  it('imports good rows, rejects bad ones with line numbers, and counts every outcome', async () => {
    ws = (await createWorkspace({ db: t.db, name: 'Import test', actor: system, now: now() })).id;
    const path = file('mixed.csv', [
      'Email;Prénom;Pays;Client depuis',
      'ann@example.com;Ann;FR;2019',
      'not-an-address;Bob;FR;2020',
      'info@example.com;;DE;',
      'ANN@example.com;Ann again;FR;',
      'cid@mailinator.com;Cid;FR;',
      'dan@exämple.de;Dan;Allemagne;2021',
      '',
    ].join('\n'));
    const { run, row } = await importFile(path);
    assert.equal(run?.status, 'done');
    const c = row!.counts as any;
    assert.equal(c.rows, 6);
    assert.equal(c.eligible, 2);
    assert.equal(c.blockedTotal, 1);
    assert.equal(c.blocked.role_address, 1);
    assert.equal(c.invalid, 2);
    assert.equal(c.duplicate, 1);
    const rejections = await t.db.selectFrom('import_rejections').select(['line', 'outcome']).where('import_id', '=', row!.id).orderBy('line').execute();
    assert.deepEqual(rejections.map((r) => [r.line, r.outcome]), [[3, 'invalid'], [5, 'duplicate'], [6, 'invalid']]);
    assert.equal(await counts('contacts'), 3);
    assert.equal(await counts('consent_events'), 3);
    assert.equal(await counts('list_memberships'), 3);
    const dan = await t.db.selectFrom('contacts').select(['email', 'country', 'custom_fields']).where('email', '=', 'dan@xn--exmple-cua.de').executeTakeFirstOrThrow();
    assert.equal(dan.country, 'DE');
    assert.deepEqual(dan.custom_fields, { 'Client depuis': '2021', first_name: 'Dan' });
  });

  it('writes tabs, backslashes, quotes and line breaks in fields as they were, with time-ordered ids and each line in its evidence', async () => {
    const path = file('odd.csv', [
      'email,country,company,note',
      'tab@example.com,FR,"A\tB","back\\slash \\N"',
      'nl@example.com,FR,"two',
      'lines","say ""hi"""',
      '',
    ].join('\n'));
    const { row } = await importFile(path);
    assert.equal((row!.counts as any).eligible, 2);
    const stored = await t.db.selectFrom('contacts').select(['id', 'email', 'custom_fields']).where('workspace_id', '=', ws)
      .where('email', 'in', ['tab@example.com', 'nl@example.com']).orderBy('id').execute();
    assert.deepEqual(stored.map((c) => [c.email, c.custom_fields]), [
      ['tab@example.com', { company: 'A\tB', note: 'back\\slash \\N' }],
      ['nl@example.com', { company: 'two\nlines', note: 'say "hi"' }],
    ]);
    for (const c of stored) assert.match(c.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/, 'a UUIDv7');
    const events = await t.db.selectFrom('consent_events').select(['contact_id', 'evidence']).where('contact_id', 'in', stored.map((c) => c.id)).execute();
    const lineOf = new Map(events.map((e) => [e.contact_id, (e.evidence as { importLine: number }).importLine]));
    assert.deepEqual(stored.map((c) => lineOf.get(c.id)), [2, 3]);
  });

  it('importing the same file twice changes nothing the second time', async () => {
    const path = file('again.csv', 'email,country\nann@example.com,FR\neve@example.com,FR\n');
    await importFile(path);
    const before = [await counts('contacts'), await counts('consent_events'), await counts('list_memberships')];
    const { row } = await importFile(path);
    assert.deepEqual([await counts('contacts'), await counts('consent_events'), await counts('list_memberships')], before);
    assert.equal((row!.counts as any).duplicate, 2);
  });

  it('refuses a forbidden source before reading a row, naming the rule', async () => {
    const importsBefore = Number((await sql<{ n: number }>`select count(*)::int as n from imports`.execute(t.db)).rows[0].n);
    for (const [source, rule] of [['list_broker', 'CR-NO-01'], ['web_scrape', 'CR-NO-02'], ['event_organizer', 'CR-EX-02'], ['social_network', 'CR-EX-05'], ['partner', 'CR-EX-06']]) {
      const { created } = await importFile(file('x.csv', 'email\nz@example.com\n'), { ...declaration, source });
      assert.equal(created.ok, false, source);
      if (!created.ok) assert.match(created.error.message, new RegExp(rule));
    }
    const { created } = await importFile(file('m.csv', 'email\nz@example.com\n'), { ...declaration, source: 'membership', consent: 'single_opt_in' });
    assert.equal(created.ok, false);
    if (!created.ok) assert.match(created.error.message, /CR-NO-07/);
    assert.equal(Number((await sql<{ n: number }>`select count(*)::int as n from imports`.execute(t.db)).rows[0].n), importsBefore);
  });

  it('never makes a suppressed address mailable again', async () => {
    const ann = await t.db.selectFrom('contacts').select('id').where('workspace_id', '=', ws).where('email', '=', 'ann@example.com').executeTakeFirstOrThrow();
    await t.db.insertInto('suppressions').values({ workspace_id: ws, contact_id: ann.id, reason: 'unsubscribe', at: now() }).execute();
    const events = await counts('consent_events');
    const { row } = await importFile(file('resub.csv', 'email,country\nann@example.com,FR\n'), { ...declaration, evidence: ['form:other@1'] });
    assert.equal((row!.counts as any).suppressed, 1);
    assert.equal(await counts('consent_events'), events);
  });

  it('an address a sign-up took between the check and the write (in another case) is attached, not duplicated', async () => {
    const created = await createImport({ db: t.db, workspaceId: ws, filePath: file('race.csv', 'email\nrace@example.com\n'), fileName: 'race.csv', declaration, actor: system, now: now() });
    assert.ok(created.ok);
    await t.db.insertInto('contacts').values({ workspace_id: ws, email: 'Race@Example.com', country: 'FR', source_type: 'web_form' }).execute();
    await t.db.updateTable('imports').set({ locked_by: 'test:race' }).where('id', '=', created.value.id).execute();
    const row = { outcome: 'candidate' as const, line: 2, email: 'race@example.com', country: 'FR', kind: 'consumer' as const, phone: null, birthDate: null, custom: {}, role: false };
    await writeBatch({
      db: t.db, importId: created.value.id, runner: 'test:race', workspaceId: ws, listId: created.value.listId, declaration: declarationSchema.parse(declaration),
      fingerprint: 'race-fp', plan: { create: [row], attach: [], leavers: [], outcomes: [] }, outcomes: [{ outcome: 'eligible', line: 2, email: row.email }], raws: new Map(),
      checkpointLine: 2, bytesDone: 0, counts: { rows: 1, eligible: 1, blockedTotal: 0, blocked: {}, invalid: 0, duplicate: 0, suppressed: 0 }, samples: {}, now: now(), leaseMs: 60_000,
    });
    const contacts = await t.db.selectFrom('contacts').select('id').where('workspace_id', '=', ws).where(sql`lower(email)`, '=', 'race@example.com').execute();
    assert.equal(contacts.length, 1);
    const events = await t.db.selectFrom('consent_events').select('id').where('contact_id', '=', contacts[0].id).execute();
    const members = await t.db.selectFrom('list_memberships').select('contact_id').where('contact_id', '=', contacts[0].id).execute();
    assert.deepEqual([events.length, members.length], [1, 1]);
  });

  it('refuses to resume on a file that changed since the import started', async () => {
    const path = file('changing.csv', 'email\nfirst@example.com\nsecond@example.com\n');
    const created = await createImport({ db: t.db, workspaceId: ws, filePath: path, fileName: 'changing.csv', declaration, actor: system, now: now() });
    assert.ok(created.ok);
    await t.db.updateTable('imports').set({ status: 'failed', checkpoint_line: 2 }).where('id', '=', created.value.id).execute();
    writeFileSync(path, 'email\nother@example.com\nsecond@example.com\n');
    const run = await runImport({ db: t.db, importId: created.value.id, runner: 'test:2', now });
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /changed since the import started/);
  });
});
