/**
 * Fixtures for the intake suites: a campaign really sent to a loopback SMTP sink (so outbox rows, Message-IDs
 * and VERP return paths are the real ones), and returned mail built the way mail servers write it:
 * RFC 3464 delivery reports and RFC 5965 feedback reports quoting the headers of the message we sent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { simpleParser } from 'mailparser';
import { testConfig } from '../src/config.js';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import type { Db } from '../src/db/database.js';
import { startSendWorker } from '../src/sending/send-worker.js';
import { aWorkspace, someContacts, type ContactSpec } from './send-support.js';
import { startInboundServer } from '../src/bounces/intake/inbound-server.js';
import { buildApp } from '../src/server/app.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';

export const secret = testConfig().secretKey;
export const baseUrl = 'https://lists.shop.example';

export type SentMessage = { contactId: string; email: string; messageId: string; returnPath: string; headers: string };

/** A workspace whose campaign went to `specs` through the sink; each accepted message with its identifiers. */
export async function sentCampaign(db: Db, sink: SmtpSink, specs: ContactSpec[], options: { connections?: number } = {}) {
  const ws = await aWorkspace(db);
  const ids = await someContacts(db, ws, specs);
  const created = await createCampaign({ db, workspaceId: ws.workspaceId, now: new Date(), input: {
    name: `News ${randomBytes(2).toString('hex')}`, purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example',
    subject: 'Hello', html: '<p>Hello</p>',
  } });
  if (!created.ok) throw created.error;
  const started = await startSend({ db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: { type: 'user', id: 'u-1' }, acknowledged: true, secret, baseUrl, now: new Date() });
  if (!started.ok) throw started.error;
  const first = sink.messages.length;
  const worker = startSendWorker({ db, workerId: `w-${randomBytes(3).toString('hex')}`, smtp: { host: sink.host, port: sink.port }, connections: options.connections ?? 4, batchSize: 200, leaseMs: 60_000, pollMs: 10, secret, baseUrl, random: () => 0.5 }, { loop: false });
  while ((await worker.runOnce()) > 0);
  await worker.stop();
  const sent = new Map<string, SentMessage>();
  for (const m of sink.messages.slice(first)) {
    const parsed = await simpleParser(m.raw);
    const email = m.to[0];
    const headerEnd = m.raw.indexOf('\r\n\r\n');
    sent.set(email, {
      contactId: ids[specs.findIndex((s) => s.email === email)], email, messageId: (parsed.messageId ?? '').replace(/^<|>$/g, ''),
      returnPath: m.from, headers: m.raw.subarray(0, headerEnd).toString('utf8'),
    });
  }
  return { ...ws, ids, campaignId: created.value.id, sendId: started.value.sendId, sent };
}

const boundary = () => `b-${randomBytes(6).toString('hex')}`;

/** An RFC 3464 delivery status notification for one recipient, quoting the original headers. */
export function dsn(o: { to: string; recipient: string; status: string; diagnostic: string; action?: 'failed' | 'delayed' | 'delivered'; originalHeaders: string; reportingMta?: string }): string {
  const b = boundary();
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>',
    `To: ${o.to}`,
    `Subject: ${o.action === 'delayed' ? 'Delayed Mail (still being retried)' : 'Undelivered Mail Returned to Sender'}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${randomBytes(8).toString('hex')}@mx.example.net>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${b}"`,
    '',
    `--${b}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `This is the mail system at host ${o.reportingMta ?? 'mx.example.net'}.`,
    '',
    `<${o.recipient}>: host mx.example.net said: ${o.diagnostic}`,
    '',
    `--${b}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${o.reportingMta ?? 'mx.example.net'}`,
    '',
    `Final-Recipient: rfc822; ${o.recipient}`,
    `Original-Recipient: rfc822; ${o.recipient}`,
    `Action: ${o.action ?? 'failed'}`,
    `Status: ${o.status}`,
    'Remote-MTA: dns; mx.example.net',
    `Diagnostic-Code: smtp; ${o.diagnostic}`,
    '',
    `--${b}`,
    'Content-Type: text/rfc822-headers',
    '',
    o.originalHeaders.replace(/\r\n/g, '\n'),
    '',
    `--${b}--`,
    '',
  ].join('\n');
}

/** An RFC 5965 feedback report (a complaint, or an opt-out) about one recipient. */
export function arf(o: { to: string; recipient: string; feedbackType: 'abuse' | 'fraud' | 'opt-out'; originalHeaders: string }): string {
  const b = boundary();
  return [
    'From: Feedback Loop <fbl@isp.example.org>',
    `To: ${o.to}`,
    'Subject: FW: Hello',
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${randomBytes(8).toString('hex')}@isp.example.org>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=feedback-report; boundary="${b}"`,
    '',
    `--${b}`,
    'Content-Type: text/plain',
    '',
    'This is an email abuse report for an email message received from IP 192.0.2.10.',
    '',
    `--${b}`,
    'Content-Type: message/feedback-report',
    '',
    `Feedback-Type: ${o.feedbackType}`,
    'User-Agent: ISP-FBL/1.0',
    'Version: 1',
    `Original-Rcpt-To: ${o.recipient}`,
    'Source-IP: 192.0.2.10',
    '',
    `--${b}`,
    'Content-Type: text/rfc822-headers',
    '',
    o.originalHeaders.replace(/\r\n/g, '\n'),
    '',
    `--${b}--`,
    '',
  ].join('\n');
}

/**
 * The three servers an intake suite needs: a sink the campaign goes to (its MX), the platform's inbound SMTP
 * receiver, and the app (uploads and reads). `deliver` hands a message to the receiver as a mail server does and
 * requires its 250.
 */
export async function startIntakeDoors(db: Db) {
  const mx = await startSmtpSink();
  const inbound = await startInboundServer({ db, secret, port: 0, host: '127.0.0.1', maxMessageBytes: 1024 * 1024 });
  const app = await buildApp({ db, config: testConfig(), logger: false });
  return {
    mx, inbound, app,
    async deliver(message: SendMailOptions): Promise<void> {
      const transport = nodemailer.createTransport({ host: inbound.host, port: inbound.port, secure: false, ignoreTLS: true });
      try {
        const info = await transport.sendMail(message);
        assert.match(info.response, /^250 /);
      } finally {
        transport.close();
      }
    },
    async close(): Promise<void> { await app.close(); await inbound.close(); await mx.close(); },
  };
}
