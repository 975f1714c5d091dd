/** `/api/v1/contacts/:id/consents`: the consent ledger of one contact: read, append, withdraw. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { findContact } from '../contacts/contacts.repository.js';
import { AppError } from '../errors.js';
import type { AppDeps } from '../server/app.js';
import { defineRoute } from '../server/route.js';
import { appendConsentEvent } from './append-consent-event.js';
import { consentCreateSchema, consentToJson, withdrawSchema } from './consent-schemas.js';
import { listConsentEvents } from './consents.repository.js';
import { withdrawConsent } from './withdraw-consent.js';

const contactParams = z.object({ id: z.uuid() });
const consentParams = z.object({ id: z.uuid(), consentId: z.uuid() });

export default async function consentsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const tags = ['consents'];
  defineRoute(app, { method: 'GET', url: '/contacts/:id/consents', summary: 'The consent ledger of a contact, oldest first', tags, role: 'viewer', params: contactParams },
    async ({ params, auth }) => {
      if (!(await findContact(deps.db, auth.workspaceId, params.id))) throw new AppError('not_found', `contact ${params.id} not found`);
      return { items: (await listConsentEvents(deps.db, auth.workspaceId, params.id)).map(consentToJson) };
    });

  defineRoute(app, { method: 'POST', url: '/contacts/:id/consents', summary: 'Append a consent event (recorded by staff: it never lifts a suppression)', tags, role: 'editor', params: contactParams, body: consentCreateSchema, status: 201 },
    async ({ params, body, auth, request }) => {
      const { event } = await appendConsentEvent({ db: deps.db, workspaceId: auth.workspaceId, contactId: params.id, input: body, origin: 'staff', actor: auth.actor, ip: request.ip, now: deps.now() });
      return consentToJson(event);
    });

  defineRoute(app, { method: 'POST', url: '/contacts/:id/consents/:consentId/withdraw', summary: 'Record the withdrawal of a consent', tags, role: 'editor', params: consentParams, body: withdrawSchema },
    async ({ params, body, auth, request }) => consentToJson(await withdrawConsent({
      db: deps.db, workspaceId: auth.workspaceId, contactId: params.id, consentId: params.consentId,
      at: body.at ? new Date(body.at) : undefined, actor: auth.actor, ip: request.ip, now: deps.now(),
    })));
}
