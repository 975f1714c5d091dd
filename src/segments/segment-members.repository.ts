/**
 * SQL of a segment's members: its filter as a Kysely expression over `contacts`. Every value the operator typed
 * (custom field keys, texts, dates, list ids) is a bound parameter; only constant SQL is written here. The
 * workspace is always a condition of its own, so a filter can never reach another workspace's contacts or lists.
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { databaseKind } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { ENGAGEMENT_TYPES, type SegmentCondition, type SegmentFilter } from './segment-filter.js';

type Eb = ExpressionBuilder<Database, 'contacts'>;

const customText = (key: string) => sql<string | null>`(${sql.ref('contacts.custom_fields')} ->> ${key}::text)`;
const emailDomain = sql<string>`coalesce(lower(substring(${sql.ref('contacts.email')} from '@([^@]+)$')), '')`;
const engagements = sql`from activity_events a where a.contact_id = ${sql.ref('contacts.id')} and a.workspace_id = ${sql.ref('contacts.workspace_id')}
  and a.type in (${sql.join([...ENGAGEMENT_TYPES])})`;
const lastEngagement = sql<Date | null>`(select max(a.at) ${engagements})`;

function condition(eb: Eb, c: SegmentCondition): Expression<SqlBool> {
  switch (c.field) {
    case 'country':
      return eb(eb.fn<string>('upper', ['contacts.country']), c.op === 'in' ? 'in' : 'not in', c.values);
    case 'kind':
      return eb('contacts.kind', c.op === 'in' ? 'in' : 'not in', c.values);
    case 'email_domain':
      return eb(emailDomain, c.op === 'in' ? 'in' : 'not in', c.values);
    case 'custom': {
      const x = customText(c.key);
      switch (c.op) {
        case 'equals': return sql<SqlBool>`${x} = ${c.value}::text`;
        case 'not_equals': return sql<SqlBool>`${x} is distinct from ${c.value}::text`;
        case 'contains': return sql<SqlBool>`strpos(lower(${x}), lower(${c.value}::text)) > 0`;
        case 'not_contains': return sql<SqlBool>`coalesce(strpos(lower(${x}), lower(${c.value}::text)), 0) = 0`;
        case 'is_set': return sql<SqlBool>`nullif(${x}, '') is not null`;
        case 'is_not_set': return sql<SqlBool>`nullif(${x}, '') is null`;
      }
      break;
    }
    case 'list': {
      const member = eb.exists(eb.selectFrom('list_memberships as m').select(sql.lit(1).as('one'))
        .whereRef('m.contact_id', '=', 'contacts.id').whereRef('m.workspace_id', '=', 'contacts.workspace_id').where('m.list_id', '=', c.listId));
      return c.op === 'in' ? member : eb.not(member);
    }
    case 'created_at':
      return sql<SqlBool>`${sql.ref('contacts.created_at')} ${sql.raw(c.op === 'before' ? '<' : '>=')} ${c.value}::timestamptz`;
    case 'last_engaged_at':
      if (c.op === 'never') return sql<SqlBool>`not exists (select 1 ${engagements})`;
      return sql<SqlBool>`${lastEngagement} ${sql.raw(c.op === 'before' ? '<' : '>=')} ${c.value!}::timestamptz`;
  }
  throw new Error(`unknown segment condition ${JSON.stringify(c)}`);
}

/**
 * Runs a query that reads a filter without JIT. The planner cannot know how selective a filter is (a jsonb field,
 * upper(country)) and guesses one row, so a page of 2,000 looks like a scan of the whole workspace with a subplan
 * per contact; past `jit_optimize_above_cost` PostgreSQL then compiled every page: 140 of the 179 ms of a page at
 * 100k contacts went to JIT, the scan itself took 38 ms. `SET LOCAL` keeps the change to this transaction.
 */
export async function withoutJit<T>(db: Kysely<Database>, run: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) {
    await sql`set local jit = off`.execute(db);
    return run(db);
  }
  if (databaseKind(db) === 'pglite') return run(db); // built without JIT
  return db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    return run(trx);
  });
}

/** The filter as one boolean expression over `contacts` (the caller adds the workspace condition). */
export function segmentExpression(eb: Eb, filter: SegmentFilter): Expression<SqlBool> {
  const parts = filter.conditions.map((c) => condition(eb, c));
  return filter.match === 'all' ? eb.and(parts) : eb.or(parts);
}

export type SegmentMember = { id: string; email: string | null; country: string; kind: string; createdAt: Date };

/** How many of the workspace's contacts match the filter now. */
export async function countSegmentMembers(db: Kysely<Database>, workspaceId: string, filter: SegmentFilter): Promise<number> {
  const r = await withoutJit(db, (q) => q.selectFrom('contacts').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('contacts.workspace_id', '=', workspaceId).where((eb) => segmentExpression(eb, filter)).executeTakeFirstOrThrow());
  return Number(r.n);
}

/** A keyset page of the members, in id order. */
export async function listSegmentMembers(db: Kysely<Database>, options: { workspaceId: string; filter: SegmentFilter; after?: string; limit: number }): Promise<SegmentMember[]> {
  const rows = await withoutJit(db, (trx) => {
    let q = trx.selectFrom('contacts').select(['contacts.id', 'contacts.email', 'contacts.country', 'contacts.kind', 'contacts.created_at'])
      .where('contacts.workspace_id', '=', options.workspaceId).where((eb) => segmentExpression(eb, options.filter));
    if (options.after) q = q.where('contacts.id', '>', options.after);
    return q.orderBy('contacts.id').limit(options.limit).execute();
  });
  return rows.map((r) => ({ id: r.id, email: r.email, country: r.country, kind: r.kind, createdAt: r.created_at }));
}
