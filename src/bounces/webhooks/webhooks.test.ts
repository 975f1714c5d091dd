import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { mapMailgunEvent, verifyMailgunWebhook } from './mailgun.js';
import { mapPostmarkWebhook, verifyPostmarkBasicAuth } from './postmark.js';
import { mapSendgridEvents, verifySendgridWebhook } from './sendgrid.js';
import { mapSesFromSns } from './ses.js';
import { isTrustedSnsCertificateUrl, snsStringToSign, verifySnsMessage, type SnsMessage } from './sns.js';

const now = new Date('2026-11-22T12:00:00Z');

test('SNS: a message signed with the certificate key verifies, and carries an SES bounce', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ses = {
    notificationType: 'Bounce',
    bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: 'Dead@Example.org', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }] },
    mail: { messageId: 'ses-1', destination: ['dead@example.org'], headers: [{ name: 'Message-ID', value: '<ours-1@lw.example>' }] },
  };
  const message: SnsMessage = {
    Type: 'Notification', MessageId: 'm-1', TopicArn: 'arn:aws:sns:eu-west-1:1:ses', Message: JSON.stringify(ses),
    Timestamp: '2026-11-22T11:59:00.000Z', SignatureVersion: '2', Signature: '',
    SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem',
  };
  message.Signature = sign('sha256', Buffer.from(snsStringToSign(message)), privateKey).toString('base64');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.deepEqual(verifySnsMessage({ message, certificatePem: pem, now }), { ok: true });
  assert.equal(verifySnsMessage({ message: { ...message, Message: message.Message.replace('5.1.1', '5.2.2') }, certificatePem: pem, now }).ok, false);
  assert.equal(verifySnsMessage({ message, certificatePem: pem, now: new Date('2026-11-23T12:00:00Z') }).ok, false, 'too old');
  assert.equal(verifySnsMessage({ message: { ...message, SigningCertURL: 'https://evil.example/cert.pem' }, certificatePem: pem, now }).ok, false);
  const event = mapSesFromSns(message);
  assert.equal(event?.kind, 'bounce');
  assert.deepEqual(event?.original, { messageId: 'ours-1@lw.example', to: 'dead@example.org' });
  assert.equal(event?.recipients[0].address, 'dead@example.org');
  assert.equal(event?.recipients[0].reason, 'userunknown');
  assert.equal(event?.recipients[0].hard, true);
});

test('SNS: only https SNS hosts of amazonaws.com may serve the certificate', () => {
  assert.equal(isTrustedSnsCertificateUrl('https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem'), true);
  for (const url of ['http://sns.us-east-1.amazonaws.com/x.pem', 'https://sns.us-east-1.amazonaws.com.evil.example/x.pem',
    'https://evil.example/sns.us-east-1.amazonaws.com/x.pem', 'https://s3.amazonaws.com/x.pem', 'https://sns.us-east-1.amazonaws.com/x.txt',
    'https://user@sns.us-east-1.amazonaws.com/x.pem', 'not a url']) {
    assert.equal(isTrustedSnsCertificateUrl(url), false, url);
  }
});

test('SendGrid: ECDSA-signed batch verifies; a blocked bounce is the sender\'s problem, a bounce of a dead address is hard', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const body = JSON.stringify([
    { email: 'gone@example.org', event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 The email account that you tried to reach does not exist', 'smtp-id': '<ours-2@lw.example>' },
    { email: 'x@example.net', event: 'bounce', type: 'blocked', status: '5.7.1', reason: '550 5.7.1 Service unavailable, client host blocked' },
    { email: 'y@example.net', event: 'spamreport' },
    { email: 'z@example.net', event: 'open' },
  ]);
  const timestamp = String(now.getTime() / 1000);
  const signature = sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64');
  const key = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  assert.deepEqual(verifySendgridWebhook({ rawBody: body, signature, timestamp, publicKey: key, now }), { ok: true });
  assert.equal(verifySendgridWebhook({ rawBody: body.replace('gone', 'kept'), signature, timestamp, publicKey: key, now }).ok, false);
  const events = mapSendgridEvents(JSON.parse(body));
  assert.deepEqual(events.map((e) => e.kind), ['bounce', 'bounce', 'complaint']);
  assert.equal(events[0].recipients[0].hard, true);
  assert.equal(events[0].original.messageId, 'ours-2@lw.example');
  assert.equal(events[1].recipients[0].reason, 'blocked');
  assert.equal(events[1].recipients[0].hard, false);
  assert.equal(events[2].recipients[0].feedbackType, 'abuse');
});

test('Mailgun: HMAC-SHA256 of timestamp and token, compared in constant time; failed events map by severity', () => {
  const signingKey = 'key-for-tests';
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const token = 'a'.repeat(50);
  const payload = {
    signature: { timestamp, token, signature: createHmac('sha256', signingKey).update(timestamp + token).digest('hex') },
    'event-data': { event: 'failed', severity: 'permanent', recipient: 'nobody@example.com', 'delivery-status': { code: 550, message: '5.1.1 No such user here' }, message: { headers: { 'message-id': 'ours-3@lw.example' } } },
  };
  assert.deepEqual(verifyMailgunWebhook({ payload, signingKey, now }), { ok: true });
  assert.equal(verifyMailgunWebhook({ payload, signingKey: 'other', now }).ok, false);
  const event = mapMailgunEvent(payload);
  assert.equal(event?.kind, 'bounce');
  assert.equal(event?.recipients[0].status, '5.1.1');
  assert.equal(event?.recipients[0].hard, true);
  const temporary = mapMailgunEvent({ ...payload, 'event-data': { ...payload['event-data'], severity: 'temporary', 'delivery-status': { code: 452, message: '4.2.2 Mailbox full' } } });
  assert.equal(temporary?.kind, 'delayed');
  assert.equal(temporary?.recipients[0].reason, 'mailboxfull');
  const unsubscribed = mapMailgunEvent({ ...payload, 'event-data': { event: 'unsubscribed', recipient: 'u@example.com' } });
  assert.equal(unsubscribed?.recipients[0].feedbackType, 'opt-out');
});

test('Postmark: basic auth checked; hard bounce, soft bounce and spam complaint mapped', () => {
  const authorization = `Basic ${Buffer.from('hook:s3cret').toString('base64')}`;
  assert.deepEqual(verifyPostmarkBasicAuth({ authorization, username: 'hook', password: 's3cret' }), { ok: true });
  assert.equal(verifyPostmarkBasicAuth({ authorization, username: 'hook', password: 'wrong' }).ok, false);
  assert.equal(verifyPostmarkBasicAuth({ authorization: undefined, username: 'hook', password: 's3cret' }).ok, false);
  const hard = mapPostmarkWebhook({ RecordType: 'Bounce', Type: 'HardBounce', Email: 'Old@Example.com', Description: 'The server was unable to deliver your message', Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist', MessageID: 'pm-1' });
  assert.equal(hard?.kind, 'bounce');
  assert.equal(hard?.recipients[0].address, 'old@example.com');
  assert.equal(hard?.recipients[0].hard, true);
  const soft = mapPostmarkWebhook({ RecordType: 'Bounce', Type: 'SoftBounce', Email: 's@example.com', Details: '452 4.2.2 mailbox full' });
  assert.equal(soft?.kind, 'delayed');
  assert.equal(soft?.recipients[0].hard, false);
  assert.equal(mapPostmarkWebhook({ RecordType: 'SpamComplaint', Email: 'c@example.com' })?.recipients[0].feedbackType, 'abuse');
  assert.equal(mapPostmarkWebhook({ RecordType: 'Open', Email: 'c@example.com' }), undefined);
});
