// The outbox (`send_recipients`) checks its three foreign keys once per statement instead of once per row, as the
// import's tables do since 0101: the row-level keys cost ~60% of a send start's COPY (2.37 s against 0.95 s
// without them for 100,000 rows, with the start's transaction open all along). Integrity stays the same:
//  - insert: every referenced send, workspace and contact must exist; they are locked FOR KEY SHARE, as a foreign
//    key check locks them, so a parent deleted meanwhile is seen missing (23503, the dropped key's name);
//  - update: the worker updates rows all the time (claim, sent, retry) but never their keys, so instead of a
//    statement check on every update, a change of send_id, workspace_id or contact_id is refused (23503). The row
//    triggers are `before update of <column>`: an UPDATE that does not set the column never considers them;
//  - delete of a send, workspace or contact: its outbox rows are deleted in the same statement (ON DELETE CASCADE);
//  - a parent's id is never changed while an outbox row references it (ON UPDATE NO ACTION).
// sends.id is bigint and fk_check_children's key array is uuid[] (and its plans are tuned for the import), so the
// outbox has its own check, fk_check_children_any: the keys never leave the statement (`id = any(array(select
// distinct …))` keeps their type), and the lock and the count of the parents found are one query. It skips
// 0103's shortcut for parents this transaction created: a start creates only its send, one row.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
  -- On a child, for INSERT: arguments are triples child column, parent table, constraint name (fk_check_children's).
  create function fk_check_children_any() returns trigger language plpgsql
    set enable_seqscan = off set enable_hashjoin = off set enable_mergejoin = off as $$
  declare
    i int := 0;
    n bigint;
    found bigint;
    missing text;
  begin
    while i < tg_nargs loop
      -- the distinct keys, and the parents holding them locked as a foreign key check locks them. Under read
      -- committed a parent whose delete committed while we waited for its lock is not returned, so it is counted
      -- missing; under repeatable read the lock fails with a serialization error, as a row-level key's does.
      execute format($q$
        with keys as materialized (select distinct %1$I as k from new_rows where %1$I is not null),
             locked as (select 1 from %2$I p where p.id = any(array(select k from keys)) for key share of p)
        select (select count(*) from keys), (select count(*) from locked)$q$, tg_argv[i], tg_argv[i + 1]) into n, found;
      if found < n then
        execute format('select k::text from (select distinct %1$I as k from new_rows where %1$I is not null) a where not exists (select 1 from %2$I p where p.id = a.k) limit 1', tg_argv[i], tg_argv[i + 1]) into missing;
        raise exception 'insert or update on table "%" violates foreign key constraint "%"', tg_table_name, tg_argv[i + 2]
          using errcode = 'foreign_key_violation', constraint = tg_argv[i + 2], table = tg_table_name,
                detail = format('Key (%s)=(%s) is not present in table "%s".', tg_argv[i], missing, tg_argv[i + 1]);
      end if;
      i := i + 3;
    end loop;
    return null;
  end $$;

  -- On a child, BEFORE UPDATE OF one key column, row level: arguments child column, constraint name. The column
  -- never changes (the trigger's WHEN tests that it did).
  create function fk_child_key_fixed() returns trigger language plpgsql as $$
  begin
    raise exception 'update on table "%" violates foreign key constraint "%": % never changes', tg_table_name, tg_argv[1], tg_argv[0]
      using errcode = 'foreign_key_violation', constraint = tg_argv[1], table = tg_table_name,
            detail = format('Key (%s) of row %s cannot be changed.', tg_argv[0], old.id);
  end $$;

  alter table send_recipients drop constraint send_recipients_send_id_fkey;
  alter table send_recipients drop constraint send_recipients_workspace_id_fkey;
  alter table send_recipients drop constraint send_recipients_contact_id_fkey;

  create trigger send_recipients_fk_insert after insert on send_recipients referencing new table as new_rows
    for each statement execute function fk_check_children_any(
      'send_id', 'sends', 'send_recipients_send_id_fkey', 'workspace_id', 'workspaces', 'send_recipients_workspace_id_fkey',
      'contact_id', 'contacts', 'send_recipients_contact_id_fkey');
  create trigger send_recipients_fk_send before update of send_id on send_recipients
    for each row when (old.send_id is distinct from new.send_id) execute function fk_child_key_fixed('send_id', 'send_recipients_send_id_fkey');
  create trigger send_recipients_fk_workspace before update of workspace_id on send_recipients
    for each row when (old.workspace_id is distinct from new.workspace_id) execute function fk_child_key_fixed('workspace_id', 'send_recipients_workspace_id_fkey');
  create trigger send_recipients_fk_contact before update of contact_id on send_recipients
    for each row when (old.contact_id is distinct from new.contact_id) execute function fk_child_key_fixed('contact_id', 'send_recipients_contact_id_fkey');

  -- Beside 0101's triggers on workspaces and contacts (left as they are), and on sends, whose other children keep
  -- their row-level keys. fk_cascade_delete and fk_parent_key_guard compare keys in SQL, of any type.
  create trigger sends_outbox_fk_cascade after delete on sends referencing old table as old_rows
    for each statement execute function fk_cascade_delete('send_recipients', 'send_id');
  create trigger workspaces_outbox_fk_cascade after delete on workspaces referencing old table as old_rows
    for each statement execute function fk_cascade_delete('send_recipients', 'workspace_id');
  create trigger contacts_outbox_fk_cascade after delete on contacts referencing old table as old_rows
    for each statement execute function fk_cascade_delete('send_recipients', 'contact_id');

  create trigger sends_outbox_fk_key after update of id on sends for each row when (old.id is distinct from new.id)
    execute function fk_parent_key_guard('send_recipients', 'send_id');
  create trigger workspaces_outbox_fk_key after update of id on workspaces for each row when (old.id is distinct from new.id)
    execute function fk_parent_key_guard('send_recipients', 'workspace_id');
  create trigger contacts_outbox_fk_key after update of id on contacts for each row when (old.id is distinct from new.id)
    execute function fk_parent_key_guard('send_recipients', 'contact_id');
  `.execute(db);
}
