/** Renders the public pages from the LiquidJS templates, with HTML escaping on every output. */
import { Liquid, type Template } from 'liquidjs';
import type { Language } from '../i18n/language.js';
import { messagesFor } from '../i18n/messages.js';
import { TEMPLATES } from './templates.js';

const liquid = new Liquid({ templates: TEMPLATES, outputEscape: 'escape', cache: true, ownPropertyOnly: true });
const parsed = new Map<string, Template[]>();

function template(name: string): Template[] {
  let t = parsed.get(name);
  if (!t) {
    const source = TEMPLATES[name];
    if (source === undefined) throw new Error(`no template "${name}"`);
    t = liquid.parse(source);
    parsed.set(name, t);
  }
  return t;
}

/** Renders page `name` in `lang`; `title` goes to the document title. */
export async function renderPage(name: string, lang: Language, context: Record<string, unknown>): Promise<string> {
  return liquid.render(template(name), { lang, t: messagesFor(lang), ...context });
}

/** A page with a title, one message and optional links: results and errors. */
export async function renderMessage(lang: Language, o: { title: string; body: string; tone?: 'ok' | 'errors' | ''; links?: { href: string; label: string }[] }): Promise<string> {
  return renderPage('message', lang, { title: o.title, body: o.body, tone: o.tone ?? '', links: o.links ?? [] });
}
