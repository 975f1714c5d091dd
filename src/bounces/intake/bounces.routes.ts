/**
 * `/api/v1/bounces`: upload returned mail (.eml or mbox, as the raw body), read what intake recorded (returned
 * mail, actions, sender problems), the workspace's soft-bounce threshold, and circuit-breaker trips (with resume).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../server/app.js';
import { defineRoute } from '../../server/route.js';
import { DEFAULT_SOFT_BOUNCE_POLICY } from '../actions.js';
import { splitMbox } from '../mbox.js';
import { findBounceSettings, listActions, listReturnedMail, listTrips, saveBounceSettings } from './intake.repository.js';
import { ingestReturnedMail } from './ingest-returned-mail.js';
import { resumeTrippedSend } from './resume-tripped-send.js';

const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
const MAIL_TYPES = ['message/rfc822', 'application/mbox', 'application/octet-stream', 'text/plain'];
const page = { limit: z.coerce.number().int().min(1).max(500).default(100), before: z.coerce.number().int().positive().optional() };

export default async function bouncesRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // Raw mail arrives as the body itself; JSON stays JSON for the other routes.
  app.addContentTypeParser(MAIL_TYPES, { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES }, (_req, body, done) => done(null, body));
  // Any other type (curl -d sends application/x-www-form-urlencoded) is told which types the upload takes; the
  // server-wide answer said "send application/json", which this route does not read
  app.addContentTypeParser('*', (request, _payload, done) => done(wrongMailType(request.headers['content-type'])));
  const tags = ['bounces'];

  defineRoute(app, {
    method: 'POST', url: '/bounces', role: 'editor', tags,
    summary: 'Upload returned mail: one message (Content-Type message/rfc822) or an mbox file (application/mbox); each is matched to this workspace\'s sends and acted on',
    query: z.object({ format: z.enum(['eml', 'mbox']).optional() }),
  }, async ({ auth, request, query }) => {
    const body = request.body;
    if (body !== undefined && body !== null && !Buffer.isBuffer(body)) throw wrongMailType(request.headers['content-type']);
    if (!Buffer.isBuffer(body) || body.length === 0) {
      throw new AppError('invalid_input', 'send the message as the body (message/rfc822) or an mbox file (application/mbox)', {
        userMessage: 'Send the returned mail as the request body, with Content-Type message/rfc822 or application/mbox.',
        details: { issues: [{ path: 'body', message: 'a message/rfc822 or application/mbox body is required' }] },
      });
    }
    const mbox = query.format === 'mbox' || (query.format === undefined && (request.headers['content-type'] ?? '').startsWith('application/mbox'))
      || (query.format === undefined && body.subarray(0, 5).toString('latin1') === 'From ');
    const messages = mbox ? splitMbox(body) : [body];
    const results = [];
    for (const raw of messages) {
      const r = await ingestReturnedMail({ db: deps.db, secret: deps.config.secretKey, now: deps.now(), source: 'upload', raw, workspaceId: auth.workspaceId });
      results.push({ id: r.id, kind: r.kind, outcome: r.outcome, duplicate: r.duplicate, recipients: r.recipients, paused: r.trips, ...(r.error ? { error: r.error } : {}) });
    }
    return { messages: results.length, results };
  });

  defineRoute(app, {
    method: 'GET', url: '/bounces', role: 'viewer', tags, summary: 'Returned mail recorded for this workspace, newest first (unmatched mail included)',
    query: z.object({ outcome: z.enum(['acted', 'unmatched', 'ignored', 'unreadable']).optional(), ...page }),
  }, async ({ auth, query }) => ({ items: (await listReturnedMail(deps.db, auth.workspaceId, query)).map(returnedMailJson) }));

  defineRoute(app, {
    method: 'GET', url: '/bounces/actions', role: 'viewer', tags, summary: 'What intake did per recipient (suppress_hard, count_soft, sender_problem, complaint, unsubscribe, none)',
    query: z.object({ action: z.enum(['suppress_hard', 'count_soft', 'sender_problem', 'complaint', 'unsubscribe', 'none']).optional(), sendId: z.coerce.number().int().positive().optional(), ...page }),
  }, async ({ auth, query }) => ({ items: (await listActions(deps.db, auth.workspaceId, query)).map(actionJson) }));

  defineRoute(app, {
    method: 'GET', url: '/bounces/sender-problems', role: 'viewer', tags,
    summary: 'Refusals because of the sender (5.7.x, blocked, spam, authentication): recipients were not suppressed',
    query: z.object(page),
  }, async ({ auth, query }) => ({ items: (await listActions(deps.db, auth.workspaceId, { ...query, action: 'sender_problem' })).map(actionJson) }));

  defineRoute(app, {
    method: 'GET', url: '/bounces/settings', role: 'viewer', tags, summary: 'The soft-bounce threshold: suppressed after `softCount` soft bounces within `softDays` days',
  }, async ({ auth }) => settingsJson(await findBounceSettings(deps.db, auth.workspaceId)));

  defineRoute(app, {
    method: 'PUT', url: '/bounces/settings', role: 'admin', tags, summary: 'Set the soft-bounce threshold of this workspace',
    body: z.object({ softCount: z.number().int().min(1).max(100), softDays: z.number().int().min(1).max(365) }).strict(),
  }, async ({ auth, body }) => {
    await saveBounceSettings(deps.db, auth.workspaceId, { count: body.softCount, days: body.softDays }, deps.now());
    return settingsJson({ count: body.softCount, days: body.softDays });
  });

  defineRoute(app, {
    method: 'GET', url: '/bounces/circuit-breaker', role: 'viewer', tags, summary: 'Sends the circuit breaker paused, with the reason and the figures',
    query: z.object({ limit: page.limit }),
  }, async ({ auth, query }) => ({ items: (await listTrips(deps.db, auth.workspaceId, query.limit)).map(tripJson) }));

  defineRoute(app, {
    method: 'POST', url: '/bounces/circuit-breaker/:sendId/resume', role: 'editor', tags, summary: 'Resume a send the circuit breaker paused',
    params: z.object({ sendId: z.coerce.number().int().positive() }),
  }, async ({ auth, params }) => {
    const r = await resumeTrippedSend({ db: deps.db, workspaceId: auth.workspaceId, sendId: params.sendId, actor: auth.actor, now: deps.now() });
    if (!r.ok) throw r.error;
    return r.value;
  });
}

/** The upload reads a returned mail's raw bytes; JSON notifications from a provider have their own webhook. */
function wrongMailType(contentType: string | undefined): AppError {
  const type = (contentType ?? '').split(';')[0].trim() || 'none';
  return new AppError('invalid_input', `POST /api/v1/bounces does not take Content-Type ${type}`, {
    userMessage: `Content-Type ${type} is not taken here. Send the returned mail itself as the request body: message/rfc822 for one mail (.eml), `
      + `application/mbox for a mailbox file (text/plain and application/octet-stream are read as a mail too), e.g. `
      + `curl --data-binary @bounce.eml -H 'Content-Type: message/rfc822'. A provider's JSON notifications go to `
      + `/webhooks/bounces/ses, /sendgrid, /mailgun or /postmark.`,
    details: { issues: [{ path: 'content-type', message: `${type} is not taken; send message/rfc822 or application/mbox` }] },
  });
}

