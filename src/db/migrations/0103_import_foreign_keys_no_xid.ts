// 0101's fk_check_children took this transaction's id with pg_current_xact_id(), which assigns one: an UPDATE of
// contacts, consent_events or list_memberships that touched no row (its statement trigger still fires) then made
// a read-only transaction write a commit record. The id is now read only when there are keys to check, and with
// pg_current_xact_id_if_assigned() (a statement that wrote rows has one). Same checks, same locks.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
  create or replace function fk_check_children() returns trigger language plpgsql set enable_seqscan = off as $$
  declare
    i int := 0;
    keys uuid[];
    found bigint;
    missing text;
    own xid;
  begin
    while i < tg_nargs loop
      -- the distinct keys this statement newly references (on update: only those the old rows did not hold)
      if tg_op = 'UPDATE' then
        execute format('select array_agg(k) from (select %1$I as k from new_rows where %1$I is not null except select %1$I from old_rows) a', tg_argv[i]) into keys;
      else
        execute format('select array_agg(distinct %1$I) from new_rows where %1$I is not null', tg_argv[i]) into keys;
      end if;
      if keys is not null then
        -- this transaction's id as a row's xmin holds it: parents it created itself exist and no one else can
        -- delete them, so they need no lock (an import's new contacts, referenced by their consent and
        -- membership). Read only once rows were written (never assigns an id; null: everything is locked).
        own := coalesce(own, (pg_current_xact_id_if_assigned()::text::bigint % 4294967296)::text::xid);
        execute format('select count(*) from %I p where p.id = any($1) and p.xmin = $2', tg_argv[i + 1]) using keys, own into found;
        if found < cardinality(keys) then
          -- lock the other parents as a foreign key check does, then count them again with a fresh snapshot: a
          -- parent deleted by a transaction that committed while we waited for its lock is then seen missing
          execute format('select 1 from %I p where p.id = any($1) and p.xmin is distinct from $2 for key share of p', tg_argv[i + 1]) using keys, own;
          execute format('select count(*) from %I p where p.id = any($1)', tg_argv[i + 1]) using keys into found;
          if found < cardinality(keys) then
            execute format('select k::text from unnest($1) k where not exists (select 1 from %I p where p.id = k) limit 1', tg_argv[i + 1]) using keys into missing;
            raise exception 'insert or update on table "%" violates foreign key constraint "%"', tg_table_name, tg_argv[i + 2]
              using errcode = 'foreign_key_violation', constraint = tg_argv[i + 2], table = tg_table_name,
                    detail = format('Key (%s)=(%s) is not present in table "%s".', tg_argv[i], missing, tg_argv[i + 1]);
          end if;
        end if;
      end if;
      i := i + 3;
    end loop;
    return null;
  end $$;
  `.execute(db);
}
