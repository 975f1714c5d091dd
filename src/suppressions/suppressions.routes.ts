/** `/api/v1/suppressions`: list, add (by contact or address), and lift a manual one. Nothing else lifts. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CHANNELS, SUPPRESSION_REASONS, SUPPRESSION_SCOPES } from '../engine/types.js';
import { knownFields } from '../server/known-fields.js';
import { isoDateTime } from '../contacts/contact-schemas.js';
import { findContact } from '../contacts/contacts.repository.js';
import type { AppDeps } from '../server/app.js';
import { defineRoute } from '../server/route.js';
import { addSuppression } from './add-suppression.js';
import { liftSuppression } from './lift-suppression.js';
import { listSuppressions, type SuppressionRow } from './suppressions.repository.js';

const toJson = (s: SuppressionRow & { email?: string | null }) => ({
  id: s.id, contactId: s.contact_id, email: s.email ?? null, reason: s.reason, channel: s.channel, scope: s.scope, at: s.at.toISOString(),
  source: s.source, liftedAt: s.lifted_at?.toISOString() ?? null,
});

export default async function suppressionsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const tags = ['suppressions'];
  defineRoute(app, { method: 'GET', url: '/suppressions', summary: 'Suppressions (active unless includeLifted=true)', tags, role: 'viewer',
    query: z.object({ contactId: z.uuid().optional(), reason: z.enum(SUPPRESSION_REASONS).optional(), includeLifted: z.enum(['true', 'false']).optional(),
      after: z.uuid().optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  async ({ query, auth }) => {
    const rows = await listSuppressions(deps.db, { workspaceId: auth.workspaceId, ...query, includeLifted: query.includeLifted === 'true', limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return { items: page.map(toJson), next: rows.length > query.limit ? page[page.length - 1].id : null };
  });

  defineRoute(app, { method: 'POST', url: '/suppressions', summary: 'Suppress a contact, or an address not yet known (kept as a tombstone)', tags, role: 'editor', status: 201,
    // a misspelt key is named and a field left out is "required" (as campaign bodies); contactId or email, always
    body: knownFields({
      contactId: z.uuid().optional(), email: z.string().max(320).optional(), reason: z.enum(SUPPRESSION_REASONS),
      channel: z.enum([...CHANNELS, 'all']).optional(), scope: z.enum(SUPPRESSION_SCOPES).optional(), at: isoDateTime.optional(),
    }, { aliases: { address: 'email', contact: 'contactId' } }).superRefine((b, ctx) => {
      if (b && typeof b === 'object' && !b.contactId && !b.email) ctx.addIssue({ code: 'custom', path: ['email'], message: 'required: the address to suppress (or a contactId)' });
    }, { when: () => true }) },
  async ({ body, auth, request }) => {
    const r = await addSuppression({ db: deps.db, workspaceId: auth.workspaceId, contactId: body.contactId, email: body.email, reason: body.reason, channel: body.channel, scope: body.scope,
      at: body.at ? new Date(body.at) : undefined, actor: auth.actor, ip: request.ip, now: deps.now() });
    if (!r.suppression) return { tombstone: true, reason: body.reason };
    const contact = await findContact(deps.db, auth.workspaceId, r.suppression.contact_id);
    return toJson({ ...r.suppression, email: contact?.email ?? null });
  });

  defineRoute(app, { method: 'DELETE', url: '/suppressions/:id', summary: 'Lift a manual suppression (any other reason answers 409 protection)', tags, role: 'admin', params: z.object({ id: z.uuid() }) },
    async ({ params, auth, request }) => { await liftSuppression({ db: deps.db, workspaceId: auth.workspaceId, id: params.id, actor: auth.actor, ip: request.ip, now: deps.now() }); });
}
