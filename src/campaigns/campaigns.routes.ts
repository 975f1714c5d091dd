/**
 * `/api/v1/campaigns` and `/api/v1/sender-profile`: drafts, the check before sending (counts by verdict and block
 * code, and the gate's failures), starting or scheduling a send with the anti-spam acknowledgement, rescheduling,
 * pause/resume/cancel, and "why did (or didn't) this contact get it".
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { findContactByEmail } from '../contacts/contacts.repository.js';
import { AppError, type Result } from '../errors.js';
import type { AppDeps } from '../server/app.js';
import { defineRoute } from '../server/route.js';
import { saveSenderProfile, viewOf } from '../senders/save-sender-profile.js';
import { findSenderProfile } from '../senders/senders.repository.js';
import { campaignInputSchema, sendTimeSchema, type Campaign } from './campaign.js';
import { afterSendingCounts, afterSendingEvents, afterSendingSummary } from './after-sending.js';
import { countAfterSending, countRecipientStates, findAfterSending, findCampaign, findPausedAt, findRecipient, latestSendOf, listCampaigns } from './campaigns.repository.js';
import { tellOutbox } from './outbox-story.js';
import { controlSend } from './control-send.js';
import { createCampaign } from './create-campaign.js';
import { knownFields } from '../server/known-fields.js';
import { previewCampaign } from './preview-campaign.js';
import { previewMessage } from './preview-message.js';
import { latestScheduleOf } from './schedules.repository.js';
import { rescheduleSend } from './reschedule-send.js';
import { sendCampaign } from './send-campaign.js';
import { ANTI_SPAM_TERMS } from './start-send.js';
import { updateCampaign } from './update-campaign.js';

const idParams = z.object({ id: z.uuid() });
const unwrap = <T>(r: Result<T>): T => { if (!r.ok) throw r.error; return r.value; };
// Who and what first, the bodies last: read with curl, a campaign's id no longer sits after 50 KB of HTML.
const view = ({ id, name, status, html, text, ...c }: Campaign) => ({ id, name, status, ...c, createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString(), html, text });
/** A campaign in a list: everything but the bodies. */
const summary = ({ id, name, status, ...c }: Omit<Campaign, 'html' | 'text'>) => ({ id, name, status, ...c, createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString() });

