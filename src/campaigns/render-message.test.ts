import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignFields } from './campaign.js';
import { compileCampaign, renderMessage } from './render-message.js';
import { aCampaign, aSender } from './test-builders.js';

const values = { contact: { first_name: '<script>alert(1)</script>Ann', email: 'ann@example.net' }, unsubscribeUrl: 'https://lists.example/p/unsubscribe?t=a.b&lang=fr' };

function compile(overrides = {}, sender = aSender()) {
  const r = compileCampaign({ campaign: aCampaign(overrides), sender });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

test('merge values are escaped in HTML, plain in text and subject, and `raw` cannot unescape them', () => {
  const c = compile({ html: '<p>{{ contact.first_name }} / {{ contact.first_name | raw }}</p>' });
  const m = renderMessage(c, values);
  assert.ok(!m.html.includes('<script>'), m.html);
  assert.equal(m.html.match(/&lt;script&gt;/g)?.length, 2);
  assert.match(m.text, /<script>alert\(1\)<\/script>Ann/);
  assert.equal(m.subject, 'Spring sale for <script>alert(1)</script>Ann');
});

test('author HTML is sanitised: scripts, event handlers and javascript: links go', () => {
  const c = compile({ html: '<p onclick="x()">Hi</p><script>steal()</script><a href="javascript:alert(1)">x</a><img src="https://cdn.example/a.png" onerror="x()">' });
  const m = renderMessage(c, values);
  assert.ok(!/script|onclick|onerror|javascript:/i.test(m.html), m.html);
  assert.match(m.html, /<img src="https:\/\/cdn.example\/a.png"/);
});

test('the footer carries the unsubscribe link (both parts), the imprint and the postal address', () => {
  const m = renderMessage(compile(), values);
  assert.ok(m.html.includes('href="https://lists.example/p/unsubscribe?t=a.b&amp;lang=fr"'), m.html);
  assert.ok(m.text.includes('Unsubscribe: https://lists.example/p/unsubscribe?t=a.b&lang=fr'), m.text);
  for (const part of [m.html, m.text]) {
    assert.match(part, /Shop SAS/);
    assert.match(part, /RCS Paris 123 456 789/);
    assert.match(part, /Jeanne Martin/);
  }
});

test('a text part is generated from the HTML when none is given, links kept, merge tags filled', () => {
  const m = renderMessage(compile({ trackClicks: false }), values);
  assert.match(m.text, /^Hello <script>alert\(1\)<\/script>Ann/);
  assert.match(m.text, /the sale \[https:\/\/shop.example\/sale\?a=1&b=2\]/);
  const own = renderMessage(compile({ text: 'Own text for {{ contact.email }}' }), values);
  assert.match(own.text, /^Own text for ann@example.net\n/);
});

test('click tracking rewrites plain http(s) links to the redirect; off, links stay as written', () => {
  const c = compile({ html: '<a href="https://shop.example/a">A</a> <a href="mailto:x@shop.example">M</a> <a href="https://shop.example/{{ contact.email }}">P</a>' });
  assert.deepEqual(c.links, ['https://shop.example/a']);
  const m = renderMessage(c, { ...values, clickUrl: (i) => `https://lists.example/t/c/tok${i}` });
  assert.match(m.html, /<a href="https:\/\/lists.example\/t\/c\/tok0">A<\/a>/);
  assert.match(m.html, /href="mailto:x@shop.example"/);
  const off = renderMessage(compile({ trackClicks: false, html: '<a href="https://shop.example/a">A</a>' }), values);
  assert.match(off.html, /href="https:\/\/shop.example\/a"/);
});

test('the open pixel appears only when open tracking is on', () => {
  const withOpens = renderMessage(compile({ trackOpens: true }), { ...values, openUrl: 'https://lists.example/t/o/x' });
  assert.match(withOpens.html, /<img src="https:\/\/lists.example\/t\/o\/x" width="1"/);
  const without = renderMessage(compile(), { ...values, openUrl: 'https://lists.example/t/o/x' });
  assert.ok(!without.html.includes('/t/o/'));
});

test('imprint text with Liquid-looking braces is printed literally, never evaluated', () => {
  const m = renderMessage(compile({}, aSender({ company: 'Braces {{ contact.email }} {% raw %} Ltd' })), values);
  assert.ok(!m.text.includes('ann@example.net'), m.text);
  assert.ok(!m.html.includes('ann@example.net'));
});

test('a Liquid syntax error is a returned invalid_input naming the part', () => {
  const r = compileCampaign({ campaign: aCampaign({ html: '<p>{% if x %}never closed</p>' }), sender: aSender() });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.error.code, 'invalid_input');
    assert.match(r.error.userMessage, /HTML has a merge tag error/);
  }
});

