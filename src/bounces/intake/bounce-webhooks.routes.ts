/**
 * Provider webhooks (public, each verified): Amazon SES through SNS (RSA signature with the certificate from
 * an SNS host, topic allow-list; subscription confirmations are confirmed), SendGrid (ECDSA over the raw body),
 * Mailgun (HMAC), Postmark (basic auth, it does not sign). A provider whose secret is not configured answers 404.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../server/app.js';
import { mapMailgunEvent, verifyMailgunWebhook } from '../webhooks/mailgun.js';
import { mapPostmarkWebhook, verifyPostmarkBasicAuth } from '../webhooks/postmark.js';
import { mapSendgridEvents, verifySendgridWebhook } from '../webhooks/sendgrid.js';
import { mapSesFromSns, type ProviderEvent } from '../webhooks/ses.js';
import { isTrustedSnsCertificateUrl, snsMessageSchema, verifySnsMessage } from '../webhooks/sns.js';
import { ingestReturnedMail, type IntakeSource } from './ingest-returned-mail.js';

export type WebhookFetchers = {
  /** Fetches a PEM from a SigningCertURL already checked to be an SNS host. */
  fetchCertificate: (url: string) => Promise<string>;
  /** Visits an SNS SubscribeURL (already checked) to confirm the subscription. */
  confirmSubscription: (url: string) => Promise<void>;
};

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

const defaults: WebhookFetchers = { fetchCertificate: fetchText, confirmSubscription: async (url) => { await fetchText(url); } };
const configured = new WeakMap<AppDeps, Partial<WebhookFetchers>>();

/** Replaces how certificates are fetched and subscriptions confirmed (tests: no outbound network). */
export function configureBounceWebhooks(deps: AppDeps, fetchers: Partial<WebhookFetchers>): void {
  configured.set(deps, { ...(configured.get(deps) ?? {}), ...fetchers });
}

const unauthenticated = (why: string) => new AppError('unauthenticated', `webhook refused: ${why}`, { userMessage: 'The webhook signature is not valid.' });
const notConfigured = (provider: string) => new AppError('not_found', `${provider} webhook is not configured`);
const badPayload = (why: string) => new AppError('invalid_input', why, { details: { issues: [{ path: 'body', message: why }] } });

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw badPayload('the body is not JSON');
  }
}

const eventIdentity = (provider: string, item: unknown) => `${provider}:${createHash('sha256').update(JSON.stringify(item)).digest('hex')}`;

export default async function bounceWebhookRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // Signatures are over the exact bytes: keep the body as text; SNS posts JSON as text/plain.
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string', bodyLimit: 2 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  const b = deps.config.bounces;
  const certificates = new Map<string, string>();
  const fetchers = () => ({ ...defaults, ...(configured.get(deps) ?? {}) });
  const rawBody = (request: FastifyRequest) => (typeof request.body === 'string' ? request.body : '');

  async function ingestEvents(source: IntakeSource, events: { event: ProviderEvent; identity: string }[]) {
    const results = [];
    for (const { event, identity } of events) {
      const r = await ingestReturnedMail({ db: deps.db, secret: deps.config.secretKey, now: deps.now(), source, event, identity });
      results.push({ outcome: r.outcome, duplicate: r.duplicate });
    }
    return { received: events.length, results };
  }

  app.post('/webhooks/bounces/ses', async (request) => {
    const topics = b.snsTopicArns.split(',').map((t) => t.trim()).filter(Boolean);
    if (topics.length === 0) throw notConfigured('SES (SNS)');
    const parsed = snsMessageSchema.safeParse(parseJson(rawBody(request)));
    if (!parsed.success) throw badPayload('not an SNS message');
    const message = parsed.data;
    if (!topics.includes(message.TopicArn)) throw unauthenticated('topic not allowed');
    if (!isTrustedSnsCertificateUrl(message.SigningCertURL)) throw unauthenticated('untrusted SigningCertURL');
    let pem = certificates.get(message.SigningCertURL);
    if (!pem) {
      try {
        pem = await fetchers().fetchCertificate(message.SigningCertURL);
      } catch (err) {
        throw new AppError('unavailable', `SNS certificate could not be fetched: ${(err as Error).message}`);
      }
      if (certificates.size > 50) certificates.clear();
      certificates.set(message.SigningCertURL, pem);
    }
    const verified = verifySnsMessage({ message, certificatePem: pem, now: deps.now() });
    if (!verified.ok) throw unauthenticated(verified.error);
    if (message.Type === 'SubscriptionConfirmation') {
      const url = message.SubscribeURL ?? '';
      let host = '';
      try { const u = new URL(url); host = u.protocol === 'https:' ? u.hostname : ''; } catch { /* refused below */ }
      if (!/^sns\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$/.test(host)) throw badPayload('SubscribeURL is not an SNS https URL');
      await fetchers().confirmSubscription(url);
      return { confirmed: true };
    }
    if (message.Type !== 'Notification') return { received: 0, results: [] };
    const event = mapSesFromSns(message);
    return ingestEvents('ses', event ? [{ event, identity: `ses:${message.MessageId}` }] : []);
  });

  app.post('/webhooks/bounces/sendgrid', async (request) => {
    if (!b.sendgridPublicKey) throw notConfigured('SendGrid');
    const raw = rawBody(request);
    const signature = request.headers['x-twilio-email-event-webhook-signature'];
    const timestamp = request.headers['x-twilio-email-event-webhook-timestamp'];
    if (typeof signature !== 'string' || typeof timestamp !== 'string') throw unauthenticated('signature headers missing');
    const verified = verifySendgridWebhook({ rawBody: raw, signature, timestamp, publicKey: b.sendgridPublicKey, now: deps.now() });
    if (!verified.ok) throw unauthenticated(verified.error);
    const payload = parseJson(raw);
    if (!Array.isArray(payload)) throw badPayload('a SendGrid batch is a JSON array');
    // Mapped one by one so that each event keeps its own identity.
    const events = payload.flatMap((item) => mapSendgridEvents([item]).map((event) => ({ event, identity: eventIdentity('sendgrid', item) })));
    return ingestEvents('sendgrid', events);
  });

  app.post('/webhooks/bounces/mailgun', async (request) => {
    if (!b.mailgunSigningKey) throw notConfigured('Mailgun');
    const payload = parseJson(rawBody(request));
    const verified = verifyMailgunWebhook({ payload, signingKey: b.mailgunSigningKey, now: deps.now() });
    if (!verified.ok) throw unauthenticated(verified.error);
    const event = mapMailgunEvent(payload);
    const data = (payload as { 'event-data': unknown })['event-data'];
    return ingestEvents('mailgun', event ? [{ event, identity: eventIdentity('mailgun', data) }] : []);
  });

  app.post('/webhooks/bounces/postmark', async (request) => {
    if (!b.postmarkUser || !b.postmarkPassword) throw notConfigured('Postmark');
    const verified = verifyPostmarkBasicAuth({ authorization: request.headers.authorization, username: b.postmarkUser, password: b.postmarkPassword });
    if (!verified.ok) throw unauthenticated(verified.error);
    const payload = parseJson(rawBody(request));
    const event = mapPostmarkWebhook(payload);
    return ingestEvents('postmark', event ? [{ event, identity: eventIdentity('postmark', payload) }] : []);
  });
}
