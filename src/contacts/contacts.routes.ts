/** `/api/v1/contacts`: create, read, update, export (access request), erase, search by email, keyset paging. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../server/app.js';
import { defineRoute } from '../server/route.js';
import { AppError } from '../errors.js';
import { contactCreateSchema, contactUpdateSchema, contactView, idParams } from './contact-schemas.js';
import { contactToJson } from './contact-view.js';
import { findContact, listContacts } from './contacts.repository.js';
import { createContact } from './create-contact.js';
import { eraseContact } from './erase-contact.js';
import { exportContactData } from './export-contact-data.js';
import { updateContact } from './update-contact.js';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  after: z.uuid().optional(),
  email: z.string().max(320).optional(),
  q: z.string().min(1).max(320).optional(),
});

export default async function contactsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const tags = ['contacts'];
  defineRoute(app, { method: 'POST', url: '/contacts', summary: 'Create a contact', tags, role: 'editor', body: contactCreateSchema, response: contactView, status: 201 },
    async ({ body, auth, request }) => contactToJson(await createContact({ db: deps.db, workspaceId: auth.workspaceId, input: body, actor: auth.actor, ip: request.ip, now: deps.now() })));

  defineRoute(app, { method: 'GET', url: '/contacts', summary: 'List contacts (keyset paging by `after`; `email` exact match, `q` substring)', tags, role: 'viewer', query: listQuery,
    response: z.object({ items: z.array(contactView), next: z.string().nullable() }) },
  async ({ query, auth }) => {
    const rows = await listContacts(deps.db, { workspaceId: auth.workspaceId, ...query, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return { items: page.map(contactToJson), next: rows.length > query.limit ? page[page.length - 1].id : null };
  });

  defineRoute(app, { method: 'GET', url: '/contacts/:id', summary: 'Read a contact', tags, role: 'viewer', params: idParams, response: contactView },
    async ({ params, auth }) => {
      const row = await findContact(deps.db, auth.workspaceId, params.id);
      if (!row) throw new AppError('not_found', `contact ${params.id} not found`);
      return contactToJson(row);
    });

  defineRoute(app, { method: 'PATCH', url: '/contacts/:id', summary: 'Update a contact (absent fields stay; suppressions cannot be changed here)', tags, role: 'editor', params: idParams, body: contactUpdateSchema, response: contactView },
    async ({ params, body, auth, request }) => contactToJson(await updateContact({ db: deps.db, workspaceId: auth.workspaceId, id: params.id, input: body, actor: auth.actor, ip: request.ip, now: deps.now() })));

  // The same document as the person's own "my data" download, so an access request by letter gets the same answer.
  defineRoute(app, { method: 'GET', url: '/contacts/:id/export', summary: 'Everything held about a contact, as the person\'s own access export (JSON; audited): for an access request (GDPR Art. 15) that came by mail or letter', tags, role: 'admin', params: idParams },
    async ({ params, auth, request, reply }) => {
      const r = await exportContactData({ db: deps.db, workspaceId: auth.workspaceId, contactId: params.id, actor: auth.actor, ip: request.ip, now: deps.now() });
      if (!r.ok) throw r.error;
      reply.header('Content-Disposition', `attachment; filename="contact-${params.id}.json"`);
      return r.value;
    });

  defineRoute(app, { method: 'DELETE', url: '/contacts/:id', summary: 'Erase a contact: everything is deleted but a tombstone keeps the address suppressed', tags, role: 'admin', params: idParams },
    async ({ params, auth, request }) => { await eraseContact({ db: deps.db, workspaceId: auth.workspaceId, id: params.id, actor: auth.actor, ip: request.ip, now: deps.now() }); });
}
