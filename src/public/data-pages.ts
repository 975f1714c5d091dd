/**
 * Preference centre, "my data" (with the JSON access export and the erasure request) and the access page that
 * mails a link to a person who has none. Registered by `public-pages.routes.ts` in its scope.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { format, messagesFor, type Messages } from '../i18n/messages.js';
import type { Language } from '../i18n/language.js';
import { checkCsrf, csrfToken } from '../security/csrf.js';
import { verify, type VerifiedToken } from '../security/tokens.js';
import { eraseOwnData } from '../erasure/erase-own-data.js';
import { getMyData, type MyData } from './get-my-data.js';
import { myDataUrl, preferencesUrl, unsubscribeUrl, PUBLIC_PATHS } from './links.js';
import { bodyOf, errorPage, languageOf, sendPage, str, strs, tokenOrPage, type PublicContext } from './http.js';
import { renderMessage, renderPage } from './render.js';
import { findController, findWorkspaceBySlug, listOfferedLists } from './public.repository.js';
import { requestAccessLink } from './request-access-link.js';
import { updatePreferences, type Frequency } from './update-preferences.js';

const FREQUENCIES: Frequency[] = ['any', 'weekly', 'monthly'];

export function registerDataPages(app: FastifyInstance, ctx: PublicContext): void {
  const { deps } = ctx;
  const secret = deps.config.secretKey;
  const baseUrl = deps.config.baseUrl;
  const csrfOk = (request: FastifyRequest, token: VerifiedToken) =>
    checkCsrf({ secret, tokenId: token.tokenId, given: str(bodyOf(request).csrf), origin: request.headers.origin, baseUrl });

  // The my-data and preference links both open the preference centre and the my-data page.
  const tokenFor = async (request: FastifyRequest, reply: FastifyReply, raw: unknown) => {
    const asPrefs = verify({ secret, purpose: 'preferences', token: str(raw) ?? '', now: deps.now() });
    if (asPrefs.ok) return asPrefs.value;
    return tokenOrPage(ctx, request, reply, 'my-data', raw);
  };
  const links = (token: VerifiedToken, contactId: string, lang: Language) => {
    const o = { baseUrl, secret, workspaceId: token.payload.workspaceId, contactId, now: deps.now(), lang };
    return { preferencesHref: preferencesUrl(o), myDataHref: myDataUrl(o), unsubscribeHref: unsubscribeUrl(o) };
  };

  const showPreferences = async (request: FastifyRequest, reply: FastifyReply, token: VerifiedToken, rawToken: string, saved: boolean) => {
    const lang = languageOf(request);
    const t = messagesFor(lang);
    const { workspaceId, contactId } = token.payload;
    const data = contactId ? await getMyData({ db: deps.db, workspaceId, contactId }) : undefined;
    if (!data || !contactId) return errorPage(reply, lang, 404, t['link.invalid']);
    const offered = await listOfferedLists(deps.db, workspaceId);
    const memberOf = new Set(data.lists.map((l) => l.id));
    const lists = [...offered.map((l) => ({ ...l, member: memberOf.has(l.id) })), ...data.lists.filter((l) => !offered.some((o) => o.id === l.id)).map((l) => ({ id: l.id, name: l.name, member: true }))];
    const channelSet = [...new Set(data.consents.map((c) => c.channel))];
    const channels = channelSet.map((id) => ({ id, label: t[`channel.${id}` as keyof Messages] ?? id, active: data.consents.some((c) => c.channel === id && !c.withdrawnAt) && !(id === 'email' && emailSuppressed(data)) }));
    const current = data.preferences?.frequency ?? 'any';
    const frequencies = FREQUENCIES.map((id) => ({ id, label: t[`frequency.${id}`], selected: id === current }));
    return sendPage(reply, 200, await renderPage('preferences', lang, {
      title: t['prefs.title'], email: data.contact.email, saved, lists, channels, frequencies, token: rawToken, controller: await findController(deps.db, workspaceId),
      csrf: csrfToken({ secret, tokenId: token.tokenId }), action: PUBLIC_PATHS.preferences, ...links(token, contactId, lang),
    }));
  };

  app.get(PUBLIC_PATHS.preferences, async (request, reply) => {
    const raw = (request.query as Record<string, unknown>).t;
    const token = await tokenFor(request, reply, raw);
    if (!token) return reply;
    return showPreferences(request, reply, token, str(raw)!, false);
  });

  app.post(PUBLIC_PATHS.preferences, async (request, reply) => {
    const body = bodyOf(request);
    const token = await tokenFor(request, reply, body.t);
    if (!token) return reply;
    const lang = languageOf(request);
    if (!csrfOk(request, token)) return errorPage(reply, lang, 403, messagesFor(lang)['error.csrf']);
    const frequency = FREQUENCIES.find((f) => f === str(body.frequency)) ?? 'any';
    const { workspaceId, contactId } = token.payload;
    if (!contactId) return errorPage(reply, lang, 400, messagesFor(lang)['link.invalid']);
    const r = await updatePreferences({ db: deps.db, workspaceId, contactId, listIds: strs(body.list), channels: strs(body.channel), frequency, now: deps.now() });
    if (!r.ok) return errorPage(reply, lang, 404, messagesFor(lang)['link.invalid']);
    return showPreferences(request, reply, token, str(body.t)!, true);
  });

  const showMyData = async (request: FastifyRequest, reply: FastifyReply, token: VerifiedToken, rawToken: string, eraseError?: boolean) => {
    const lang = languageOf(request);
    const t = messagesFor(lang);
    const { workspaceId, contactId } = token.payload;
    const data = contactId ? await getMyData({ db: deps.db, workspaceId, contactId }) : undefined;
    if (!data || !contactId) return errorPage(reply, lang, 404, t['link.invalid']);
    const labels = MY_DATA_LABELS[lang];
    return sendPage(reply, eraseError ? 400 : 200, await renderPage('myData', lang, {
      title: t['mydata.title'], data, fields: Object.entries(data.contact.fields), sourceText: describeSource(data, lang), labels, controller: await findController(deps.db, workspaceId),
      messages: data.messages.map((m) => ({ ...m, stateText: labels.states[m.state] ?? m.state })),
      blocks: data.suppressions.map((b) => ({ ...b, reasonText: labels.reasons[b.reason] ?? b.reason })),
      eraseError: eraseError ? format(labels.eraseNotTicked, { box: t['mydata.eraseConfirm'] }) : undefined,
      token: rawToken, csrf: csrfToken({ secret, tokenId: token.tokenId }), eraseAction: PUBLIC_PATHS.erase,
      exportHref: `${PUBLIC_PATHS.myDataExport}?t=${encodeURIComponent(rawToken)}`, ...links(token, contactId, lang),
    }));
  };

  app.get(PUBLIC_PATHS.myData, async (request, reply) => {
    const raw = (request.query as Record<string, unknown>).t;
    const token = await tokenFor(request, reply, raw);
    if (!token) return reply;
    return showMyData(request, reply, token, str(raw)!);
  });

  // A GET that only reads: the person's browser downloads the file.
  app.get(PUBLIC_PATHS.myDataExport, async (request, reply) => {
    const token = await tokenFor(request, reply, (request.query as Record<string, unknown>).t);
    if (!token) return reply;
    const { workspaceId, contactId } = token.payload;
    const data = contactId ? await getMyData({ db: deps.db, workspaceId, contactId }) : undefined;
    if (!data) return errorPage(reply, languageOf(request), 404, messagesFor(languageOf(request))['link.invalid']);
    return reply.status(200).type('application/json; charset=utf-8').header('Content-Disposition', 'attachment; filename="my-data.json"')
      .send(JSON.stringify({ exportedAt: deps.now().toISOString(), ...data }, null, 2));
  });

  app.post(PUBLIC_PATHS.erase, async (request, reply) => {
    const body = bodyOf(request);
    const token = await tokenFor(request, reply, body.t);
    if (!token) return reply;
    const lang = languageOf(request);
    const t = messagesFor(lang);
    if (!csrfOk(request, token)) return errorPage(reply, lang, 403, t['error.csrf']);
    // The box left unticked: the same page again, saying which box, rather than an error page quoting its label.
    if (str(body.confirm) !== 'yes') return showMyData(request, reply, token, str(body.t)!, true);
    const { workspaceId, contactId } = token.payload;
    if (contactId) {
      const r = await eraseOwnData({ db: deps.db, workspaceId, contactId, actor: { type: 'system', id: 'self-service' }, now: deps.now() });
      if (!r.ok && r.error.code !== 'not_found') throw r.error;
    }
    return sendPage(reply, 200, await renderMessage(lang, { title: t['mydata.title'], body: t['mydata.erased'], tone: 'ok' }));
  });

  // --- access: a person without a link asks for one. Same page, same status, same timing either way.
  app.get<{ Params: { slug: string } }>(`${PUBLIC_PATHS.access}/:slug`, async (request, reply) => {
    const lang = languageOf(request);
    const ws = await findWorkspaceBySlug(deps.db, request.params.slug);
    if (!ws) return errorPage(reply, lang, 404, messagesFor(lang)['link.invalid']);
    // the person is told whose data they are asking for, and how to reach them otherwise
    return sendPage(reply, 200, await renderPage('access', lang, { title: messagesFor(lang)['access.title'], action: `${PUBLIC_PATHS.access}/${request.params.slug}`, controller: await findController(deps.db, ws.id) }));
  });

  app.post<{ Params: { slug: string } }>(`${PUBLIC_PATHS.access}/:slug`, async (request, reply) => {
    const lang = languageOf(request);
    const t = messagesFor(lang);
    const now = deps.now();
    const email = (str(bodyOf(request).email) ?? '').trim().slice(0, 254);
    if (!ctx.limiters.accessPerIp.hit(`ip:${request.ip}`, now).allowed) return errorPage(reply.header('Retry-After', '600'), lang, 429, t['error.rate']);
    const ws = await findWorkspaceBySlug(deps.db, request.params.slug);
    if (!ws) return errorPage(reply, lang, 404, t['link.invalid']);
    // Over the per-address limit the answer is unchanged; only the mail is skipped.
    const allowed = ctx.limiters.accessPerAddress.hit(`addr:${ws.id}:${email.toLowerCase()}`, now).allowed;
    if (allowed && email) {
      setImmediate(() => {
        requestAccessLink({ db: deps.db, mailSender: ctx.mailSender, workspaceId: ws.id, email, language: lang, baseUrl, secret, now })
          .catch((err) => app.log.warn({ err: (err as Error).message }, 'access link not sent'));
      });
    }
    return sendPage(reply, 200, await renderMessage(lang, { title: t['access.title'], body: t['access.sent'], tone: 'ok' }));
  });
}

function emailSuppressed(data: MyData): boolean {
  return data.suppressions.some((s) => s.liftedAt === null && ['unsubscribe', 'objection', 'complaint', 'erasure', 'manual'].includes(s.reason));
}

function describeSource(data: MyData, lang: Language): string {
  const at = data.source.at ? new Date(data.source.at).toLocaleString(lang === 'en' ? 'en-GB' : lang, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC' : '';
  const ev = data.source.evidence[0];
  const doi = data.consents.find((c) => c.method === 'double_opt_in');
  // the form as the person saw it, by its name; the internal reference only when no name was kept
  const formName = typeof doi?.evidence.formName === 'string' ? doi.evidence.formName : undefined;
  const form = typeof ev === 'string' && ev.startsWith('form:') ? ` (${formName ? `“${formName}”` : ev})` : '';
  const ip = doi && typeof doi.evidence.ip === 'string' ? `, IP ${doi.evidence.ip}` : '';
  const type = data.source.type === 'web_form' && doi?.confirmedAt ? 'web_form_doi' : data.source.type;
  return format('{type}{form}, {at}{ip}', { type: sourceLabel(type, lang), form, at, ip });
}

function sourceLabel(type: string, lang: Language): string {
  const labels: Record<string, Record<Language, string>> = {
    web_form: { en: 'You signed up on a web form', fr: 'Vous vous êtes inscrit via un formulaire web', de: 'Sie haben sich über ein Webformular angemeldet' },
    web_form_doi: { en: 'You signed up on a web form and confirmed by email', fr: 'Vous vous êtes inscrit via un formulaire web et avez confirmé par e-mail', de: 'Sie haben sich über ein Webformular angemeldet und per E-Mail bestätigt' },
  };
  return labels[type]?.[lang] ?? type;
}

// The my-data page's own words beyond the shared messages: the consent table's headings, the mails sent, and
// the answer to an erasure asked without its box ticked.
type MyDataLabels = {
  channel: string; method: string; given: string; confirmed: string; withdrawn: string; messages: string; campaign: string; subject: string; state: string; date: string;
  states: Record<string, string>; reasons: Record<string, string>; lifted: string; eraseNotTicked: string;
};
const MY_DATA_LABELS: Record<Language, MyDataLabels> = {
  en: {
    channel: 'Channel', method: 'How it was given', given: 'Given', confirmed: 'Confirmed', withdrawn: 'Withdrawn',
    messages: 'Campaign mails', campaign: 'Campaign', subject: 'Subject', state: 'Outcome', date: 'Sent',
    states: { sent: 'sent', bounced: 'returned undelivered', blocked: 'not sent (you were not to be mailed)', queued: 'waiting to be sent', sending: 'being sent', retry_exhausted: 'could not be delivered', cancelled: 'not sent (cancelled)' },
    reasons: { unsubscribe: 'you unsubscribed', objection: 'you objected', complaint: 'you reported a mail as spam', erasure: 'your data was erased', hard_bounce: 'mail to the address could not be delivered', manual: 'blocked by the sender' },
    lifted: 'lifted on',
    eraseNotTicked: 'Nothing was erased: tick “{box}” to confirm, then press the button again.',
  },
  fr: {
    channel: 'Canal', method: 'Mode de recueil', given: 'Donné le', confirmed: 'Confirmé le', withdrawn: 'Retiré le',
    messages: 'E-mails de campagne', campaign: 'Campagne', subject: 'Objet', state: 'Résultat', date: 'Envoyé le',
    states: { sent: 'envoyé', bounced: 'revenu non distribué', blocked: 'non envoyé (vous ne deviez pas le recevoir)', queued: 'en attente d’envoi', sending: 'en cours d’envoi', retry_exhausted: 'n’a pas pu être distribué', cancelled: 'non envoyé (annulé)' },
    reasons: { unsubscribe: 'vous vous êtes désinscrit', objection: 'vous vous y êtes opposé', complaint: 'vous avez signalé un e-mail comme spam', erasure: 'vos données ont été effacées', hard_bounce: 'les e-mails à cette adresse ne pouvaient pas être distribués', manual: 'bloqué par l’expéditeur' },
    lifted: 'levé le',
    eraseNotTicked: 'Rien n’a été effacé : cochez « {box} » pour confirmer, puis appuyez de nouveau sur le bouton.',
  },
  de: {
    channel: 'Kanal', method: 'Art der Einwilligung', given: 'Erteilt', confirmed: 'Bestätigt', withdrawn: 'Widerrufen',
    messages: 'Kampagnen-E-Mails', campaign: 'Kampagne', subject: 'Betreff', state: 'Ergebnis', date: 'Gesendet',
    states: { sent: 'gesendet', bounced: 'unzustellbar zurückgekommen', blocked: 'nicht gesendet (Sie durften sie nicht erhalten)', queued: 'wartet auf Versand', sending: 'wird gesendet', retry_exhausted: 'konnte nicht zugestellt werden', cancelled: 'nicht gesendet (abgebrochen)' },
    reasons: { unsubscribe: 'Sie haben sich abgemeldet', objection: 'Sie haben widersprochen', complaint: 'Sie haben eine E-Mail als Spam gemeldet', erasure: 'Ihre Daten wurden gelöscht', hard_bounce: 'E-Mails an die Adresse waren nicht zustellbar', manual: 'vom Absender gesperrt' },
    lifted: 'aufgehoben am',
    eraseNotTicked: 'Es wurde nichts gelöscht: Kreuzen Sie „{box}“ an und drücken Sie den Knopf erneut.',
  },
};
