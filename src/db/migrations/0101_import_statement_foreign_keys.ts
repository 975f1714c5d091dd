// The import's hot tables (contacts, consent_events, list_memberships) check their six foreign keys once per
// statement instead of once per row. A row-level foreign key runs one SPI query per inserted row (~7 µs each,
// six per imported address: more than the whole COPY of the row costs); a statement trigger over the
// transition table runs one set-based anti-join per statement. Integrity stays the same:
//  - insert/update of a child: every referenced key must exist; the parents are locked FOR KEY SHARE, as a
//    foreign key check locks them, so a parent deleted meanwhile is seen missing (23503, same constraint name);
//  - delete of a parent: its children are deleted in the same statement (ON DELETE CASCADE), through the
//    children's own triggers (the consent ledger's guard still refuses deletes outside erasure);
//  - a parent's id is never changed while a child references it (ON UPDATE NO ACTION).
// Trigger arguments are triples: child column, parent table, constraint name (the dropped foreign key's).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function fk_check_children() returns trigger language plpgsql as $$
    declare
      i int := 0;
      keys uuid[];
      found bigint;
      missing text;
      -- this transaction's id as a row's xmin holds it: parents it created itself exist and no one else can
      -- delete them, so they need no lock (an import's new contacts, referenced by their consent and membership)
      own xid := (pg_current_xact_id()::text::bigint % 4294967296)::text::xid;
    begin
      while i < tg_nargs loop
        -- the distinct keys this statement newly references (on update: only those the old rows did not hold)
        if tg_op = 'UPDATE' then
          execute format('select array_agg(k) from (select %1$I as k from new_rows where %1$I is not null except select %1$I from old_rows) a', tg_argv[i]) into keys;
        else
          execute format('select array_agg(distinct %1$I) from new_rows where %1$I is not null', tg_argv[i]) into keys;
        end if;
        if keys is not null then
          execute format('select count(*) from %I p where p.id = any($1) and p.xmin = $2', tg_argv[i + 1]) using keys, own into found;
          if found < cardinality(keys) then
            -- lock the other parents as a foreign key check does, then count them again with a fresh snapshot: a
            -- parent deleted by a transaction that committed while we waited for its lock is then seen missing
            execute format('select 1 from %I p where p.id = any($1) and p.xmin <> $2 for key share of p', tg_argv[i + 1]) using keys, own;
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

    -- On a parent: arguments are pairs child table, child column. Deletes cascade; an id still referenced never changes.
    create function fk_cascade_delete() returns trigger language plpgsql as $$
    declare i int := 0;
    begin
      while i < tg_nargs loop
        execute format('delete from %1$I c where c.%2$I in (select id from old_rows)', tg_argv[i], tg_argv[i + 1]);
        i := i + 2;
      end loop;
      return null;
    end $$;

    create function fk_parent_key_guard() returns trigger language plpgsql as $$
    declare
      i int := 0;
      held boolean;
    begin
      while i < tg_nargs loop
        execute format('select exists (select 1 from %1$I c where c.%2$I = $1)', tg_argv[i], tg_argv[i + 1]) using old.id into held;
        if held then
          raise exception 'update or delete on table "%" violates foreign key constraint "%_%_fkey" on table "%"', tg_table_name, tg_argv[i], tg_argv[i + 1], tg_argv[i]
            using errcode = 'foreign_key_violation', detail = format('Key (id)=(%s) is still referenced from table "%s".', old.id, tg_argv[i]);
        end if;
        i := i + 2;
      end loop;
      return new;
    end $$;

    alter table contacts drop constraint contacts_workspace_id_fkey;
    alter table consent_events drop constraint consent_events_workspace_id_fkey;
    alter table consent_events drop constraint consent_events_contact_id_fkey;
    alter table list_memberships drop constraint list_memberships_workspace_id_fkey;
    alter table list_memberships drop constraint list_memberships_list_id_fkey;
    alter table list_memberships drop constraint list_memberships_contact_id_fkey;

    create trigger contacts_fk_insert after insert on contacts referencing new table as new_rows
      for each statement execute function fk_check_children('workspace_id', 'workspaces', 'contacts_workspace_id_fkey');
    create trigger contacts_fk_update after update on contacts referencing old table as old_rows new table as new_rows
      for each statement execute function fk_check_children('workspace_id', 'workspaces', 'contacts_workspace_id_fkey');
    create trigger consent_events_fk_insert after insert on consent_events referencing new table as new_rows
      for each statement execute function fk_check_children(
        'workspace_id', 'workspaces', 'consent_events_workspace_id_fkey', 'contact_id', 'contacts', 'consent_events_contact_id_fkey');
    create trigger consent_events_fk_update after update on consent_events referencing old table as old_rows new table as new_rows
      for each statement execute function fk_check_children(
        'workspace_id', 'workspaces', 'consent_events_workspace_id_fkey', 'contact_id', 'contacts', 'consent_events_contact_id_fkey');
    create trigger list_memberships_fk_insert after insert on list_memberships referencing new table as new_rows
      for each statement execute function fk_check_children(
        'workspace_id', 'workspaces', 'list_memberships_workspace_id_fkey', 'list_id', 'lists', 'list_memberships_list_id_fkey',
        'contact_id', 'contacts', 'list_memberships_contact_id_fkey');
    create trigger list_memberships_fk_update after update on list_memberships referencing old table as old_rows new table as new_rows
      for each statement execute function fk_check_children(
        'workspace_id', 'workspaces', 'list_memberships_workspace_id_fkey', 'list_id', 'lists', 'list_memberships_list_id_fkey',
        'contact_id', 'contacts', 'list_memberships_contact_id_fkey');

    create trigger workspaces_fk_cascade after delete on workspaces referencing old table as old_rows
      for each statement execute function fk_cascade_delete('contacts', 'workspace_id', 'consent_events', 'workspace_id', 'list_memberships', 'workspace_id');
    create trigger contacts_fk_cascade after delete on contacts referencing old table as old_rows
      for each statement execute function fk_cascade_delete('consent_events', 'contact_id', 'list_memberships', 'contact_id');
    create trigger lists_fk_cascade after delete on lists referencing old table as old_rows
      for each statement execute function fk_cascade_delete('list_memberships', 'list_id');

    create trigger workspaces_fk_key after update of id on workspaces for each row when (old.id is distinct from new.id)
      execute function fk_parent_key_guard('contacts', 'workspace_id', 'consent_events', 'workspace_id', 'list_memberships', 'workspace_id');
    create trigger contacts_fk_key after update of id on contacts for each row when (old.id is distinct from new.id)
      execute function fk_parent_key_guard('consent_events', 'contact_id', 'list_memberships', 'contact_id');
    create trigger lists_fk_key after update of id on lists for each row when (old.id is distinct from new.id)
      execute function fk_parent_key_guard('list_memberships', 'list_id');
  `.execute(db);
}