function settingsJson(s: { count: number; days: number } | undefined) {
  const v = s ?? DEFAULT_SOFT_BOUNCE_POLICY;
  return { softCount: v.count, softDays: v.days, default: s === undefined };
}

// camelCase as every other answer (it said `received_at`, and its id was a string on PostgreSQL's bigint)
function returnedMailJson(m: { id: number; source: string; kind: string; outcome: string; report: unknown; matches: unknown; received_at: Date }) {
  return { id: Number(m.id), source: m.source, kind: m.kind, outcome: m.outcome, report: m.report, matches: m.matches, receivedAt: m.received_at };
}

function actionJson(a: { id: number; returned_mail_id: number; send_id: number | null; contact_id: string | null; address: string; action: string; effect: string; reason: string; status: string; diagnostic: string; at: Date }) {
  return {
    id: Number(a.id), returnedMailId: Number(a.returned_mail_id), sendId: a.send_id === null ? null : Number(a.send_id), contactId: a.contact_id,
    address: a.address, action: a.action, effect: a.effect, reason: a.reason, status: a.status, diagnostic: a.diagnostic, at: a.at,
  };
}

function tripJson(t: { send_id: number; campaign_id: string; reason: string; rate: number; threshold: number; sends: number; hard_bounces: number; complaints: number; tripped_at: Date; resumed_at: Date | null; resumed_by: string | null }) {
  const what = t.reason === 'hard_bounce_rate' ? 'hard-bounce rate' : 'complaint rate';
  return {
    sendId: Number(t.send_id), campaignId: t.campaign_id, reason: t.reason, rate: Number(t.rate), threshold: Number(t.threshold),
    sends: t.sends, hardBounces: t.hard_bounces, complaints: t.complaints, trippedAt: t.tripped_at, resumedAt: t.resumed_at, resumedBy: t.resumed_by,
    explanation: `Paused: ${what} ${(Number(t.rate) * 100).toFixed(2)}% passed the limit of ${(Number(t.threshold) * 100).toFixed(1)}% over ${t.sends} sends.`,
  };
}
