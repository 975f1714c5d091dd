/**
 * Provider webhooks through HTTP with good and bad signatures: SES through SNS (RSA, topic allow-list,
 * subscription confirmation without any outbound fetch), SendGrid (ECDSA), Mailgun (HMAC), Postmark (basic
 * auth). Matching is by our Message-ID, which the providers hand back.
 */
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../src/config.js';
import { configureBounceWebhooks } from '../src/bounces/intake/bounce-webhooks.routes.js';
import { snsStringToSign, type SnsMessage } from '../src/bounces/webhooks/sns.js';
import { buildApp } from '../src/server/app.js';
import { sentCampaign } from './bounces-intake-support.js';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';

const topic = 'arn:aws:sns:eu-west-1:123456789012:ses-bounces';
const certUrl = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const sendgridKey = ec.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

function snsMessage(fields: Partial<SnsMessage> & Pick<SnsMessage, 'Type' | 'Message'>): SnsMessage {
  const m: SnsMessage = { MessageId: `m-${Math.random()}`, TopicArn: topic, Timestamp: new Date().toISOString(), SignatureVersion: '2', Signature: '', SigningCertURL: certUrl, ...fields };
  m.Signature = sign('sha256', Buffer.from(snsStringToSign(m)), rsa.privateKey).toString('base64');
  return m;
}

