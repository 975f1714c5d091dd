// `listwarden import` as a user runs it: a child process on real files (encodings, delimiters, XLSX, bad input),
// on PGlite (a data directory) and on PostgreSQL (a fresh database) when TEST_DATABASE_URL is set; and a
// kill -9 in the middle of an import, then `import resume`, with exact counts and no duplicates.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import iconv from 'iconv-lite';
import writeXlsxFile from 'write-excel-file/node';
import { createDatabase } from '../src/db/database.js';
import { createScratchPostgresDatabase, testDatabaseKinds } from './support/db.js';

const ROOT = join(import.meta.dirname, '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'import');
const work = mkdtempSync(join(tmpdir(), 'lw-import-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

type Run = { code: number | null; stdout: string; stderr: string };
type Target = { name: string; env: Record<string, string | undefined>; args: string[]; query: <T>(q: string) => Promise<T[]>; cleanup: () => Promise<void> };

const declaration = ['--list', 'Newsletter', '--source', 'web_form', '--collected-at', '2026-01-20', '--consent', 'double_opt_in', '--evidence', 'form:newsletter@4', '--evidence', 'doi-log:2026-01'];

function start(target: Target, args: string[]) {
  const script = "import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })";
  const env = { ...process.env, ...target.env };
  for (const [k, v] of Object.entries(target.env)) if (v === undefined) delete env[k];
  return spawn(process.execPath, ['--import', 'tsx', '-e', script, 'import', ...args, ...target.args], { cwd: ROOT, env });
}

function listwarden(target: Target, args: string[]): Promise<Run> {
  const child = start(target, args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function report(run: Run): any {
  assert.ok(run.stdout.trim(), `a JSON report on stdout (stderr: ${run.stderr})`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

async function pgliteTarget(): Promise<Target> {
  const dataDir = mkdtempSync(join(work, 'pglite-'));
  return {
    name: 'pglite', env: { DATABASE_URL: undefined }, args: ['--data-dir', dataDir],
    // PGlite has one process at a time on its directory: open it only between CLI runs.
    query: async <T>(q: string) => {
      const db = await createDatabase({ dataDir });
      try { return (await sql.raw(q).execute(db)).rows as T[]; } finally { await db.destroy(); }
    },
    cleanup: async () => undefined,
  };
}

async function postgresTarget(): Promise<Target> {
  const scratch = await createScratchPostgresDatabase('lw_import_cli');
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: scratch.url, max: 2 }) }) });
  return {
    name: 'postgres', env: { DATABASE_URL: scratch.url }, args: ['--data-dir', mkdtempSync(join(work, 'pgdata-'))],
    query: async <T>(q: string) => (await sql.raw(q).execute(db)).rows as T[],
    cleanup: async () => {
      await db.destroy();
      await scratch.drop();
    },
  };
}

/** A ZIP archive of stored (uncompressed) entries: the frame of an .ods or a Numbers file, made here. */
function storedZip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const n = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(n.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(Object.keys(files).length, 8); end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

const kinds = testDatabaseKinds();

for (const kind of kinds) {
  describe(`listwarden import [${kind}]`, () => {
    let target: Target;
    const count = async (table: string) => Number((await target.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0].n);
    before(async () => { target = kind === 'pglite' ? await pgliteTarget() : await postgresTarget(); });
    after(async () => { await target.cleanup(); });

    it('imports a UTF-8 file with a BOM, semicolons, quoted fields and French headers, on a fresh database', async () => {
      const run = await listwarden(target, [join(FIXTURES, 'good-fr.csv'), ...declaration, '--json']);
      assert.equal(run.code, 0, run.stderr);
      const r = report(run);
      assert.equal(r.status, 'done');
      assert.equal(r.file.format.delimiter, ';');
      assert.equal(r.counts.rows, 5);
      assert.equal(r.counts.eligible, 5, JSON.stringify(r.samples));
      const chloe = await target.query<{ custom_fields: any; country: string }>(`select custom_fields, country from contacts where email = 'chloe.martin@example.fr'`);
      assert.deepEqual(chloe[0].custom_fields, { first_name: 'Chloé', last_name: 'Martin; née Roux' });
      const denis = await target.query<{ email: string; country: string; phone: string }>(`select email, country, phone from contacts where lower(email) = 'denis.moreau@exemple.fr'`);
      assert.deepEqual(denis[0], { email: 'Denis.Moreau@exemple.fr', country: 'BE', phone: '+3221234567' });
    });

    it('reads a Windows-1252 TSV with German headers; the role address is imported but blocked', async () => {
      const r = report(await listwarden(target, [join(FIXTURES, 'de-cp1252.tsv'), ...declaration, '--json']));
      assert.deepEqual([r.file.format.encoding, r.file.format.delimiter], ['windows-1252', '\t']);
      assert.deepEqual([r.counts.rows, r.counts.eligible, r.counts.blocked.role_address], [4, 3, 1]);
      const rows = await target.query<{ email: string; country: string; custom_fields: any }>(`select email, country, custom_fields from contacts where email like '%.de' or email like '%.at' order by email`);
      const byEmail = Object.fromEntries(rows.map((x) => [x.email, x]));
      assert.deepEqual(byEmail['juergen.mueller@example.de'].custom_fields, { Kundennummer: 'K-1', first_name: 'Jürgen', last_name: 'Müller' });
      assert.equal(byEmail['grete.weiss@example.de'].custom_fields.last_name, 'Weiß');
      assert.equal(byEmail['zoe.strasse@example.at'].country, 'AT');
    });

    it('imports an XLSX spreadsheet', async () => {
      const path = join(work, `list-${kind}.xlsx`);
      await writeXlsxFile([
        [{ value: 'Email' }, { value: 'First name' }, { value: 'Country' }, { value: 'Signed up' }],
        [{ value: 'xl.one@example.co.uk' }, { value: 'One' }, { value: 'GB' }, { value: new Date('2025-05-01T00:00:00Z'), format: 'yyyy-mm-dd' }],
        [{ value: 'xl.two@example.co.uk' }, { value: 'Two' }, { value: 'United Kingdom' }, null],
        [{ value: 'not an address' }, null, { value: 'GB' }, null],
      ] as any).toFile(path);
      const r = report(await listwarden(target, [path, ...declaration, '--json']));
      assert.equal(r.file.format.kind, 'xlsx');
      assert.deepEqual([r.counts.rows, r.counts.eligible, r.counts.invalid], [3, 2, 1]);
      assert.equal(r.samples.invalid[0].line, 4);
      const one = await target.query<{ custom_fields: any }>(`select custom_fields from contacts where email = 'xl.one@example.co.uk'`);
      assert.equal(one[0].custom_fields['Signed up'], '2025-05-01');
    });

    it('reads a Mailchimp audience export: "Email Address", names under the merge-tag keys, "CC" as the country', async () => {
      const r = report(await listwarden(target, [join(FIXTURES, 'mailchimp-subscribed.csv'), ...declaration, '--json']));
      assert.equal(r.status, 'done', r.error);
      assert.deepEqual([r.counts.rows, r.counts.eligible], [3, 3], JSON.stringify(r.samples));
      const to = Object.fromEntries(r.file.format.columns.map((c: { header: string; to: string }) => [c.header, c.to]));
      assert.deepEqual([to['Email Address'], to['First Name'], to['Last Name'], to.CC, to.TAGS], ['email', 'custom:first_name', 'custom:last_name', 'country', 'custom:TAGS']);
      const rows = await target.query<{ email: string; country: string; phone: string | null; custom_fields: any }>(
        `select email, country, phone, custom_fields from contacts where email in ('jane.doe@example.com', 'kai.schmidt@example.de') order by email`);
      assert.deepEqual(rows.map((x) => [x.email, x.country, x.phone]), [['jane.doe@example.com', 'US', '+15551234567'], ['kai.schmidt@example.de', 'DE', null]]);
      const jane = rows[0].custom_fields;
      assert.deepEqual([jane.first_name, jane.last_name, jane.TAGS, jane.OPTIN_IP, jane.MEMBER_RATING], ['Jane', 'Doe', '"VIP","Customer"', '203.0.113.5', '2']);
      assert.equal(rows[1].custom_fields.NOTES, 'met at fair');
    });

    it('keeps the people an export marks as gone as suppressed contacts: Mailchimp\'s unsubscribed and cleaned files, status and opt-out columns', async () => {
      const eventsOf = (email: string) => target.query<{ events: number }>(`select count(*)::int as events from consent_events e join contacts c on c.id = e.contact_id where c.email = '${email}'`);
      const suppressionsOf = (emails: string[]) => target.query<{ email: string; reason: string; channel: string; scope: string; source: string; lifted_at: unknown }>(
        `select c.email, s.reason, s.channel, s.scope, s.source, s.lifted_at from suppressions s join contacts c on c.id = s.contact_id
         where c.email in (${emails.map((e) => `'${e}'`).join(',')}) order by c.email, s.reason`);
      const before = await eventsOf('jane.doe@example.com');
      assert.deepEqual(await suppressionsOf(['jane.doe@example.com']), [], 'Jane was imported eligible by the subscribed export');
      const unsub = report(await listwarden(target, [join(FIXTURES, 'mailchimp-unsubscribed.csv'), ...declaration, '--json']));
      assert.deepEqual([unsub.counts.rows, unsub.counts.suppressed, unsub.counts.eligible], [2, 2, 0], JSON.stringify(unsub.samples));
      assert.equal(unsub.samples.suppressed[0].reason, 'the file marks this address as unsubscribed (UNSUB_TIME: 2025-02-02 10:00:00); it is kept as an unsubscribe (suppressed) and not imported');
      const cleaned = report(await listwarden(target, [join(FIXTURES, 'mailchimp-cleaned.csv'), ...declaration, '--json']));
      assert.deepEqual([cleaned.counts.rows, cleaned.counts.suppressed], [1, 1]);
      assert.match(cleaned.samples.suppressed[0].reason, /bounced \(CLEAN_TIME: 2024-06-01 08:00:00\); it is kept as a hard bounce/);

      // Jane (an existing, eligible contact) and the new addresses are suppressed with the file's reason, the
      // import and line as the source; the new ones hold the address and country only, in no list, with no consent.
      assert.deepEqual(await suppressionsOf(['jane.doe@example.com', 'gone.away@example.com', 'dead.box@example.com']), [
        { email: 'dead.box@example.com', reason: 'hard_bounce', channel: 'email', scope: 'all_mail', source: `import:${cleaned.id}:line:2`, lifted_at: null },
        { email: 'gone.away@example.com', reason: 'unsubscribe', channel: 'email', scope: 'marketing', source: `import:${unsub.id}:line:3`, lifted_at: null },
        { email: 'jane.doe@example.com', reason: 'unsubscribe', channel: 'email', scope: 'marketing', source: `import:${unsub.id}:line:2`, lifted_at: null },
      ]);
      const made = await target.query<{ email: string; country: string; custom_fields: unknown; phone: unknown; events: number; lists: number }>(`
        select c.email, c.country, c.custom_fields, c.phone, (select count(*)::int from consent_events e where e.contact_id = c.id) as events,
               (select count(*)::int from list_memberships m where m.contact_id = c.id) as lists
        from contacts c where c.email in ('gone.away@example.com', 'dead.box@example.com') order by c.email`);
      assert.deepEqual(made, [
        { email: 'dead.box@example.com', country: 'GB', custom_fields: {}, phone: null, events: 0, lists: 0 },
        { email: 'gone.away@example.com', country: 'US', custom_fields: {}, phone: null, events: 0, lists: 0 },
      ]);
      assert.deepEqual(await eventsOf('jane.doe@example.com'), before, 'an existing contact gets no new consent from a file that says she left');

      // A later file without any status (an old CRM export) brings none of them back.
      const crm = join(work, `crm-${kind}.csv`);
      writeFileSync(crm, 'Email,Name,Country\njane.doe@example.com,Jane,US\ngone.away@example.com,Gone,US\ndead.box@example.com,Dead,GB\nfresh.crm@example.com,Fresh,US\n');
      const plain = report(await listwarden(target, [crm, ...declaration.map((a) => (a === 'Newsletter' ? 'CRM' : a)), '--json']));
      assert.deepEqual([plain.counts.rows, plain.counts.suppressed, plain.counts.eligible], [4, 3, 1], JSON.stringify(plain.samples));
      assert.deepEqual(plain.samples.suppressed.map((x: { line: number }) => x.line), [2, 3, 4]);
      assert.match(plain.samples.suppressed[1].reason, /the contact is suppressed/);
      assert.deepEqual(await target.query(`select c.email from list_memberships m join lists l on l.id = m.list_id join contacts c on c.id = m.contact_id where l.name = 'CRM'`),
        [{ email: 'fresh.crm@example.com' }]);

      // The same file again changes nothing: no second contact, no second suppression.
      const counts = async () => [await count('contacts'), await count('suppressions'), await count('consent_events'), await count('list_memberships')];
      const was = await counts();
      const again = report(await listwarden(target, [join(FIXTURES, 'mailchimp-unsubscribed.csv'), ...declaration, '--json']));
      assert.deepEqual([again.counts.rows, again.counts.suppressed], [2, 2]);
      assert.deepEqual(await counts(), was);

      const path = join(work, `status-${kind}.csv`);
      writeFileSync(path, ['Email,Status,Unsubscribed from all email,Country', 'st.sub@example.com,subscribed,false,GB', 'st.unsub@example.com,Unsubscribed,,GB',
        'st.hubspot@example.com,,true,GB', 'st.active@example.com,active,,GB', 'st.bounce@example.com,Hard-Bounced,,GB',
        'st.pending@example.com,pending,,GB', 'st.nonsub@example.com,Nonsubscribed,,GB', 'st.spam@example.com,Complained,,GB'].join('\n') + '\n');
      const status = report(await listwarden(target, [path, ...declaration, '--json']));
      assert.deepEqual([status.counts.rows, status.counts.eligible, status.counts.suppressed], [8, 2, 6], JSON.stringify(status.samples));
      assert.deepEqual(status.samples.suppressed.map((x: { line: number }) => x.line), [3, 4, 6, 7, 8]);
      const rejected = (await listwarden(target, ['rejected', String(status.id)])).stdout.trim().split('\n');
      assert.equal(rejected[1], '3,suppressed,the file marks this address as Unsubscribed (Status); it is kept as an unsubscribe (suppressed) and not imported,st.unsub@example.com,"st.unsub@example.com,Unsubscribed,,GB"');
      assert.equal(rejected[4], '7,suppressed,"the file marks this address as pending (Status): the person never confirmed, so it is not imported",st.pending@example.com,"st.pending@example.com,pending,,GB"');
      assert.deepEqual((await suppressionsOf(['st.unsub@example.com', 'st.hubspot@example.com', 'st.bounce@example.com', 'st.spam@example.com'])).map((x) => [x.email, x.reason]),
        [['st.bounce@example.com', 'hard_bounce'], ['st.hubspot@example.com', 'unsubscribe'], ['st.spam@example.com', 'complaint'], ['st.unsub@example.com', 'unsubscribe']]);
      const never = await target.query<{ email: string }>(`select email from contacts where email in ('st.pending@example.com', 'st.nonsub@example.com')`);
      assert.deepEqual(never, [], 'never confirmed is no objection: nothing is kept of them');
      const kept = await target.query<{ custom_fields: any }>(`select custom_fields from contacts where email = 'st.active@example.com'`);
      assert.equal(kept[0].custom_fields.status, 'active', 'a status that does not say "gone" is kept');
    });

    it('a leaver who came back: a file\'s dated unsubscribe older than the person\'s own confirmed double opt-in here suppresses nothing; every other leaver is kept', async () => {
      // A first import makes the database and its default workspace (whichever test runs first).
      const first = join(work, `came-back-first-${kind}.csv`);
      writeFileSync(first, 'Email,Country\ncb.first@example.com,US\n');
      assert.equal((await listwarden(target, [first, ...declaration, '--json'])).code, 0);
      const ws = (await target.query<{ id: string }>(`select id from workspaces order by created_at limit 1`))[0].id;
      // As our form's confirmation records them (confirm-signup.ts), or as staff record one through the API.
      const contact = async (email: string, consent: { at: string; confirmedAt: string; by: string } | null, unsubscribedAt?: string) => {
        const [{ id }] = await target.query<{ id: string }>(`insert into contacts (workspace_id, email, country, source_type, source_at)
          values ('${ws}', '${email}', 'US', 'web_form', '2026-01-01') returning id`);
        if (consent) {
          await target.query(`insert into consent_events (workspace_id, contact_id, channel, method, at, confirmed_at, evidence, categories, recorded_by)
            values ('${ws}', '${id}', 'email', 'double_opt_in', '${consent.at}', '${consent.confirmedAt}', '{"source":"web_form"}', '[]', '${consent.by}')`);
        }
        if (unsubscribedAt) await target.query(`insert into suppressions (workspace_id, contact_id, reason, channel, at) values ('${ws}', '${id}', 'unsubscribe', 'email', '${unsubscribedAt}')`);
      };
      const form = 'system:form:00000000-0000-4000-8000-000000000001';
      const fresh = { at: '2026-02-09T08:00:00Z', confirmedAt: '2026-02-10T09:00:00Z', by: form };
      await contact('cb.back@example.com', fresh);
      await contact('cb.early@example.com', { at: '2024-12-01T08:00:00Z', confirmedAt: '2024-12-01T08:10:00Z', by: form });
      await contact('cb.staff@example.com', { ...fresh, by: 'token:00000000-0000-4000-8000-000000000002' });
      await contact('cb.nodate@example.com', fresh);
      await contact('cb.bounce@example.com', fresh);
      await contact('cb.again@example.com', fresh, '2026-03-01T00:00:00Z');
      const path = join(work, `came-back-${kind}.csv`);
      writeFileSync(path, ['Email Address,UNSUB_TIME,Status,CC', 'CB.Back@example.com,2025-03-01 10:00:00,,US', 'cb.early@example.com,2025-03-01 10:00:00,,US',
        'cb.staff@example.com,2025-03-01 10:00:00,,US', 'cb.nodate@example.com,,unsubscribed,US', 'cb.bounce@example.com,,cleaned,US',
        'cb.again@example.com,2025-03-01,,US'].join('\n') + '\n');
      const suppressions = () => target.query<{ email: string; reason: string }>(`select c.email, s.reason from suppressions s join contacts c on c.id = s.contact_id
        where c.email like 'cb.%' and s.lifted_at is null order by c.email, s.reason`);
      const kept = [['cb.again@example.com', 'unsubscribe'], ['cb.bounce@example.com', 'hard_bounce'], ['cb.early@example.com', 'unsubscribe'],
        ['cb.nodate@example.com', 'unsubscribe'], ['cb.staff@example.com', 'unsubscribe']];
      const state = async () => [await count('contacts'), await count('suppressions'), await count('consent_events'), await count('list_memberships')];
      for (const round of [1, 2]) {
        const was = await state();
        const r = report(await listwarden(target, [path, ...declaration, '--json']));
        assert.deepEqual([r.counts.rows, r.counts.duplicate, r.counts.suppressed, r.counts.eligible], [6, 1, 5, 0], JSON.stringify(r.samples));
        assert.equal(r.samples.duplicate[0].line, 2);
        assert.equal(r.samples.duplicate[0].reason, 'unsubscribed in the file on 2025-03-01, confirmed again here on 2026-02-10: not suppressed '
          + '(the person\'s own double opt-in here is newer than the file\'s unsubscribe; the row adds nothing)');
        assert.deepEqual((await suppressions()).map((s) => [s.email, s.reason]), kept, `round ${round}`);
        const rejected = (await listwarden(target, ['rejected', String(r.id)])).stdout.trim().split('\n');
        assert.match(rejected[1], /^2,duplicate,"unsubscribed in the file on 2025-03-01, confirmed again here on 2026-02-10: not suppressed/);
        const after = await state();
        // The first round adds the four new suppressions (cb.again already had one); the second adds nothing.
        assert.deepEqual(after, round === 1 ? [was[0], was[1] + 4, was[2], was[3]] : was);
      }
    });

    it('reads the exports of Shopify, Klaviyo, HubSpot, Brevo and WooCommerce, and Excel serial dates: each tool\'s "no", "gone" and "never" honoured', async () => {
      const run = async (file: string) => {
        const r = report(await listwarden(target, [file, ...declaration, '--json']));
        assert.equal(r.status, 'done', r.error);
        return { r, lines: (outcome: string) => (r.samples[outcome] ?? []).map((x: { line: number }) => x.line) };
      };
      // Shopify: "Accepts Email Marketing: no" is no permission (not imported, nothing kept); the country is the default address's.
      const shop = await run(join(FIXTURES, 'shopify-customers.csv'));
      assert.deepEqual([shop.r.counts.eligible, shop.r.counts.suppressed, shop.lines('suppressed')], [1, 1, [3]], JSON.stringify(shop.r.samples));
      assert.match(shop.r.samples.suppressed[0].reason, /did not accept email marketing \(Accepts Email Marketing: no\)/);
      // Klaviyo: UNSUBSCRIBED is kept as an unsubscribe, NEVER_SUBSCRIBED leaves nothing.
      const klaviyo = await run(join(FIXTURES, 'klaviyo-profiles.csv'));
      assert.deepEqual([klaviyo.r.counts.eligible, klaviyo.lines('suppressed')], [1, [3, 4]]);
      // HubSpot: "Unsubscribed from all email: true" and a hard bounce reason.
      const hubspot = await run(join(FIXTURES, 'hubspot-contacts.csv'));
      assert.deepEqual([hubspot.r.counts.eligible, hubspot.lines('suppressed')], [1, [3, 4]]);
      // Brevo: EMAIL_BLACKLISTED: Yes.
      const brevo = await run(join(FIXTURES, 'brevo-contacts.csv'));
      assert.deepEqual([brevo.r.counts.eligible, brevo.lines('suppressed')], [1, [3]]);
      // WooCommerce orders: "Billing Email Address", "Billing Country", "Billing Phone".
      const woo = await run(join(FIXTURES, 'woocommerce-orders.csv'));
      assert.deepEqual([woo.r.counts.eligible, woo.r.counts.invalid], [1, 0], JSON.stringify(woo.r.samples));
      const kept = await target.query<{ email: string; country: string; phone: string | null }>(`
        select c.email, c.country, c.phone from contacts c where c.email in ('sam.shop@example.com', 'walt.order@example.com', 'noa.nope@example.com', 'ken.never@example.com') order by c.email`);
      assert.deepEqual(kept.map((x) => [x.email, x.country, x.phone]), [['sam.shop@example.com', 'GB', '+447700900001'], ['walt.order@example.com', 'FR', '+33612345678']]);
      const gone = await target.query<{ email: string; reason: string }>(`
        select c.email, s.reason from suppressions s join contacts c on c.id = s.contact_id
        where c.email in ('kat.unsub@example.com', 'ivo.spot@example.com', 'jo.bounce@example.com', 'bob.blocked@example.fr') order by c.email`);
      assert.deepEqual(gone.map((x) => [x.email, x.reason]), [['bob.blocked@example.fr', 'unsubscribe'], ['ivo.spot@example.com', 'unsubscribe'],
        ['jo.bounce@example.com', 'hard_bounce'], ['kat.unsub@example.com', 'unsubscribe']]);

      // An XLSX whose birthday column is "General": Excel's serial day numbers are read as dates.
      const path = join(work, `serial-${kind}.xlsx`);
      await writeXlsxFile([
        [{ value: 'Email' }, { value: 'Birthday' }, { value: 'Country' }],
        [{ value: 'serial.one@example.com' }, { value: 32874 }, { value: 'FR' }],
        [{ value: 'serial.two@example.com' }, { value: new Date('1985-07-04T00:00:00Z'), format: 'dd.mm.yyyy' }, { value: 'FR' }],
      ] as any).toFile(path);
      const xl = await run(path);
      assert.equal(xl.r.counts.eligible, 2);
      const born = await target.query<{ email: string; birth_date: string }>(`select email, birth_date from contacts where email like 'serial.%' order by email`);
      assert.deepEqual(born.map((x) => [x.email, x.birth_date]), [['serial.one@example.com', '1990-01-01'], ['serial.two@example.com', '1985-07-04']]);
    });

    it('reads XLSX workbooks as people make them: the list on a second sheet under a title, merged, formula, date, text-number and mailto cells, a formatted empty tail', async () => {
      const path = join(work, `made-${kind}.xlsx`);
      const styled = { backgroundColor: '#FFF2CC' };
      const members: any[] = [
        [{ value: 'Members 2026', columnSpan: 6 }, null, null, null, null, null],
        [{ value: 'Exported 01.03.2026 by the office' }],
        [null],
        [{ value: 'Email' }, { value: 'First name' }, { value: 'Country' }, { value: 'Telephone' }, { value: 'Postcode' }, { value: 'Joined' }],
        [{ value: 'ann.xl@example.fr' }, { value: 'Ann' }, { value: 'France', rowSpan: 2 }, { value: '0612345678', type: String, format: '@' },
          { value: '01000', type: String, format: '@' }, { value: new Date('2025-03-01T00:00:00Z'), type: Date, format: 'dd/mm/yyyy' }],
        [{ value: 'bob.xl@example.fr' }, { value: 'Bob' }, null, { value: '0698765432', type: String }, { value: 1234, type: Number, format: '00000' },
          { value: new Date('2024-12-24T00:00:00Z'), type: Date, format: 'd mmm yyyy' }],
        [{ value: '=LOWER("Cara.XL@Example.FR")', type: 'Formula' }, { value: 'Cara' }, { value: 'FR' }, null, null, null],
        [{ value: 'Write to Dan' }, { value: 'Dan' }, { value: 'FR' }, null, null, null],
        [{ value: 'mailto:eve.xl@example.fr' }, { value: 'Eve' }, { value: 'FR' }, null, null, null],
      ];
      // Excel's "formatted but blank" area: thousands of rows whose cells have a style and no value.
      for (let i = 0; i < 5000; i++) members.push([{ value: null, ...styled }, { value: null, ...styled }, { value: '', ...styled }, null, null, null]);
      const cover = [[{ value: 'Member list: export for the migration' }], [{ value: 'Questions: office@example.net' }]];
      // What write-excel-file does not write and Excel does: a formula's cached value, a mailto: hyperlink.
      const excelXml = {
        files: {
          transform: {
            'xl/worksheets/sheet{id}.xml': {
              transform: (xml: string) => xml
                .replace(/<c r="A7"([^>]*)><f>=?([^<]*)<\/f><\/c>/, '<c r="A7"$1 t="str"><f>$2</f><v>cara.xl@example.fr</v></c>')
                .replace('</worksheet>', xml.includes('<f>') /* the Members sheet */ ? '<hyperlinks><hyperlink ref="A8" r:id="rIdMail1"/></hyperlinks></worksheet>' : '</worksheet>'),
            },
            'xl/worksheets/_rels/sheet{id}.xml.rels': {
              transform: (xml: string) => xml.replace('</Relationships>', '<Relationship Id="rIdMail1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
                + 'Target="mailto:Dan.XL@example.fr?subject=Hello%20Dan&amp;body=Hi" TargetMode="External"/></Relationships>'),
            },
          },
        },
      };
      await (writeXlsxFile as any)([{ data: cover, sheet: 'Cover' }, { data: members, sheet: 'Members' }], { features: [excelXml] }).toFile(path);
      const r = report(await listwarden(target, [path, ...declaration, '--json']));
      assert.equal(r.status, 'done', r.error);
      assert.deepEqual([r.file.format.kind, r.file.format.sheet, r.file.format.headerLine], ['xlsx', 'Members', 4]);
      assert.deepEqual([r.counts.rows, r.counts.eligible, r.counts.invalid], [5, 5, 0], JSON.stringify(r.samples));
      const rows = await target.query<{ email: string; country: string; custom_fields: any }>(
        `select email, country, custom_fields from contacts where lower(email) like '%.xl@example.fr' order by lower(email)`);
      assert.deepEqual(rows.map((x) => [x.email, x.country]), [['ann.xl@example.fr', 'FR'], ['bob.xl@example.fr', 'FR'], ['cara.xl@example.fr', 'FR'],
        ['Dan.XL@example.fr', 'FR'], ['eve.xl@example.fr', 'FR']]);
      const [ann, bob] = rows.map((x) => x.custom_fields);
      assert.deepEqual([ann.phone, ann.Postcode, ann.Joined, ann.first_name], ['0612345678', '01000', '2025-03-01', 'Ann']);
      assert.deepEqual([bob.phone, bob.Postcode, bob.Joined], ['0698765432', '01234', '2024-12-24']);

      // A first sheet left empty: the list on the second is read.
      const second = join(work, `second-${kind}.xlsx`);
      await (writeXlsxFile as any)([{ data: [[null]], sheet: 'Blatt1' },
        { data: [[{ value: 'E-Mail' }, { value: 'Land' }], [{ value: 'zweites.blatt@example.de' }, { value: 'DE' }]], sheet: 'Kontakte' }]).toFile(second);
      const two = report(await listwarden(target, [second, ...declaration, '--json']));
      assert.deepEqual([two.status, two.file.format.sheet, two.counts.eligible], ['done', 'Kontakte', 1], two.error);
    });

    it('reads an XLSX HYPERLINK("mailto:…") formula as the address, and phone numbers and postcodes as their special formats show them', async () => {
      const path = join(work, `formats-${kind}.xlsx`);
      const phone = '[<=9999999]###-####;(###) ###-####';
      const data: any[] = [
        [{ value: 'Email' }, { value: 'Name' }, { value: 'Office line' }, { value: 'Mail code' }, { value: 'Badge' }, { value: 'Country' }],
        [{ value: '=HYPERLINK("mailto:Hana.XL@example.us?subject=Hi","Hana Smith")', type: 'Formula' }, { value: 'Hana' },
          { value: 2125551234, type: Number, format: phone }, { value: 21344567, type: Number, format: '00000-0000' }, { value: 7, type: Number, format: '000' }, { value: 'US' }],
        [{ value: 'ivan.xl@example.us' }, { value: 'Ivan' }, { value: 5551234, type: Number, format: phone },
          { value: 2134, type: Number, format: '00000' }, { value: 1234.5, type: Number, format: '#,##0.00' }, { value: 'US' }],
      ];
      // Excel keeps the text shown (the cached value) beside the formula: write-excel-file writes the formula only.
      const cached = {
        files: {
          transform: {
            'xl/worksheets/sheet{id}.xml': {
              transform: (xml: string) => xml.replace(/<c r="A2"([^>]*)><f>=?([^<]*)<\/f><\/c>/, '<c r="A2"$1 t="str"><f>$2</f><v>Hana Smith</v></c>'),
            },
          },
        },
      };
      await (writeXlsxFile as any)(data, { features: [cached] }).toFile(path);
      const r = report(await listwarden(target, [path, ...declaration, '--json']));
      assert.equal(r.status, 'done', r.error);
      assert.deepEqual([r.counts.rows, r.counts.eligible, r.counts.invalid], [2, 2, 0], JSON.stringify(r.samples));
      const rows = await target.query<{ email: string; custom_fields: any }>(
        `select email, custom_fields from contacts where lower(email) like '%.xl@example.us' order by lower(email)`);
      assert.deepEqual(rows.map((x) => [x.email, x.custom_fields['Office line'], x.custom_fields['Mail code'], x.custom_fields.Badge]), [
        ['Hana.XL@example.us', '(212) 555-1234', '02134-4567', '007'],
        ['ivan.xl@example.us', '555-1234', '02134', '1234.5'],
      ], JSON.stringify(rows));
    });

    it('refuses a damaged .xlsx, a password-protected one, an .xls, an .ods and a Numbers file saying what to do; nothing is written', async () => {
      const state = async () => [await count('contacts'), await count('consent_events'), await count('suppressions')];
      const was = await state();
      const good = join(work, `whole-${kind}.xlsx`);
      await writeXlsxFile([[{ value: 'Email' }, { value: 'Country' }], [{ value: 'never.written@example.com' }, { value: 'US' }]] as any).toFile(good);
      const bytes = readFileSync(good);
      const refused = async (name: string, content: Buffer, message: RegExp) => {
        const path = join(work, `${kind}-${name}`);
        writeFileSync(path, content);
        const run = await listwarden(target, [path, ...declaration]);
        assert.equal(run.code, 2, `${name}: ${run.stdout}${run.stderr}`);
        assert.match(run.stderr, message, name);
      };
      await refused('truncated.xlsx', bytes.subarray(0, Math.floor(bytes.length / 2)), /the spreadsheet is damaged or incomplete .*save it as \.xlsx .* or as CSV UTF-8/);
      // The OLE compound file Office wraps an encrypted workbook in, and Excel 97-2003's: named by their streams.
      const ole = (...streams: string[]) => {
        const head = Buffer.alloc(1536);
        Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(head);
        streams.forEach((s, i) => Buffer.from(s, 'utf16le').copy(head, 512 + i * 128));
        return head;
      };
      await refused('protected.xlsx', ole('Root Entry', 'EncryptionInfo', 'EncryptedPackage'), /password-protected .*remove the password/);
      await refused('old.xls', ole('Root Entry', 'Workbook', 'SummaryInformation'), /Excel 97-2003 workbook \(\.xls\).*save it as \.xlsx/);
      await refused('list.ods', storedZip({ mimetype: 'application/vnd.oasis.opendocument.spreadsheet', 'content.xml': '<office:document-content/>' }),
        /OpenDocument spreadsheet \(\.ods\).*Save As/);
      await refused('list.numbers', storedZip({ 'Index/Document.iwa': 'x', 'Metadata/Properties.plist': 'x' }), /Apple Numbers.*Export To/);
      assert.deepEqual(await state(), was);
    });

    it('reads a Google Contacts export: "E-mail 1 - Value" is the address; a cell with several addresses is rejected saying so', async () => {
      const r = report(await listwarden(target, [join(FIXTURES, 'google-contacts.csv'), ...declaration, '--country', 'GB', '--json']));
      assert.equal(r.status, 'done', r.error);
      assert.deepEqual([r.counts.rows, r.counts.eligible, r.counts.invalid], [2, 1, 1], JSON.stringify(r.samples));
      const sofia = await target.query<{ country: string; phone: string; birth_date: unknown; custom_fields: any }>(`select country, phone, birth_date, custom_fields from contacts where email = 'sofia@acme.example'`);
      assert.deepEqual([sofia[0].country, sofia[0].phone], ['ES', '+34600123456']);
      assert.deepEqual([sofia[0].custom_fields.first_name, sofia[0].custom_fields.last_name, sofia[0].custom_fields.company, sofia[0].custom_fields['E-mail 2 - Value']],
        ['Sofia', 'García', 'Acme SL', 'sofia.garcia@example.es']);
      // Sofia's address spans lines 2 to 4: Tom is line 5.
      assert.equal(r.samples.invalid[0].line, 5);
      assert.match(r.samples.invalid[0].reason, /several addresses/);
    });

    it('reads Excel\'s "CSV UTF-8" with a BOM and a sep=; first line, and an XLSX sheet with a title above the header', async () => {
      const sep = report(await listwarden(target, [join(FIXTURES, 'excel-sep-utf8-bom.csv'), ...declaration, '--json']));
      assert.equal(sep.status, 'done', sep.error);
      assert.deepEqual([sep.file.format.delimiter, sep.file.format.headerLine, sep.counts.rows, sep.counts.eligible], [';', 2, 2, 2], JSON.stringify(sep.samples));
      assert.deepEqual(sep.samples.eligible.map((x: { line: number }) => x.line), [3, 4]);
      const ueli = await target.query<{ country: string; custom_fields: any }>(`select country, custom_fields from contacts where email = 'ueli@example.ch'`);
      assert.deepEqual([ueli[0].country, ueli[0].custom_fields.last_name], ['CH', 'Müller']);

      const path = join(work, `title-${kind}.xlsx`);
      await writeXlsxFile([
        [{ value: 'Kundenliste Messe 2026' }, null, null],
        [{ value: 'Stand: 01.03.2026' }, null, null],
        [null, null, null],
        [{ value: 'E-Mail' }, { value: 'Vorname' }, { value: 'Land' }],
        [{ value: 'xaver@example.de' }, { value: 'Xaver' }, { value: 'Deutschland' }],
        [{ value: 'xenia@example.at' }, { value: 'Xenia' }, { value: 'Österreich' }],
      ] as any).toFile(path);
      const xl = report(await listwarden(target, [path, ...declaration, '--json']));
      assert.equal(xl.status, 'done', xl.error);
      assert.deepEqual([xl.file.format.headerLine, xl.counts.rows, xl.counts.eligible, xl.counts.invalid], [4, 2, 2, 0]);
      const xenia = await target.query<{ country: string; custom_fields: any }>(`select country, custom_fields from contacts where email = 'xenia@example.at'`);
      assert.deepEqual([xenia[0].country, xenia[0].custom_fields.first_name], ['AT', 'Xenia']);
    });

    it('a header that names the address column in words it does not know still names the other columns', async () => {
      const path = join(work, `kontakt-${kind}.csv`);
      writeFileSync(path, 'Kundenliste Frühjahr\r\nKontakt;Vorname;Land;Kundennr\r\nkontakt.anna@example.de;Anna;DE;K1\r\nkontakt.bert@example.at;Bert;AT;K2\r\n');
      const r = report(await listwarden(target, [path, ...declaration, '--json']));
      assert.equal(r.status, 'done', r.error);
      assert.deepEqual([r.file.format.headerLine, r.counts.rows, r.counts.eligible], [2, 2, 2], JSON.stringify(r.samples));
      assert.deepEqual(r.file.format.columns.map((c: { to: string }) => c.to), ['email', 'custom:first_name', 'country', 'custom:Kundennr']);
      const bert = await target.query<{ country: string; custom_fields: any }>(`select country, custom_fields from contacts where email = 'kontakt.bert@example.at'`);
      assert.deepEqual([bert[0].country, bert[0].custom_fields], ['AT', { first_name: 'Bert', Kundennr: 'K2' }]);
    });

    it('reads a French Outlook export saved as Excel "Unicode Text" (UTF-16 TSV): its country column, in Spanish too', async () => {
      const path = join(work, `outlook-fr-${kind}.txt`);
      const text = ['Prénom\tNom\tSociété\tAdresse de messagerie\tTéléphone mobile\tPays/Région (domicile)',
        'René\tÉvrard\tÉvrard & Fils\trene.evrard@example.fr\t06 11 22 33 44\tFrance', 'Inés\tGarcía\t\tines.garcia@example.es\t+34 600 111 222\tEspaña'].join('\r\n');
      writeFileSync(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${text}\r\n`, 'utf16le')]));
      const r = report(await listwarden(target, [path, ...declaration, '--country', 'FR', '--json']));
      assert.equal(r.status, 'done', r.error);
      assert.deepEqual([r.file.format.encoding, r.file.format.delimiter, r.counts.rows, r.counts.eligible], ['utf-16le', '\t', 2, 2], JSON.stringify(r.samples));
      const rows = await target.query<{ email: string; country: string; phone: string | null; custom_fields: any }>(
        `select email, country, phone, custom_fields from contacts where email in ('rene.evrard@example.fr', 'ines.garcia@example.es') order by email`);
      assert.deepEqual(rows.map((x) => [x.email, x.country, x.phone, x.custom_fields.first_name]),
        [['ines.garcia@example.es', 'ES', '+34600111222', 'Inés'], ['rene.evrard@example.fr', 'FR', null, 'René']]);
      assert.deepEqual([rows[1].custom_fields.company, rows[1].custom_fields.phone], ['Évrard & Fils', '06 11 22 33 44']);
    });

    it('reads an Outlook export: its "0/0/00" birthday and anniversary (and other all-zero dates) are empty, not stored', async () => {
      const path = join(work, `outlook-en-${kind}.csv`);
      writeFileSync(path, ['"First Name","Last Name","E-mail Address","Birthday","Anniversary","Country/Region","Last Visit"',
        '"Olive","Oak","olive.oak@example.com","0/0/00","0/0/00","United Kingdom","0000-00-00 00:00:00"',
        '"Pete","Pine","pete.pine@example.com","1988-04-12","00/00/0000","United Kingdom","2025-01-02"'].join('\r\n') + '\r\n');
      const r = report(await listwarden(target, [path, ...declaration, '--json']));
      assert.deepEqual([r.status, r.counts.rows, r.counts.eligible], ['done', 2, 2], JSON.stringify(r.samples));
      const rows = await target.query<{ email: string; birth_date: string | null; custom_fields: any }>(
        `select email, birth_date, custom_fields from contacts where email in ('olive.oak@example.com', 'pete.pine@example.com') order by email`);
      assert.deepEqual(rows.map((x) => [x.email, x.birth_date, x.custom_fields]), [
        ['olive.oak@example.com', null, { first_name: 'Olive', last_name: 'Oak' }],
        ['pete.pine@example.com', '1988-04-12', { first_name: 'Pete', last_name: 'Pine', 'Last Visit': '2025-01-02' }],
      ]);
    });

    it('reads Excel for Mac\'s "CSV (Macintosh)": lines ended by CR alone, Mac Roman, over 1 MB', async () => {
      const lines = ['Email,First Name,Last Name,Country'];
      for (let i = 0; i < 30000; i++) lines.push(`mac${i}@example.com,André,Müller,FR`);
      const path = join(work, `mac-${kind}.csv`);
      writeFileSync(path, iconv.encode(`${lines.join('\r')}\r`, 'macintosh'));
      const r = report(await listwarden(target, [path, ...declaration, '--json']));
      assert.equal(r.status, 'done', r.error);
      assert.deepEqual([r.file.format.encoding, r.counts.rows, r.counts.eligible, r.counts.invalid], ['macintosh', 30000, 30000, 0], JSON.stringify(r.samples.invalid));
      const last = await target.query<{ custom_fields: any }>(`select custom_fields from contacts where email = 'mac29999@example.com'`);
      assert.deepEqual([last[0].custom_fields.first_name, last[0].custom_fields.last_name], ['André', 'Müller']);
    });

    it('a Mac (CR-only) file with a quote never closed reports that line and imports the good rows after it', async () => {
      const path = join(work, `mac-broken-${kind}.csv`);
      const lines = ['Email,First Name,Country', 'crq1@example.com,Zoé,FR', '"crq.broken@example.com,Quote never closed,FR', 'crq2@example.com,André,FR', 'crq3@example.com,Brigitte,FR'];
      writeFileSync(path, iconv.encode(`${lines.join('\r')}\r`, 'macintosh'));
      const r = report(await listwarden(target, [path, ...declaration, '--json']));
      assert.equal(r.status, 'done', r.error);
      assert.deepEqual([r.counts.rows, r.counts.eligible, r.counts.invalid], [4, 3, 1], JSON.stringify(r.samples));
      assert.equal(r.samples.invalid[0].line, 3);
      assert.match(r.samples.invalid[0].reason, /quote/);
      const rejected = (await listwarden(target, ['rejected', String(r.id)])).stdout.trim().split('\n');
      assert.equal(rejected.length, 2, rejected.join('\n'));
      assert.match(rejected[1], /^3,invalid,.*quote.*,"""crq\.broken@example\.com,Quote never closed,FR"$/);
      const names = await target.query<{ email: string; custom_fields: any }>(`select email, custom_fields from contacts where email like 'crq%' order by email`);
      assert.deepEqual(names.map((x) => [x.email, x.custom_fields.first_name]), [['crq1@example.com', 'Zoé'], ['crq2@example.com', 'André'], ['crq3@example.com', 'Brigitte']]);
    });

    it('reads a Windows-1252 file whose first accented name comes after the first 64 KB', async () => {
      const lines = ['Email;First name;Last name;Country'];
      for (let i = 0; i < 2500; i++) lines.push(`late${i}@example.fr;Jean;Martin;FR`);
      lines.push('jose.perez@example.fr;José;Pérez;FR', 'helene.loic@example.fr;Hélène;Loïc;FR');
      const path = join(work, `late-cp1252-${kind}.csv`);
      writeFileSync(path, Buffer.from(lines.join('\r\n') + '\r\n', 'latin1'));
      const r = report(await listwarden(target, [path, ...declaration, '--json']));
      assert.deepEqual([r.counts.rows, r.counts.eligible, r.counts.invalid], [2502, 2502, 0], JSON.stringify(r.samples.invalid));
      assert.equal(r.file.format.encoding, 'windows-1252');
      const names = await target.query<{ custom_fields: any }>(`select custom_fields from contacts where email in ('jose.perez@example.fr', 'helene.loic@example.fr') order by email`);
      assert.deepEqual(names.map((x) => x.custom_fields.first_name), ['Hélène', 'José']);
    });

    it('keeps the good rows of a bad file and reports every bad line: quotes, ragged rows, a 10 MB line, binary data', async () => {
      const path = join(work, `bad-${kind}.csv`);
      copyFileSync(join(FIXTURES, 'bad.csv'), path);
      appendFileSync(path, `huge@example.com,${'x'.repeat(10 * 1024 * 1024)},GB\n`);
      appendFileSync(path, Buffer.concat([Buffer.from('ok5@example.com,'), Buffer.from([0, 1, 2, 0xff, 0xfe, 0]), Buffer.from(',GB\n')]));
      appendFileSync(path, 'ok6@example.com,Six,GB\n');
      const run = await listwarden(target, [path, ...declaration, '--json']);
      assert.equal(run.code, 0, run.stderr);
      const r = report(run);
      assert.deepEqual([r.counts.rows, r.counts.eligible, r.counts.invalid, r.counts.duplicate], [12, 4, 7, 1], JSON.stringify(r.counts));
      const csv = await listwarden(target, ['rejected', String(r.id)]);
      const lines = csv.stdout.trim().split('\n');
      assert.equal(lines[0], 'line,outcome,reason,email,raw');
      assert.deepEqual(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(',')),
        ['3,invalid', '5,invalid', '6,invalid', '7,duplicate', '8,invalid', '9,invalid', '11,invalid', '12,invalid']);
      assert.match(lines[1], /quote/);
      assert.match(lines[2], /5 fields but the header has 3/);
      // Each rejected row with its text as it stands in the file, duplicates included.
      assert.match(lines[3], /,"not-an-address,Bad,GB"$/);
      assert.equal(lines[4], '7,duplicate,duplicate of line 2 in this file,ok1@example.com,"ok1@example.com,Duplicate,GB"');
      assert.match(lines[7], /longer than/);
      assert.match(lines[8], /binary|encoding/);
    });

    it('refuses an empty file, a binary file and a forbidden source with a clear message and exit code 2', async () => {
      const empty = join(work, 'empty.csv');
      writeFileSync(empty, '');
      const e = await listwarden(target, [empty, ...declaration, '--json']);
      assert.equal(e.code, 2);
      assert.match(e.stderr + e.stdout, /empty/);
      const png = join(work, 'picture.csv');
      writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0]));
      const b = await listwarden(target, [png, ...declaration]);
      assert.equal(b.code, 2);
      assert.match(b.stderr, /binary data/);
      const broker = await listwarden(target, [join(FIXTURES, 'bad.csv'), ...declaration.map((a) => (a === 'web_form' ? 'list_broker' : a))]);
      assert.equal(broker.code, 2);
      assert.match(broker.stderr, /CR-NO-01/);
    });

    it('importing the same file twice changes nothing the second time', async () => {
      const before = [await count('contacts'), await count('consent_events'), await count('list_memberships')];
      const r = report(await listwarden(target, [join(FIXTURES, 'good-fr.csv'), ...declaration, '--json']));
      assert.deepEqual([r.counts.duplicate, r.counts.eligible], [5, 0]);
      assert.deepEqual([await count('contacts'), await count('consent_events'), await count('list_memberships')], before);
    });

    it('survives kill -9 in the middle: resume finishes with exact counts and no duplicates', async () => {
      const rows = 20000;
      const path = join(work, `big-${kind}.csv`);
      // Every 7th person left in the tool the file comes from: kept as a suppressed contact in the same batch.
      const lines = ['email,name,country,status'];
      for (let i = 0; i < rows; i++) lines.push(`bulk${i}@example.org,Bulk ${i},FR,${i % 7 === 3 ? 'unsubscribed' : 'subscribed'}`);
      const leavers = Math.floor((rows - 4) / 7) + 1;
      writeFileSync(path, lines.join('\n') + '\n');
      const before = await count('contacts');
      const child = start(target, [path, '--list', 'Bulk', ...declaration.slice(2), '--progress', '--batch-size', '250']);
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (d) => {
          stderr += d;
          const m = /progress: import \d+ (\d+) rows/.exec(stderr.split('\n').filter(Boolean).pop() ?? '');
          // The first line (at most one a second) comes once a batch has committed: kill there, since a fast
          // run can finish the whole file before a second line.
          if (m && Number(m[1]) > 0) { child.kill('SIGKILL'); resolve(); }
        });
        child.on('close', () => reject(new Error(`the import ended before it was killed: ${stderr}`)));
      });
      await new Promise((r) => child.on('close', r));
      const id = Number(/import (\d+) created/.exec(stderr)![1]);
      const mid = report(await listwarden(target, ['show', String(id), '--json']));
      assert.equal(mid.status, 'running', 'killed while running');
      assert.ok(mid.counts.rows > 0 && mid.counts.rows < rows, `stopped part way (${mid.counts.rows})`);
      assert.equal(await count('contacts'), before + mid.counts.rows, 'every committed batch is whole, with its contacts');

      const done = report(await listwarden(target, ['resume', String(id), '--json']));
      assert.equal(done.status, 'done');
      assert.deepEqual([done.counts.rows, done.counts.eligible, done.counts.suppressed, done.counts.duplicate, done.counts.invalid], [rows, rows - leavers, leavers, 0, 0]);
      assert.equal(await count('contacts'), before + rows);
      const bulk = await target.query<{ contacts: number; events: number; members: number; suppressions: number; suppressed: number }>(`
        select (select count(*)::int from contacts where email like 'bulk%') as contacts,
               (select count(*)::int from consent_events e join contacts c on c.id = e.contact_id where c.email like 'bulk%') as events,
               (select count(*)::int from list_memberships m join lists l on l.id = m.list_id where l.name = 'Bulk') as members,
               (select count(*)::int from suppressions s join contacts c on c.id = s.contact_id where c.email like 'bulk%') as suppressions,
               (select count(distinct s.contact_id)::int from suppressions s join contacts c on c.id = s.contact_id where c.email like 'bulk%' and s.reason = 'unsubscribe'
                  and s.source = 'import:${id}:line:' || (split_part(split_part(c.email, '@', 1), 'k', 2)::int + 2)) as suppressed`);
      assert.deepEqual(bulk[0], { contacts: rows, events: rows - leavers, members: rows - leavers, suppressions: leavers, suppressed: leavers });
    });
  });
}
