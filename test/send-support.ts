/**
 * Fixtures for the campaign and sending suites: a workspace with a sender profile (DKIM key generated), a list,
 * and contacts stored with the facts the engine reads (consents with evidence, suppressions).
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../src/db/database.js';
import { createWorkspace } from '../src/workspaces/create-workspace.js';
import { saveSenderProfile } from '../src/senders/save-sender-profile.js';
import { findSenderProfile } from '../src/senders/senders.repository.js';
import { importDkimKey } from '../src/senders/dkim-key.js';

export const system = { type: 'system' as const, id: null };

export type ContactSpec = { email: string; country?: string; consent?: 'double_opt_in' | 'none'; suppressed?: boolean; fields?: Record<string, unknown> };

export async function aWorkspace(db: Db, now = new Date()) {
  const ws = await createWorkspace({ db, name: `Shop ${randomBytes(3).toString('hex')}`, actor: system, now });
  const saved = await saveSenderProfile({
    db, workspaceId: ws.id, now,
    input: {
      company: 'Shop SAS', address: '1 rue de la Paix, 75002 Paris, France', registration: 'RCS Paris 123 456 789',
      representative: 'Jeanne Martin', postalAddress: '1 rue de la Paix, 75002 Paris, France', contactEmail: 'contact@shop.example',
      domains: ['shop.example'], returnPathDomain: 'bounces.shop.example', dkimSelector: 'lw1',
    },
  });
  if (!saved.ok) throw saved.error;
  const profile = (await findSenderProfile(db, ws.id))!;
  const key = importDkimKey({ domain: 'shop.example', selector: 'lw1', pem: profile.dkimPrivateKeyPem });
  if (!key.ok) throw key.error;
  const list = await db.insertInto('lists').values({ workspace_id: ws.id, name: 'Newsletter' }).returning('id').executeTakeFirstOrThrow();
  return { workspaceId: ws.id, listId: list.id, dnsRecord: key.value.dnsRecord };
}

/** Inserts contacts on the list; returns their ids in order. */
export async function someContacts(db: Db, ws: { workspaceId: string; listId: string }, specs: ContactSpec[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < specs.length; i += 500) {
    const chunk = specs.slice(i, i + 500);
    const rows = await db.insertInto('contacts').values(chunk.map((s) => ({
      workspace_id: ws.workspaceId, email: s.email, country: s.country ?? 'FR', source_type: 'web_form', source_at: '2026-01-01T00:00:00Z',
      custom_fields: JSON.stringify(s.fields ?? {}),
    }))).returning('id').execute();
    const chunkIds = rows.map((r) => r.id);
    ids.push(...chunkIds);
    const consents = chunk.map((s, j) => ({ s, id: chunkIds[j] })).filter((x) => (x.s.consent ?? 'double_opt_in') === 'double_opt_in');
    if (consents.length) {
      await db.insertInto('consent_events').values(consents.map((x) => ({
        workspace_id: ws.workspaceId, contact_id: x.id, channel: 'email' as const, method: 'double_opt_in',
        at: '2026-01-01T00:00:00Z', confirmed_at: '2026-01-01T00:10:00Z', evidence: JSON.stringify({ formId: 'f1', formVersion: 1, ip: '192.0.2.1' }),
      }))).execute();
    }
    const suppressed = chunk.map((s, j) => ({ s, id: chunkIds[j] })).filter((x) => x.s.suppressed);
    if (suppressed.length) {
      await db.insertInto('suppressions').values(suppressed.map((x) => ({ workspace_id: ws.workspaceId, contact_id: x.id, reason: 'unsubscribe' as const, at: '2026-02-01T00:00:00Z' }))).execute();
    }
    await db.insertInto('list_memberships').values(chunkIds.map((id) => ({ workspace_id: ws.workspaceId, list_id: ws.listId, contact_id: id }))).execute();
  }
  return ids;
}
