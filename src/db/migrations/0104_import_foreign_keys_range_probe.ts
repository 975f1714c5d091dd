// fk_check_children probed this transaction's own parents key by key (`id = any($1)`: ~5,000 index descents a
// batch per child table). An import's new contacts have UUIDv7 ids made together, so when the keys span at most a
// minute of id time they are found by one scan of that id range joined to the keys; the result is the same count
// of the same rows (keys present with this transaction's xmin), so everything after it is unchanged. Keys that
// span more (an import attaching old contacts) keep the per-key probe, as a range scan could then read the table.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
  -- the millisecond timestamp of a UUIDv7 (its first 48 bits); meaningless, but harmless, for other versions
  create or replace function uuid_v7_ms(u uuid) returns bigint language sql immutable parallel safe as
    $f$ select ('x' || substr(replace(u::text, '-', ''), 1, 12))::bit(48)::bigint $f$;

  create or replace function fk_check_children() returns trigger language plpgsql set enable_seqscan = off as $$
  declare
    i int := 0;
    keys uuid[];
    n int;
    found bigint;
    missing text;
    own xid;
  begin
    while i < tg_nargs loop
      -- the distinct keys this statement newly references (on update: only those the old rows did not hold), sorted
      if tg_op = 'UPDATE' then
        execute format('select array_agg(k order by k) from (select %1$I as k from new_rows where %1$I is not null except select %1$I from old_rows) a', tg_argv[i]) into keys;
      else
        execute format('select array_agg(distinct %1$I order by %1$I) from new_rows where %1$I is not null', tg_argv[i]) into keys;
      end if;
      if keys is not null then
        n := cardinality(keys);
        -- this transaction's id as a row's xmin holds it: parents it created itself exist and no one else can
        -- delete them, so they need no lock (an import's new contacts, referenced by their consent and
        -- membership). Read only once rows were written (never assigns an id; null: everything is locked).
        own := coalesce(own, (pg_current_xact_id_if_assigned()::text::bigint % 4294967296)::text::xid);
        if n > 64 and uuid_v7_ms(keys[n]) - uuid_v7_ms(keys[1]) between 0 and 60000 then
          -- one scan of the id range hashed against the keys (the range condition adds nothing to the result)
          execute format('select count(*) from %I p join unnest($1) k on p.id = k where p.id between $3 and $4 and p.xmin = $2', tg_argv[i + 1])
            using keys, own, keys[1], keys[n] into found;
        else
          execute format('select count(*) from %I p where p.id = any($1) and p.xmin = $2', tg_argv[i + 1]) using keys, own into found;
        end if;
        if found < n then
          -- lock the other parents as a foreign key check does, then count them again with a fresh snapshot: a
          -- parent deleted by a transaction that committed while we waited for its lock is then seen missing
          execute format('select 1 from %I p where p.id = any($1) and p.xmin is distinct from $2 for key share of p', tg_argv[i + 1]) using keys, own;
          execute format('select count(*) from %I p where p.id = any($1)', tg_argv[i + 1]) using keys into found;
          if found < n then
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