forEachDatabase('bounce webhooks', (t) => {
  let sink: SmtpSink;
  let app: FastifyInstance;
  let camp: Awaited<ReturnType<typeof sentCampaign>>;
  const fetched: string[] = [];
  const confirmed: string[] = [];
  const emails = ['ses@example.net', 'sg@example.net', 'sgblock@example.net', 'mg@example.net', 'pm@example.net'];

  before(async () => {
    sink = await startSmtpSink();
    camp = await sentCampaign(t.db, sink, emails.map((email) => ({ email })));
    app = await buildApp({ db: t.db, logger: false, config: testConfig({ bounces: {
      snsTopicArns: topic, sendgridPublicKey: sendgridKey, mailgunSigningKey: 'mg-signing-key', postmarkUser: 'hook', postmarkPassword: 'pm-s3cret',
    } }) });
    configureBounceWebhooks(app.deps, {
      fetchCertificate: async (url) => { fetched.push(url); return rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(); },
      confirmSubscription: async (url) => { confirmed.push(url); },
    });
  });
  after(async () => { await app.close(); await sink.close(); });

  const post = async (url: string, payload: string, headers: Record<string, string> = {}) => {
    const res = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', ...headers } });
    return { status: res.statusCode, body: res.json() };
  };
  const suppressed = async (email: string) => (await t.db.selectFrom('suppressions').select('reason').where('contact_id', '=', camp.sent.get(email)!.contactId).where('lifted_at', 'is', null).execute()).map((s) => s.reason).sort();

  it('SES through SNS: a signed bounce suppresses, a forged or foreign one is refused, a subscription is confirmed', async () => {
    const m = camp.sent.get('ses@example.net')!;
    const ses = {
      notificationType: 'Bounce',
      bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: m.email, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }] },
      mail: { messageId: 'ses-internal-1', destination: [m.email], headers: [{ name: 'Message-ID', value: `<${m.messageId}>` }] },
    };
    const good = snsMessage({ Type: 'Notification', Message: JSON.stringify(ses) });
    const forged = { ...good, Message: JSON.stringify({ ...ses, mail: { ...ses.mail, destination: ['x@example.net'] } }) };
    const refused = await post('/webhooks/bounces/ses', JSON.stringify(forged), { 'content-type': 'text/plain; charset=UTF-8' });
    assert.equal(refused.status, 401);
    assert.deepEqual(await suppressed(m.email), []);
    const foreign = snsMessage({ Type: 'Notification', Message: JSON.stringify(ses), TopicArn: 'arn:aws:sns:eu-west-1:999999999999:other' });
    assert.equal((await post('/webhooks/bounces/ses', JSON.stringify(foreign))).status, 401);

    const ok = await post('/webhooks/bounces/ses', JSON.stringify(good), { 'content-type': 'text/plain; charset=UTF-8' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.results, [{ outcome: 'acted', duplicate: false }]);
    assert.deepEqual(await suppressed(m.email), ['hard_bounce']);
    assert.equal((await post('/webhooks/bounces/ses', JSON.stringify(good))).body.results[0].duplicate, true, 'SNS redelivery acts once');
    assert.deepEqual(fetched, [certUrl], 'the certificate is fetched once and kept');

    const subscribeUrl = 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=abc';
    const sub = snsMessage({ Type: 'SubscriptionConfirmation', Message: 'You have chosen to subscribe', Token: 'abc', SubscribeURL: subscribeUrl });
    assert.deepEqual((await post('/webhooks/bounces/ses', JSON.stringify(sub))).body, { confirmed: true });
    assert.deepEqual(confirmed, [subscribeUrl]);
    const evil = snsMessage({ Type: 'SubscriptionConfirmation', Message: 'x', Token: 'abc', SubscribeURL: 'https://evil.example/confirm' });
    assert.equal((await post('/webhooks/bounces/ses', JSON.stringify(evil))).status, 400);
    assert.equal(confirmed.length, 1, 'no visit to a URL that is not SNS');
  });

  it('SendGrid: a signed batch acts per event (hard bounce suppressed, blocked is a sender problem); a bad signature is refused', async () => {
    const hard = camp.sent.get('sg@example.net')!;
    const blocked = camp.sent.get('sgblock@example.net')!;
    const body = JSON.stringify([
      { email: hard.email, event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 The email account that you tried to reach does not exist', 'smtp-id': `<${hard.messageId}>`, sg_event_id: 'e1' },
      { email: blocked.email, event: 'bounce', type: 'blocked', status: '5.7.1', reason: '550 5.7.1 Service unavailable, client host blocked', 'smtp-id': `<${blocked.messageId}>`, sg_event_id: 'e2' },
      { email: hard.email, event: 'open', sg_event_id: 'e3' },
    ]);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign('sha256', Buffer.from(timestamp + body), ec.privateKey).toString('base64');
    const headers = { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp };
    assert.equal((await post('/webhooks/bounces/sendgrid', body.replace('e1', 'e9'), headers)).status, 401);
    assert.equal((await post('/webhooks/bounces/sendgrid', body)).status, 401, 'no signature headers');
    const ok = await post('/webhooks/bounces/sendgrid', body, headers);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.received, 2);
    assert.deepEqual(await suppressed(hard.email), ['hard_bounce']);
    assert.deepEqual(await suppressed(blocked.email), []);
    const action = await t.db.selectFrom('bounce_actions').select('action').where('contact_id', '=', blocked.contactId).executeTakeFirstOrThrow();
    assert.equal(action.action, 'sender_problem');
  });

  it('Mailgun: HMAC-signed complaint suppresses and unsubscribes; a wrong key is refused', async () => {
    const m = camp.sent.get('mg@example.net')!;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const token = 'b'.repeat(50);
    const payload = (key: string) => JSON.stringify({
      signature: { timestamp, token, signature: createHmac('sha256', key).update(timestamp + token).digest('hex') },
      'event-data': { id: 'mg-1', event: 'complained', recipient: m.email, message: { headers: { 'message-id': m.messageId } } },
    });
    assert.equal((await post('/webhooks/bounces/mailgun', payload('not-the-key'))).status, 401);
    assert.deepEqual(await suppressed(m.email), []);
    const ok = await post('/webhooks/bounces/mailgun', payload('mg-signing-key'));
    assert.deepEqual(ok.body.results, [{ outcome: 'acted', duplicate: false }]);
    assert.deepEqual(await suppressed(m.email), ['complaint', 'unsubscribe']);
  });

  it('Postmark: basic auth checked; its own message id matches nothing, so the event is kept unmatched', async () => {
    const m = camp.sent.get('pm@example.net')!;
    const payload = JSON.stringify({ RecordType: 'Bounce', Type: 'HardBounce', Email: m.email, Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist', MessageID: '883953f4-6105-42a2-a16a-77a8eac79483' });
    const auth = (p: string) => ({ authorization: `Basic ${Buffer.from(`hook:${p}`).toString('base64')}` });
    assert.equal((await post('/webhooks/bounces/postmark', payload, auth('wrong'))).status, 401);
    assert.equal((await post('/webhooks/bounces/postmark', payload)).status, 401);
    const ok = await post('/webhooks/bounces/postmark', payload, auth('pm-s3cret'));
    assert.deepEqual(ok.body.results, [{ outcome: 'unmatched', duplicate: false }]);
    assert.deepEqual(await suppressed(m.email), []);
    assert.equal((await post('/webhooks/bounces/postmark', '{not json', auth('pm-s3cret'))).status, 400);
  });

  it('a provider with no secret configured answers 404', async () => {
    const bare = await buildApp({ db: t.db, logger: false, config: testConfig() });
    try {
      for (const p of ['ses', 'sendgrid', 'mailgun', 'postmark']) assert.equal((await bare.inject({ method: 'POST', url: `/webhooks/bounces/${p}`, payload: '{}', headers: { 'content-type': 'application/json' } })).statusCode, 404, p);
    } finally {
      await bare.close();
    }
  });
});