test('the footer speaks the campaign\'s language; English stays as it was, and a campaign without one is English', () => {
  const sender = aSender({ postalAddress: 'BP 42, 75001 Paris Cedex' });
  const links = { ...values, unsubscribeUrl: 'https://lists.example/p/unsubscribe?t=a.b', preferencesUrl: 'https://lists.example/p/preferences?t=c.d' };
  const fr = compile({ language: 'fr' }, sender);
  assert.equal(fr.linkLanguage, 'fr');
  const m = renderMessage(fr, links);
  assert.ok(m.html.includes('<a href="https://lists.example/p/unsubscribe?t=a.b">Se désinscrire</a>\n · <a href="https://lists.example/p/preferences?t=c.d">Gérer mes préférences</a>'), m.html);
  assert.ok(m.text.endsWith('\nSe désinscrire\u00a0: https://lists.example/p/unsubscribe?t=a.b\nGérer mes préférences\u00a0: https://lists.example/p/preferences?t=c.d'), m.text);
  for (const part of [m.html, m.text]) {
    assert.ok(part.includes('Immatriculation\u00a0: RCS Paris 123 456 789 · Représentée par Jeanne Martin'), part);
    assert.ok(part.includes('Adresse postale\u00a0: BP 42, 75001 Paris Cedex'), part);
  }
  const de = renderMessage(compile({ language: 'de' }, sender), links);
  assert.ok(de.text.includes('Registereintrag: RCS Paris 123 456 789 · Vertreten durch Jeanne Martin\nPostanschrift: BP 42, 75001 Paris Cedex'), de.text);
  assert.ok(de.text.endsWith('\nAbmelden: https://lists.example/p/unsubscribe?t=a.b\nEinstellungen verwalten: https://lists.example/p/preferences?t=c.d'), de.text);
  assert.ok(de.html.includes('>Abmelden</a>\n · <a href="https://lists.example/p/preferences?t=c.d">Einstellungen verwalten</a>'), de.html);

  const en = compile({}, sender);
  assert.equal(en.language, 'en');
  assert.equal(en.linkLanguage, undefined, 'English links carry no lang: the browser decides, as before');
  const e = renderMessage(en, links);
  assert.ok(e.text.endsWith('\nUnsubscribe: https://lists.example/p/unsubscribe?t=a.b\nManage preferences: https://lists.example/p/preferences?t=c.d'), e.text);
  assert.ok(e.text.includes('Registration: RCS Paris 123 456 789 · Represented by Jeanne Martin\nPostal address: BP 42, 75001 Paris Cedex'), e.text);
  // A send snapshot taken before campaigns had a language renders the same English message.
  const { language: _drop, ...withoutLanguage } = aCampaign();
  const old = compileCampaign({ campaign: withoutLanguage as CampaignFields, sender });
  assert.ok(old.ok);
  assert.equal(old.value.language, 'en');
  assert.deepEqual(renderMessage(old.value, links), e);
});

test('the CSS of a <style> block is written into style attributes; no <style> tag passes', () => {
  const c = compile({ html: '<html><head><style>body { background: #eee; font-family: Arial, sans-serif } .btn { background-color: #f60; color: #fff; padding: 8px 12px }'
    + ' h1 { font-size: 24px } @media (max-width: 600px) { .btn { width: 100% } } a:hover { color: red }</style></head>'
    + '<body><h1>Hi {{ contact.first_name }}</h1><table>{% for i in (1..2) %}<tr><td>{{ i }}</td></tr>{% endfor %}</table><a class="btn" href="https://shop.example/a?x=1&amp;y=2">Buy</a></body></html>', trackClicks: false });
  const m = renderMessage(c, { ...values, contact: { first_name: 'Ann' } });
  assert.ok(!/<style|@media|:hover/i.test(m.html), m.html);
  assert.match(m.html, /^<div style="background:#eee;font-family:Arial, sans-serif"><h1 style="font-size:24px">Hi Ann<\/h1>/);
  assert.match(m.html, /<table><tr><td>1<\/td><\/tr><tr><td>2<\/td><\/tr><\/table>/, 'Liquid tags between rows stay where they were');
  assert.match(m.html, /<a class="btn" href="https:\/\/shop.example\/a\?x=1&amp;y=2" style="background-color:#f60;color:#fff;padding:8px 12px">Buy<\/a>/);
});

test('style declarations that could run or fetch something are dropped, from a <style> block or an attribute', () => {
  const c = compile({ html: '<style>p { color: red; background: url(javascript:alert(1)); width: expression(alert(2)) } .x { behavior: url(x.htc); -moz-binding: url(x.xml#y) }'
    + ' .y { background-image: url("https://cdn.example/bg.png"); font-family: \'Helvetica Neue\' }</style>'
    + '<p class="x">a</p><p style="background-image: url(\'javascript:alert(3)\'); color: blue; width: \\65xpression(alert(4))">b</p>'
    + '<div class="y" style="margin: 0 /* */">c</div><span style="position: fixed; top: 0">d</span><p style="color: {{ contact.colour }}">e</p>' });
  const m = renderMessage(c, { ...values, contact: { colour: 'red; background: url(javascript:alert(5))' } });
  assert.ok(!/javascript|expression|behavior|binding|\\65|alert|position/i.test(m.html), m.html);
  assert.match(m.html, /<p class="x" style="color:red">a<\/p>/);
  assert.match(m.html, /<p style="color:blue">b<\/p>/);
  assert.match(m.html, /<div class="y" style="background-image:url\('https:\/\/cdn.example\/bg.png'\);font-family:'Helvetica Neue';margin:0">c<\/div>/);
  assert.match(m.html, /<span>d<\/span>/);
  assert.match(m.html, /<p>e<\/p>/, 'a merge tag in a style attribute: the contact\'s value could add declarations');
});
