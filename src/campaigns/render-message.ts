/**
 * Rendering a campaign for one recipient, in two steps so that the per-message work stays small:
 * `compileCampaign` (once per send) writes the CSS of the template's `<style>` blocks into style attributes,
 * sanitises the author's HTML, derives the text part when none is given,
 * appends the footer with its fixed texts in the campaign's language (unsubscribe link, imprint, postal address,
 * disclosures), rewrites links for click tracking and parses every Liquid template; `renderMessage` (per
 * recipient) only fills in the values.
 * Merge values are HTML-escaped by default, and `raw` is disabled so contact data can never become markup.
 */
import { convert, type HtmlToTextOptions } from 'html-to-text';
import juice from 'juice';
import { Liquid } from 'liquidjs';
import sanitizeHtml from 'sanitize-html';
import { AppError, type Result } from '../errors.js';
import { isLanguage, type Language } from '../i18n/language.js';
import { format, messagesFor, type Messages } from '../i18n/messages.js';
import type { SenderProfile } from '../senders/sender-profile.js';
import type { CampaignFields } from './campaign.js';
import { compilePieces, renderPieces, type Pieces } from './liquid-pieces.js';

export type CompiledCampaign = {
  /** Parsed by LiquidJS, then cut into constant text and merge tags (`liquid-pieces.ts`). */
  subject: Pieces;
  html: Pieces;
  text: Pieces;
  /** Targets of the tracked links, by index; the click redirect reads them from the stored send. */
  links: string[];
  trackOpens: boolean;
  /** Whether a link or image address holds a merge tag: its scheme is then checked in each message. */
  mergedUrls?: boolean;
  /** The campaign's language, resolved once: its footer texts are in it. */
  language: Language;
  /**
   * `lang` for the unsubscribe and preferences page links: the campaign's language, except English, whose links
   * carry none so that the reader's browser picks the page language as before campaigns had one.
   */
  linkLanguage: Language | undefined;
};

/** Per-recipient values: the contact's merge fields and this recipient's signed links. */
export type RecipientValues = {
  contact: Record<string, unknown>;
  unsubscribeUrl: string;
  preferencesUrl?: string;
  /** Signed redirect for tracked link `index`; absent when click tracking is off. */
  clickUrl?: (index: number) => string;
  openUrl?: string;
};

export type RenderedMessage = { subject: string; html: string; text: string };

const escapeLiquid = new Liquid({ outputEscape: 'escape', strictFilters: true, ownPropertyOnly: true, cache: false });
const plainLiquid = new Liquid({ strictFilters: true, ownPropertyOnly: true, cache: false });
// `raw` would print contact data unescaped into the HTML; here it escapes like any other output.
const rawFilter = (v: unknown) => v;
escapeLiquid.registerFilter('raw', rawFilter);

/**
 * A style declaration's value that cannot run or fetch anything: no `expression(`, script URL, `behavior`/`binding`,
 * CSS escape (`\\65xpression`), comment, or brace (a merge tag in a style attribute would let a contact's value
 * add declarations of its own: inside `url(…)` too, where `x);behavior:…` would close it), no other way to name an
 * image (`image-set(`, `image(`, `cross-fade(`, `element(`), and `url(…)` only to an https address: a fetch over
 * plain http is readable and alterable on the way, so only https images load.
 */