export default async function campaignsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const tags = ['campaigns'];
  const { db, config } = deps;
  // A campaign without a send (or schedule) is found, and the answer says so rather than a bare "Not found."
  const nothingYet = async (workspaceId: string, campaignId: string, what: string) => (await findCampaign(db, workspaceId, campaignId))
    ? new AppError('not_found', `campaign ${campaignId} ${what}`, { userMessage: `This campaign ${what}.` })
    : new AppError('not_found', `campaign ${campaignId}`);
  // Asked for a send while the campaign waits for its time: say when it starts rather than "has not been sent yet".
  const notSentYet = async (workspaceId: string, campaignId: string) => {
    const schedule = await latestScheduleOf(db, workspaceId, campaignId);
    if (schedule?.status !== 'pending') return nothingYet(workspaceId, campaignId, 'has not been sent yet');
    const at = schedule.run_at.toISOString();
    return new AppError('not_found', `campaign ${campaignId} is scheduled`, {
      userMessage: `This campaign is scheduled for ${at} and has not started yet: its audience is judged then (GET /api/v1/campaigns/${campaignId}/schedule shows the schedule).`,
    });
  };

  defineRoute(app, { method: 'GET', url: '/sender-profile', summary: 'The sender profile: imprint, postal address, domains, DKIM DNS record (never the key)', tags, role: 'viewer' },
    async ({ auth }) => {
      const p = await findSenderProfile(db, auth.workspaceId);
      if (!p) throw new AppError('not_found', 'no sender profile', { userMessage: 'This workspace has no sender profile yet: an admin saves it with PUT /api/v1/sender-profile (imprint, postal address, sending domains).' });
      return viewOf(p);
    });

  defineRoute(app, { method: 'PUT', url: '/sender-profile', summary: 'Save the sender profile; a DKIM key is generated unless one is imported as PEM', tags, role: 'admin', body: z.record(z.string(), z.unknown()) },
    async ({ body, auth }) => unwrap(await saveSenderProfile({ db, workspaceId: auth.workspaceId, input: body, now: deps.now() })));

  defineRoute(app, { method: 'POST', url: '/campaigns', summary: 'Create a draft campaign', tags, role: 'editor', body: campaignInputSchema, status: 201 },
    async ({ body, auth }) => view(unwrap(await createCampaign({ db, workspaceId: auth.workspaceId, input: body, now: deps.now() }))));

  defineRoute(app, { method: 'GET', url: '/campaigns', summary: 'List campaigns, newest first, without their bodies (read one for its HTML and text; page with `before`)', tags, role: 'viewer',
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), before: z.uuid().optional() }) },
    async ({ query, auth }) => {
      const rows = await listCampaigns(db, auth.workspaceId, query.limit + 1, query.before);
      const page = rows.slice(0, query.limit);
      return { items: page.map(summary), next: rows.length > query.limit ? page[page.length - 1].id : null };
    });

  defineRoute(app, { method: 'GET', url: '/campaigns/:id', summary: 'Read a campaign', tags, role: 'viewer', params: idParams },
    async ({ params, auth }) => {
      const c = await findCampaign(db, auth.workspaceId, params.id);
      if (!c) throw new AppError('not_found', `campaign ${params.id}`);
      return view(c);
    });

  defineRoute(app, { method: 'PUT', url: '/campaigns/:id', summary: 'Replace a draft campaign', tags, role: 'editor', params: idParams, body: campaignInputSchema },
    async ({ params, body, auth }) => view(unwrap(await updateCampaign({ db, workspaceId: auth.workspaceId, campaignId: params.id, input: body, now: deps.now(), secret: config.secretKey, baseUrl: config.baseUrl }))));

  defineRoute(app, { method: 'POST', url: '/campaigns/:id/check', summary: 'Check before sending: the gate, and the audience by verdict and block code', tags, role: 'editor', params: idParams },
    async ({ params, auth }) => {
      const p = unwrap(await previewCampaign({ db, workspaceId: auth.workspaceId, campaignId: params.id, secret: config.secretKey, baseUrl: config.baseUrl, now: deps.now() }));
      const { total, byVerdict, byBlockCode } = p.audience;
      return { ok: p.check.ok, failures: p.check.failures, audience: { total, byVerdict, byBlockCode }, acknowledgement: ANTI_SPAM_TERMS };
    });

  defineRoute(app, { method: 'GET', url: '/campaigns/:id/preview', summary: 'The mail as a recipient reads it (subject, HTML, text, footer), for one contact (`contact`: its id or email address) or none; links untracked, unsubscribe links placeholders', tags, role: 'viewer', params: idParams,
    query: z.object({ contact: z.union([z.uuid(), z.email()], { error: 'must be a contact\'s id or email address' }).optional() }) },
  async ({ params, query, auth }) => unwrap(await previewMessage({ db, workspaceId: auth.workspaceId, campaignId: params.id, baseUrl: config.baseUrl, contact: query.contact })));

  defineRoute(app, { method: 'POST', url: '/campaigns/:id/send', summary: 'Start sending, or schedule the send when `scheduledAt` is still ahead; `acknowledge: true` confirms the anti-spam terms (recorded with who and when)', tags, role: 'editor', params: idParams,
    body: knownFields({ acknowledge: z.boolean().default(false) }, { aliases: { acknowledged: 'acknowledge', ack: 'acknowledge' }, elsewhere: {
      scheduledAt: 'the send time is the campaign\'s scheduledAt: set it with PUT /api/v1/campaigns/:id, then send (a scheduled send moves with /reschedule)',
    } }), status: 202 },
  async ({ params, body, auth, request }) => {
    const r = unwrap(await sendCampaign({ db, workspaceId: auth.workspaceId, campaignId: params.id, actor: auth.actor, acknowledged: body.acknowledge, secret: config.secretKey, baseUrl: config.baseUrl, now: deps.now(), ip: request.ip }));
    if (r.status === 'scheduled') {
      const { total, byVerdict, byBlockCode } = r.audience;
      return { status: r.status, scheduleId: r.scheduleId, scheduledAt: r.runAt.toISOString(), acknowledgedBy: r.acknowledgedBy, acknowledgedAt: r.acknowledgedAt.toISOString(), audienceNow: { total, byVerdict, byBlockCode } };
    }
    return { status: r.status, sendId: r.sendId, acknowledgedBy: r.acknowledgedBy, acknowledgedAt: r.acknowledgedAt.toISOString(), queued: r.queued, blocked: r.blocked, byBlockCode: r.preview.audience.byBlockCode };
  });

  defineRoute(app, { method: 'GET', url: '/campaigns/:id/schedule', summary: 'The latest scheduled send: when, the acknowledgement (who, when), its state (`pending`, `started` with its send, `cancelled`, `failed` with the reason)', tags, role: 'viewer', params: idParams },
    async ({ params, auth }) => {
      const s = await latestScheduleOf(db, auth.workspaceId, params.id);
      if (!s) throw await nothingYet(auth.workspaceId, params.id, 'has never been scheduled');
      return { scheduleId: s.id, status: s.status, scheduledAt: s.run_at.toISOString(), acknowledgedBy: s.acknowledged_by, acknowledgedAt: s.acknowledged_at.toISOString(), sendId: s.send_id, error: s.error };
    });

  defineRoute(app, { method: 'POST', url: '/campaigns/:id/reschedule', summary: 'Move a scheduled send before it starts; a past time starts it at the next round of a send worker', tags, role: 'editor', params: idParams,
    body: knownFields({ scheduledAt: sendTimeSchema }, { aliases: { sendat: 'scheduledAt', runat: 'scheduledAt', at: 'scheduledAt' } }) },
  async ({ params, body, auth, request }) => {
    const r = unwrap(await rescheduleSend({ db, workspaceId: auth.workspaceId, campaignId: params.id, runAt: new Date(body.scheduledAt), actor: auth.actor, now: deps.now(), ip: request.ip }));
    return { status: 'scheduled', scheduleId: r.scheduleId, scheduledAt: r.runAt.toISOString() };
  });

  defineRoute(app, { method: 'GET', url: '/campaigns/:id/send', summary: 'The latest send: status, acknowledgement, recipients by state', tags, role: 'viewer', params: idParams },
    async ({ params, auth }) => {
      const s = await latestSendOf(db, auth.workspaceId, params.id);
      if (!s) throw await notSentYet(auth.workspaceId, params.id);
      return { sendId: s.id, status: s.status, acknowledgedBy: s.acknowledged_by, acknowledgedAt: s.acknowledged_at.toISOString(), queued: s.queued, blocked: s.blocked, states: await countRecipientStates(db, s.id), afterSending: afterSendingCounts(await countAfterSending(db, auth.workspaceId, s.id)) };
    });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    defineRoute(app, { method: 'POST', url: `/campaigns/:id/${action}`, summary: action === 'cancel' ? 'Cancel the running send, or a scheduled send before it starts (the campaign goes back to draft)' : `${action[0].toUpperCase()}${action.slice(1)} the running send`, tags, role: 'editor', params: idParams },
      async ({ params, auth, request }) => unwrap(await controlSend({ db, workspaceId: auth.workspaceId, campaignId: params.id, action, actor: auth.actor, now: deps.now(), ip: request.ip })));
  }

  defineRoute(app, { method: 'GET', url: '/campaigns/:id/recipients/:contactId', summary: 'Why did (or didn\'t) this contact (its id, or its email address) get the latest send: both verdicts with reasons, where it stands in the outbox (`stage`; for a message still to be tried the last reply, the next attempt and when it would be given up), what came back after sending, and a `summary` sentence', tags, role: 'viewer',
    params: z.object({ id: z.uuid(), contactId: z.union([z.uuid(), z.email()], { error: 'must be a contact\'s id or email address' }) }) },
  async ({ params, auth }) => {
    const s = await latestSendOf(db, auth.workspaceId, params.id);
    if (!s) throw await notSentYet(auth.workspaceId, params.id);
    // a marketer asking "why didn't anna@… get it?" knows the address, not the id
    let contactId = params.contactId;
    if (contactId.includes('@')) {
      const contact = await findContactByEmail(db, auth.workspaceId, contactId);
      if (!contact) throw new AppError('not_found', 'no contact with this address', { userMessage: `No contact of this workspace has the address ${contactId}.` });
      contactId = contact.id;
    }
    const r = await findRecipient(db, auth.workspaceId, s.id, contactId);
    if (!r) {
      throw new AppError('not_found', 'this contact was not in the audience of the latest send', {
        userMessage: `This contact was not in the audience of the latest send (${s.id}): not on the campaign's lists or in its segments when it started, so the engine never judged them for it.`,
      });
    }
    const date = (d: Date | string | null) => (d ? new Date(d) : null);
    const sentAt = r.sent_at ? new Date(r.sent_at).toISOString() : null;
    // `sent` is the outbox's word for submitted: what came back since (bounce, complaint, unsubscribe) is told beside it
    const afterSending = afterSendingEvents(await findAfterSending(db, auth.workspaceId, s.id, r.contact_id));
    // a refusal during sending is the outbox's own story (state `bounced`), told in its sentence rather than after it
    const refusal = afterSending.find((e) => e.event === 'bounce' && e.via === 'sending');
    const told = r.state === 'bounced' ? afterSending.filter((e) => e !== refusal) : afterSending;
    const pausedAt = s.status === 'paused' && r.state === 'queued' ? await findPausedAt(db, auth.workspaceId, params.id, s.id) : null;
    const story = tellOutbox({
      row: {
        state: r.state, reasons: r.reasons, recheckVerdict: r.recheck_verdict, recheckReasons: r.recheck_reasons, attempts: r.attempts,
        lastReply: r.last_reply, lastReplyAt: date(r.last_reply_at), blockedAt: date(r.blocked_at), sentAt: date(r.sent_at),
        nextAttemptAt: new Date(r.next_attempt_at), leaseUntil: date(r.lease_until),
      },
      send: { status: s.status, createdAt: new Date(s.created_at), finishedAt: date(s.finished_at), pausedAt },
      refusal: refusal?.event === 'bounce' ? refusal : undefined,
      now: deps.now(),
    });
    const blockedAt = r.state !== 'blocked' ? null : r.recheck_verdict === null ? new Date(s.created_at).toISOString() : date(r.blocked_at)?.toISOString() ?? null;
    return {
      sendId: s.id, contactId: r.contact_id, email: r.email, state: r.state, stage: story.stage, sendStatus: s.status,
      summary: afterSendingSummary({ outbox: story.sentence, submitted: r.state === 'sent', events: told }),
      atStart: { verdict: r.verdict, basis: r.basis, reasons: r.reasons },
      beforeSending: r.recheck_verdict ? { verdict: r.recheck_verdict, reasons: r.recheck_reasons } : null,
      attempts: r.attempts, lastReply: r.last_reply, lastReplyAt: date(r.last_reply_at)?.toISOString() ?? null,
      nextAttemptAt: r.state === 'queued' ? new Date(r.next_attempt_at).toISOString() : null, givesUp: story.givesUp, blockedAt,
      sentAt, afterSending,
    };
  });
}
