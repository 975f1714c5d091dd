// What a marketer writes and what the recipient reads, through HTTP and a loopback SMTP sink: merge tags with
// defaults on names stored either way (`firstName` as imports kept them, `first_name` as forms do), escaping of
// contact data, a subject with accents and emoji, a From name with accents and brackets, a whole HTML document,
// click tracking of a percent-encoded link, the text part generated from the HTML (tables, image buttons), the
// gate's sentences for an empty body, a merge tag that can hold nothing and an incomplete imprint, a <style> block's
// CSS inlined and its dangerous declarations dropped, the click of a contact erased since.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { startSendWorker } from '../src/sending/send-worker.js';
import { caller, testWorkspace, type Call, type TestWorkspace } from './support/api.js';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';

const require = createRequire(import.meta.url);
const { dkimVerify } = require('mailauth/lib/dkim/verify.js');

const baseUrl = 'https://lists.shop.example';
const profile = {
  company: 'Shop SAS', address: '1 rue de la Paix, 75002 Paris', registration: 'RCS Paris 123', representative: 'Jeanne Martin',
  postalAddress: '1 rue de la Paix, 75002 Paris', contactEmail: 'contact@shop.example', domains: ['shop.example'], returnPathDomain: 'bounces.shop.example',
};
const html = [
  '<h1>Hello {{ contact.first_name | default: "there" }}!</h1>',
  '<p>Dear {{ contact.firstName | default: "friend" }} {{ contact.last_name }}, your plan: {{ contact.plan | default: "none" }}.</p>',
  '<table><tbody><tr><th>Item</th><th>Price</th></tr><tr><td>Shoes</td><td>10 €</td></tr><tr><td>Bags</td><td>20 €</td></tr></tbody></table>',
  '<p><a href="https://shop.example/buy"><img src="https://shop.example/button.png" alt="Buy now"></a></p>',
  '<p>Questions? <a href="mailto:help@shop.example">help@shop.example</a> or <a href="https://shop.example/help">our help pages</a>.</p>',
  '<p><a href="https://shop.example/search?q=red%20shoes&amp;utm_campaign=summer%2026">Red shoes</a></p>',
].join('');