const SAFE_CSS_VALUE = /^(?:(?!expression|javascript|vbscript|behavior|binding|@import|url\s*\(|image-set|image\s*\(|cross-fade|element\s*\(|src\s*\(|\/\*)[^\\{}<>;]|url\(\s*(?:'https:\/\/[^'\\(){}\s]*'|"https:\/\/[^"\\(){}\s]*"|https:\/\/[^'"\\(){}\s]*)\s*\))*$/i;
const CSS_PROPERTIES = [
  'color', 'background', 'background-color', 'background-image', 'background-position', 'background-repeat', 'background-size',
  'border', 'border-top', 'border-right', 'border-bottom', 'border-left', 'border-color', 'border-style', 'border-width',
  'border-top-color', 'border-right-color', 'border-bottom-color', 'border-left-color', 'border-top-style', 'border-right-style',
  'border-bottom-style', 'border-left-style', 'border-top-width', 'border-right-width', 'border-bottom-width', 'border-left-width',
  'border-radius', 'border-top-left-radius', 'border-top-right-radius', 'border-bottom-left-radius', 'border-bottom-right-radius',
  'border-collapse', 'border-spacing', 'margin', 'margin-top', 'margin-right', 'margin-bottom', 'margin-left',
  'padding', 'padding-top', 'padding-right', 'padding-bottom', 'padding-left', 'width', 'min-width', 'max-width', 'height',
  'min-height', 'max-height', 'font', 'font-family', 'font-size', 'font-style', 'font-weight', 'font-variant', 'line-height',
  'letter-spacing', 'word-spacing', 'text-align', 'text-decoration', 'text-indent', 'text-transform', 'vertical-align',
  'white-space', 'word-break', 'word-wrap', 'overflow-wrap', 'direction', 'display', 'visibility', 'overflow', 'float', 'clear',
  'opacity', 'box-sizing', 'list-style', 'list-style-type', 'list-style-position', 'table-layout', 'caption-side', 'empty-cells',
  'mso-line-height-rule', 'mso-table-lspace', 'mso-table-rspace', 'mso-hide', '-webkit-text-size-adjust', '-ms-text-size-adjust',
];

// Inlined once per campaign; what needs a <style> block to work (media queries, :hover, @font-face) is not kept: the
// sanitiser would drop the block anyway. Width/height/bgcolor attributes are left as the author wrote them.
const JUICE: juice.Options = {
  removeStyleTags: true, preserveMediaQueries: false, preserveFontFaces: false, preserveKeyFrames: false, preservePseudos: false,
  insertPreservedExtraCss: false, preserveImportant: true, applyWidthAttributes: false, applyHeightAttributes: false, applyAttributesTableElements: false,
};
// Liquid tags stay as written (juice already sets `{{ … }}` aside)
juice.codeBlocks.LIQUID = { start: '{%', end: '%}' };

/** The CSS of the template's `<style>` blocks written into the style attribute of each element it selects. */
function inlineStyles(html: string): string {
  if (!/<style[\s>]/i.test(html)) return html;
  try {
    return juice(html, JUICE);
  } catch (err) {
    throw new AppError('invalid_input', `HTML: ${(err as Error).message}`, {
      userMessage: `The HTML's <style> block could not be read: ${(err as Error).message}`,
      details: { issues: [{ path: 'html', message: (err as Error).message }] },
    });
  }
}

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'center', 'font', 'span', 'del', 'ins', 'sup', 'sub', 'hr'],
  allowedAttributes: {
    '*': ['style', 'align', 'valign', 'width', 'height', 'bgcolor', 'color', 'dir', 'lang', 'class', 'title'],
    a: ['href', 'name', 'target', 'rel'],
    img: ['src', 'alt', 'border'],
    table: ['border', 'cellpadding', 'cellspacing', 'role'],
    td: ['colspan', 'rowspan'],
    th: ['colspan', 'rowspan'],
    font: ['face', 'size'],
  },
  // sanitize-html's own list (`xmp` included: its text would come back as markup), plus a full document's head: its
  // <title> was shown as the first line of the mail.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'xmp', 'title', 'head'],
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['https', 'http', 'cid'] },
  allowProtocolRelative: false,
  // Without a list every declaration passed, `url(javascript:…)` and `expression(…)` included.
  allowedStyles: { '*': Object.fromEntries(CSS_PROPERTIES.map((p) => [p, [SAFE_CSS_VALUE]])) },
  // The body's own style (a template's background and font, inlined from `body { … }`) stays, on a div.
  transformTags: { body: (tagName, attribs) => (attribs.style ? { tagName: 'div', attribs: { style: attribs.style } } : { tagName, attribs }) },
};

const ESCAPE: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPE[c]);
// Footer text comes from the sender profile, not from Liquid: braces are neutralised so it stays literal.
const literal = (s: string) => s.replace(/\{/g, '&#123;').replace(/\}/g, '&#125;');
const textLiteral = (s: string) => `{% raw %}${s.replace(/\{%/g, '{ %')}{% endraw %}`;

// An href or src with a merge tag can take its scheme from contact data (`{{ contact.site }}`, `java{{ … }}`),
// which the sanitiser never saw.
const MERGED_URL = /\s(?:href|src)="[^"]*\{[{%]/i;
const URL_ATTRIBUTE = /(\s(?:href|src)=")([^"]*)"/gi;
const URL_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#34;': '"', '&#39;': "'" };
/**
 * A rendered address a browser would run or that is no web, mail, phone or inline image address (`javascript:`
 * from a contact's field in `href="{{ contact.site }}"`) becomes `#`. The value holds only the entities the
 * sanitiser and Liquid's escape write; control characters and spaces are dropped first, as browsers do.
 */
function safeMergedUrls(html: string): string {
  return html.replace(URL_ATTRIBUTE, (whole, start: string, value: string) => {
    const bare = value.replace(/&(?:amp|lt|gt|quot|#34|#39);/g, (e) => URL_ENTITIES[e]).replace(/[\u0000-\u0020\u007f]/g, '');
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(bare);
    return !scheme || /^(?:https?|mailto|tel|cid)$/i.test(scheme[1]) ? whole : `${start}#"`;
  });
}

// A link with a merge tag in it is left as written (its target differs by recipient); `%` is ordinary percent-encoding
// (`?q=red%20shoes`), whose links went untracked, so their clicks never counted as engagement.
const TRACKABLE = /^https?:\/\/[^\s{}]+$/i;

/**
 * The generated text part. Tables are read row by row with a space between cells (a layout table's blocks stay
 * blocks; html-to-text's own layout format ran inline cells together: "Price10 €"), and an image gives its alt
 * text, so a linked image button reads "Buy now [https://…]" rather than a bare address; a link whose text is its
 * address is written once ("help@shop.example", not "help@shop.example [help@shop.example]").
 */
const TO_TEXT: HtmlToTextOptions = {
  wordwrap: false,
  formatters: {
    altText: (elem, _walk, builder) => { const alt = String(elem.attribs?.alt ?? '').trim(); if (alt) builder.addInline(alt); },
    cell: (elem, walk, builder) => { walk(elem.children, builder); builder.addInline(' '); },
  },
  selectors: [
    { selector: 'h1', options: { uppercase: false } }, { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } }, { selector: 'img', format: 'altText' },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'table', format: 'block' }, { selector: 'tr', format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: 'td', format: 'cell' }, { selector: 'th', format: 'cell' },
  ],
};

type FooterTexts = Pick<Messages, 'mail.footer.unsubscribe' | 'mail.footer.unsubscribeText' | 'mail.footer.preferences'
  | 'mail.footer.preferencesText' | 'mail.footer.registration' | 'mail.footer.representative' | 'mail.footer.postalAddress'>;

function footerParts(campaign: CampaignFields, sender: SenderProfile, t: FooterTexts): { lines: string[]; disclosure: string } {
  const imprint = [sender.company, sender.address,
    sender.registration && format(t['mail.footer.registration'], { registration: sender.registration }),
    sender.representative && format(t['mail.footer.representative'], { representative: sender.representative })].filter(Boolean).join(' · ');
  const contact = [sender.contactEmail, sender.contactPhone, sender.website].filter(Boolean).join(' · ');
  const postal = sender.postalAddress && sender.postalAddress !== sender.address ? format(t['mail.footer.postalAddress'], { address: sender.postalAddress }) : '';
  const lines = [imprint, postal, contact].filter(Boolean);
  return { lines, disclosure: campaign.legitimateInterestDisclosure };
}

function htmlFooter(campaign: CampaignFields, sender: SenderProfile, t: FooterTexts): string {
  const { lines, disclosure } = footerParts(campaign, sender, t);
  const p = (s: string) => `<p style="margin:4px 0">${literal(escapeHtml(s))}</p>`;
  return [
    '<div class="lw-footer" style="margin-top:24px;font-size:12px;color:#555">',
    disclosure ? p(disclosure) : '',
    ...lines.map(p),
    `<p style="margin:4px 0"><a href="{{ unsubscribe_url }}">${escapeHtml(t['mail.footer.unsubscribe'])}</a>`,
    `{% if preferences_url %} · <a href="{{ preferences_url }}">${escapeHtml(t['mail.footer.preferences'])}</a>{% endif %}</p>`,
    '</div>',
  ].join('\n');
}

function textFooter(campaign: CampaignFields, sender: SenderProfile, t: FooterTexts): string {
  const { lines, disclosure } = footerParts(campaign, sender, t);
  return ['', '--', ...[disclosure, ...lines].filter(Boolean).map(textLiteral), format(t['mail.footer.unsubscribeText'], { url: '{{ unsubscribe_url }}' }),
    `{% if preferences_url %}${format(t['mail.footer.preferencesText'], { url: '{{ preferences_url }}' })}{% endif %}`].join('\n');
}

function parse(engine: Liquid, source: string, part: string): Pieces {
  try {
    return compilePieces(engine, source, engine.parse(source), { rawFilter });
  } catch (err) {
    throw new AppError('invalid_input', `${part}: ${(err as Error).message}`, {
      userMessage: `The ${part} has a merge tag error: ${(err as Error).message}`,
      details: { issues: [{ path: part, message: (err as Error).message }] },
    });
  }
}

/** Prepares a campaign for sending; a Liquid syntax error is returned as `invalid_input` naming the part. */
export function compileCampaign(options: { campaign: CampaignFields; sender: SenderProfile }): Result<CompiledCampaign> {
  const { campaign, sender } = options;
  // A send snapshot taken before campaigns had a language has none: it was English.
  const language: Language = isLanguage(campaign.language) ? campaign.language : 'en';
  const t = messagesFor(language);
  try {
    const clean = sanitizeHtml(inlineStyles(campaign.html), SANITIZE);
    const textSource = campaign.text ?? convert(clean, TO_TEXT);
    const links: string[] = [];
    const tracked = !campaign.trackClicks ? clean : sanitizeHtml(clean, {
      allowedTags: false, allowedAttributes: false, allowVulnerableTags: true,
      transformTags: {
        a: (tagName, attribs) => {
          const href = attribs.href ?? '';
          if (!TRACKABLE.test(href)) return { tagName, attribs };
          links.push(href.replace(/&amp;/g, '&'));
          return { tagName, attribs: { ...attribs, href: `{{ __c[${links.length - 1}] }}` } };
        },
      },
    });
    const label = campaign.advertisementLabel
      ? `<p class="lw-label" style="font-size:12px;color:#555">${literal(escapeHtml(campaign.advertisementLabel))}</p>\n` : '';
    const pixel = '{% if __open %}<img src="{{ __open }}" width="1" height="1" alt="" style="display:block;border:0">{% endif %}';
    const html = `${label}${tracked}\n${htmlFooter(campaign, sender, t)}\n${campaign.trackOpens ? pixel : ''}`;
    const text = `${campaign.advertisementLabel ? textLiteral(campaign.advertisementLabel) + '\n\n' : ''}${textSource}\n${textFooter(campaign, sender, t)}`;
    return {
      ok: true,
      value: {
        subject: parse(plainLiquid, campaign.subject, 'subject'),
        html: parse(escapeLiquid, html, 'HTML'),
        text: parse(plainLiquid, text, 'text'),
        links,
        trackOpens: campaign.trackOpens,
        ...(MERGED_URL.test(clean) ? { mergedUrls: true } : {}),
        language,
        linkLanguage: language === 'en' ? undefined : language,
      },
    };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, error: err };
    throw err;
  }
}

/** What a merge tag may read at its top level; anything else is always empty. */
const MERGE_ROOTS = new Set(['contact', 'unsubscribe_url', 'preferences_url']);

/**
 * The top-level names a template reads that no message gives a value (`first_name` for `{{ first_name }}`), by
 * LiquidJS's own analysis (variables it assigns or loops over are not counted); none for a template that does not parse.
 */
export function unknownMergeTags(source: string): string[] {
  if (!source.includes('{')) return [];
  try {
    return plainLiquid.globalVariablesSync(plainLiquid.parse(source)).filter((name) => !MERGE_ROOTS.has(name));
  } catch {
    return [];
  }
}

/** Renders one recipient's message. Pure: the signed links are computed by the caller. */
export function renderMessage(compiled: CompiledCampaign, values: RecipientValues): RenderedMessage {
  const clicks = values.clickUrl ? compiled.links.map((_, i) => values.clickUrl!(i)) : compiled.links;
  const scope = {
    contact: values.contact,
    unsubscribe_url: values.unsubscribeUrl,
    preferences_url: values.preferencesUrl ?? '',
    __c: clicks,
    __open: compiled.trackOpens ? values.openUrl ?? '' : '',
  };
  return {
    subject: renderPieces(compiled.subject, scope).replace(/\s+/g, ' ').trim(),
    html: compiled.mergedUrls ? safeMergedUrls(renderPieces(compiled.html, scope)) : renderPieces(compiled.html, scope),
    text: renderPieces(compiled.text, scope),
  };
}