forEachDatabase('campaign content', (t) => {
  let app: FastifyInstance;
  let sink: SmtpSink;
  let ws: TestWorkspace;
  let call: Call;
  let listId: string;
  let dnsRecord: string;
  const config = testConfig({ baseUrl });

  async function contact(email: string, customFields: Record<string, string>) {
    const created = await call('POST', '/api/v1/contacts', { email, country: 'FR', customFields, source: { type: 'web_form', at: '2026-01-01T00:00:00Z' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const consent = await call('POST', `/api/v1/contacts/${created.body.id}/consents`,
      { channel: 'email', method: 'double_opt_in', at: '2026-01-01T00:00:00Z', confirmedAt: '2026-01-01T00:05:00Z', evidence: { formId: 'news', formVersion: 1, ip: '192.0.2.1' } });
    assert.equal(consent.status, 201, JSON.stringify(consent.body));
    return created.body.id as string;
  }

  /** Sends the campaign with the acknowledgement and returns the messages the sink received for it. */
  async function sendAll(id: string) {
    assert.equal((await call('POST', `/api/v1/campaigns/${id}/send`, { acknowledge: true })).status, 202);
    const first = sink.messages.length;
    const worker = startSendWorker({ db: t.db, workerId: `content-${id}`, smtp: { host: sink.host, port: sink.port }, connections: 2, batchSize: 10, leaseMs: 30_000, pollMs: 10, secret: config.secretKey, baseUrl }, { loop: false });
    while ((await worker.runOnce()) > 0);
    await worker.stop();
    return sink.messages.slice(first);
  }

  before(async () => {
    app = await buildApp({ db: t.db, config, logger: false, tokenCacheMs: 0 });
    sink = await startSmtpSink();
    ws = await testWorkspace(t.db, 'Shop');
    call = caller(app, ws.tokens.editor);
    const saved = await caller(app, ws.tokens.admin)('PUT', '/api/v1/sender-profile', profile);
    assert.equal(saved.status, 200);
    dnsRecord = saved.body.dkimDnsRecord;
    listId = (await call('POST', '/api/v1/lists', { name: 'News' })).body.id;
    const ids = [
      await contact('ann@example.net', { firstName: 'Ann', lastName: '<b>Lee</b> & "Co"', plan: 'pro' }), // as imports stored names
      await contact('bob@example.net', { first_name: 'Bob', last_name: 'Brun' }), // as sign-up forms store them
      await contact('cy@example.net', {}),
    ];
    assert.equal((await call('POST', `/api/v1/lists/${listId}/members`, { add: ids })).status, 200);
  });
  after(async () => { await app.close(); await sink.close(); });

  it('fills names stored either way, with defaults and escaping; the text part reads tables and image buttons', async () => {
    const created = await call('POST', '/api/v1/campaigns', {
      name: 'Summer', purpose: 'marketing', listIds: [listId], fromName: 'Café Shop', fromAddress: 'news@shop.example',
      subject: 'Bonjour {{ contact.first_name | default: "toi" }}, soldes d\'été 🌞', html,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    const check = await call('POST', `/api/v1/campaigns/${id}/check`);
    assert.deepEqual({ ok: check.body.ok, failures: check.body.failures }, { ok: true, failures: [] });
    assert.deepEqual((await sendAll(id)).map((m) => m.to[0]).sort(), ['ann@example.net', 'bob@example.net', 'cy@example.net']);

    const mail = async (to: string) => sink.parse(sink.messages.findIndex((m) => m.to[0] === to));
    const ann = await mail('ann@example.net');
    assert.equal(ann.subject, 'Bonjour Ann, soldes d\'été 🌞');
    assert.match(ann.html || '', /<h1>Hello Ann!<\/h1><p>Dear Ann &lt;b&gt;Lee&lt;\/b&gt; &amp; &#34;Co&#34;, your plan: pro\.<\/p>/);
    assert.match(ann.text || '', /^Hello Ann!\n\nDear Ann <b>Lee<\/b> & "Co", your plan: pro\.\n/);
    // Cells apart, a row a line; the linked image gives its alt text and the link.
    assert.match(ann.text || '', /\nItem Price\nShoes 10 €\nBags 20 €\n/);
    assert.match(ann.text || '', /\nBuy now \[https:\/\/shop\.example\/buy\]\n/);
    // A link whose text is its address once; others with it.
    assert.match(ann.text || '', /\nQuestions\? help@shop\.example or our help pages \[https:\/\/shop\.example\/help\]\.\n/);

    // A link with percent-encoding is tracked like any other: the click redirects to it exactly and is engagement.
    assert.ok(!(ann.html || '').includes('shop.example/search'), 'the link goes through the click redirect');
    const tracked = [...(ann.html || '').matchAll(/href="https:\/\/lists\.shop\.example(\/t\/c\/[^"]+)"/g)].map((m) => m[1]);
    const redirects = await Promise.all(tracked.map((path) => app.inject({ method: 'GET', url: path })));
    assert.ok(redirects.some((r) => r.statusCode === 302 && r.headers.location === 'https://shop.example/search?q=red%20shoes&utm_campaign=summer%2026'), JSON.stringify(redirects.map((r) => r.headers.location)));
    const clicks = await t.db.selectFrom('activity_events').select('id').where('workspace_id', '=', ws.id).where('type', '=', 'click').execute();
    assert.equal(clicks.length, tracked.length);

    const bob = await mail('bob@example.net');
    assert.equal(bob.subject, 'Bonjour Bob, soldes d\'été 🌞');
    assert.match(bob.html || '', /<h1>Hello Bob!<\/h1><p>Dear Bob Brun, your plan: none\.<\/p>/);
    const cy = await mail('cy@example.net');
    assert.equal(cy.subject, 'Bonjour toi, soldes d\'été 🌞');
    assert.match(cy.html || '', /<h1>Hello there!<\/h1><p>Dear friend , your plan: none\.<\/p>/);

    const resolver = async (name: string, type: string) => {
      if (type === 'TXT' && name === 'lw1._domainkey.shop.example') return [[dnsRecord]];
      throw Object.assign(new Error('no such record'), { code: 'ENOTFOUND' });
    };
    for (const m of sink.messages) assert.equal((await dkimVerify(m.raw, { resolver })).results[0].status.result, 'pass');
  });

  it('shows a From name with accents and brackets whole, on the real address', async () => {
    const fromName = 'Café Müller (Paris) <Boutique>';
    const id = (await call('POST', '/api/v1/campaigns', { name: 'From', purpose: 'marketing', listIds: [listId], fromName, fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hi</p>' })).body.id;
    const sent = await sendAll(id);
    assert.equal(sent.length, 3);
    const mail = await simpleParser(sent[0].raw);
    assert.deepEqual(mail.from?.value, [{ address: 'news@shop.example', name: fromName }]);
  });

  it('takes the body of a whole HTML document as an editor exports it: its <title> is not shown as text', async () => {
    const document = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Spring newsletter</title><style>p { color: #333 }</style></head>'
      + '<body><p>Hello {{ contact.first_name | default: "there" }}</p></body></html>';
    const id = (await call('POST', '/api/v1/campaigns', { name: 'Document', purpose: 'marketing', listIds: [listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Spring', html: document })).body.id;
    const mail = await simpleParser((await sendAll(id)).find((m) => m.to[0] === 'ann@example.net')!.raw);
    assert.match(mail.html || '', /^<p style="color:#333">Hello Ann<\/p>\n<div class="lw-footer"/, 'its <style> block is inlined');
    assert.match(mail.text || '', /^Hello Ann\n/);
    assert.ok(!`${mail.html}${mail.text}`.includes('Spring newsletter'));
  });

  it('keeps the design of a template whose CSS sits in a <style> block, inlined; CSS that could run or fetch does not arrive', async () => {
    const document = '<!DOCTYPE html><html><head><style type="text/css">body { background-color: #f4f4f4 } .card { background-color: #ffffff; padding: 16px; border-radius: 8px }'
      + ' .card h1 { color: #0a6cff; font-size: 22px } a.button { background-color: #0a6cff; color: #ffffff !important; padding: 10px 16px; text-decoration: none }'
      + ' p { background: url(javascript:alert(1)); line-height: 1.5 } td { width: expression(alert(2)); behavior: url(evil.htc) }</style></head>'
      + '<body><div class="card"><h1>Hello {{ contact.first_name | default: "there" }}</h1><p>New arrivals.</p>'
      + '<table><tr><td style="color: #333; background-image: url(\'javascript:alert(3)\')">Shoes</td></tr></table>'
      + '<a class="button" href="https://shop.example/new">See them</a></div></body></html>';
    const created = await call('POST', '/api/v1/campaigns', { name: 'Styled', purpose: 'marketing', listIds: [listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'New', html: document });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const received = (await sendAll(created.body.id)).find((m) => m.to[0] === 'bob@example.net')!;
    const mail = await simpleParser(received.raw);
    const got = mail.html || '';
    assert.match(got, /^<div style="background-color:#f4f4f4"><div class="card" style="background-color:#ffffff;padding:16px;border-radius:8px"><h1 style="color:#0a6cff;font-size:22px">Hello Bob<\/h1><p style="line-height:1.5">New arrivals\.<\/p>/);
    assert.match(got, /<td style="color:#333">Shoes<\/td>/);
    assert.match(got, /<a class="button" href="https:\/\/lists\.shop\.example\/t\/c\/[^"]+" style="background-color:#0a6cff;padding:10px 16px;text-decoration:none;color:#ffffff !important">See them<\/a>/);
    assert.ok(!/<style|javascript|expression|behavior|alert/i.test(received.raw.toString()), got);
  });

  it('previews the mail as a contact would read it, styles inlined, links untracked, nothing sent or recorded', async () => {
    const document = '<html><head><style>h1 { color: #0a6cff }</style></head><body><h1>Hello {{ contact.first_name | default: "there" }}</h1>'
      + '<p><a href="https://shop.example/new">New</a></p></body></html>';
    const id = (await call('POST', '/api/v1/campaigns', { name: 'Preview', purpose: 'marketing', listIds: [listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'For {{ contact.first_name | default: "you" }}', html: document })).body.id;
    const before = sink.messages.length;
    const ann = await call('GET', `/api/v1/campaigns/${id}/preview?contact=ann@example.net`);
    assert.equal(ann.status, 200, JSON.stringify(ann.body));
    assert.equal(ann.body.subject, 'For Ann');
    assert.match(ann.body.html, /^<h1 style="color:#0a6cff">Hello Ann<\/h1><p><a href="https:\/\/shop\.example\/new">New<\/a><\/p>/);
    assert.match(ann.body.html, /href="https:\/\/lists\.shop\.example\/p\/unsubscribe\?t=preview"/);
    assert.match(ann.body.text, /^Hello Ann\n/);
    const nobody = await call('GET', `/api/v1/campaigns/${id}/preview`);
    assert.deepEqual([nobody.body.contactId, nobody.body.subject], [null, 'For you']);
    assert.match(nobody.body.html, /Hello there/);
    assert.equal((await call('GET', `/api/v1/campaigns/${id}/preview?contact=zoe@example.net`)).body.error.message, 'No contact of this workspace is zoe@example.net.');
    assert.equal(sink.messages.length, before, 'nothing sent');
    assert.equal((await call('GET', `/api/v1/campaigns/${id}`)).body.status, 'draft');
  });

  it('says, one sentence each, that the body is empty and that a merge tag outside `contact` holds nothing', async () => {
    const created = await call('POST', '/api/v1/campaigns', {
      name: 'Forgot', purpose: 'marketing', listIds: [listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi {{ first_name }}',
    });
    const id = created.body.id;
    const check = await call('POST', `/api/v1/campaigns/${id}/check`);
    assert.deepEqual(check.body.failures.map((f: { code: string; text: string }) => [f.code, f.text]), [
      ['body_empty', 'The message is empty: write its HTML (a text part is made from it).'],
      ['merge_tag_unknown', 'The subject reads {{ first_name }}, which is always empty: a contact\'s fields are read as {{ contact.first_name }}, the links as {{ unsubscribe_url }} and {{ preferences_url }}.'],
    ]);
    const send = await call('POST', `/api/v1/campaigns/${id}/send`, { acknowledge: true });
    assert.equal(send.status, 400);
    assert.equal(send.body.error.message, 'The message is empty: write its HTML (a text part is made from it).');

    const textOnly = await call('PUT', `/api/v1/campaigns/${id}`, {
      name: 'Forgot', purpose: 'marketing', listIds: [listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', text: 'Hello {{ contact.first_name }}',
    });
    assert.equal(textOnly.status, 200);
    assert.deepEqual((await call('POST', `/api/v1/campaigns/${id}/check`)).body.failures.map((f: { text: string }) => f.text),
      ['The HTML is empty: mail programs show the HTML part, so readers would see only the footer; write the HTML too.']);

    const fixed = await call('PUT', `/api/v1/campaigns/${id}`, {
      name: 'Forgot', purpose: 'marketing', listIds: [listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi {{ contact.first_name }}',
      html: '<p>{% assign n = contact.first_name | default: "you" %}Hello {{ n }} {% for i in (1..2) %}{{ i }}{% endfor %}</p>',
    });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    assert.deepEqual((await call('POST', `/api/v1/campaigns/${id}/check`)).body.failures, [], 'assigned and loop variables are not merge fields');
  });

  it('says that the lists are empty rather than pointing at block codes there are none of', async () => {
    const empty = (await call('POST', '/api/v1/lists', { name: 'Empty' })).body.id;
    const id = (await call('POST', '/api/v1/campaigns', { name: 'Empty', purpose: 'marketing', listIds: [empty], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hi</p>' })).body.id;
    const check = (await call('POST', `/api/v1/campaigns/${id}/check`)).body;
    assert.deepEqual(check.failures.map((f: { text: string }) => f.text), ['Nobody is on the campaign\'s lists or in its segments.']);
    assert.deepEqual(check.audience, { total: 0, byVerdict: { send: 0, block: 0 }, byBlockCode: {} });
    const none = (await call('POST', '/api/v1/campaigns', { name: 'None', purpose: 'marketing', fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hi</p>' })).body.id;
    assert.deepEqual((await call('POST', `/api/v1/campaigns/${none}/check`)).body.failures.map((f: { code: string }) => f.code), ['audience_empty'], 'one sentence for one fault');
  });

  it('names every missing part of the imprint in one sentence', async () => {
    const admin = caller(app, ws.tokens.admin);
    assert.equal((await admin('PUT', '/api/v1/sender-profile', { ...profile, address: '', representative: '' })).status, 200);
    const id = (await call('POST', '/api/v1/campaigns', { name: 'Imprint', purpose: 'marketing', listIds: [listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hi</p>' })).body.id;
    const failures = (await call('POST', `/api/v1/campaigns/${id}/check`)).body.failures;
    assert.deepEqual(failures.map((f: { text: string }) => f.text), ['The legal imprint is incomplete: the registered address and legal representative are missing from the sender profile.']);
    assert.equal((await admin('PUT', '/api/v1/sender-profile', profile)).status, 200);
  });

  it('still leads an erased contact\'s click where the link says, recording nothing; a forged token stays a 404', async () => {
    const list = (await call('POST', '/api/v1/lists', { name: 'Leavers' })).body.id;
    const dee = await contact('dee@example.net', {});
    assert.equal((await call('POST', `/api/v1/lists/${list}/members`, { add: [dee] })).status, 200);
    const id = (await call('POST', '/api/v1/campaigns', { name: 'Leaver', purpose: 'marketing', listIds: [list], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p><a href="https://shop.example/sale">Sale</a></p>', trackOpens: true })).body.id;
    const [sent] = await sendAll(id);
    const mail = await simpleParser(sent.raw);
    const click = new URL(/href="(https:\/\/lists\.shop\.example\/t\/c\/[^"]+)"/.exec(mail.html || '')![1]).pathname;
    const pixel = new URL(/src="(https:\/\/lists\.shop\.example\/t\/o\/[^"]+)"/.exec(mail.html || '')![1]).pathname;
    assert.equal((await caller(app, ws.tokens.owner)('DELETE', `/api/v1/contacts/${dee}`)).status, 204);
    const res = await app.inject({ method: 'GET', url: click });
    assert.deepEqual([res.statusCode, res.headers.location], [302, 'https://shop.example/sale']);
    assert.equal((await app.inject({ method: 'GET', url: pixel })).headers['content-type'], 'image/gif');
    const recorded = await t.db.selectFrom('activity_events').select('id').where('contact_id', '=', dee).execute();
    assert.equal(recorded.length, 0);
    assert.equal((await app.inject({ method: 'GET', url: click.replace(/\/t\/c\/([^.]+)\./, '/t/c/$1x.') })).statusCode, 404, 'a forged token');
    assert.equal((await app.inject({ method: 'GET', url: click.replace(/\/0$/, '/3') })).statusCode, 404, 'only the campaign\'s links');
  });
});
