/**
 * Role addresses: local parts that name a function rather than a person. The check runs for every line of the
 * CLI's hot path, so the common case (an ASCII local part) walks a trie by character codes, allocating nothing;
 * anything else takes the reference path, which says what "normalised" means.
 */

/**
 * Local parts that name a function rather than a person (RFC 2142 mailbox names, and the usual ones in
 * English, French and German: a sales desk is `sales@`, `ventes@` or `verkauf@`). Kept without separators: `no-reply`, `no_reply` and `no.reply` all fold to `noreply`.
 */
export const ROLE_NAMES: ReadonlySet<string> = new Set([
  'abuse', 'accounting', 'accounts', 'admin', 'administrator', 'administration', 'billing', 'bookings', 'booking',
  'careers', 'career', 'contact', 'contacts', 'contactus', 'customercare', 'customerservice', 'customerservices',
  'donotreply', 'dontreply', 'enquiries', 'enquiry', 'feedback', 'finance', 'ftp', 'hello', 'help', 'helpdesk',
  'hostmaster', 'hr', 'info', 'information', 'inquiries', 'inquiry', 'investors', 'ir', 'it', 'jobs', 'legal',
  'list', 'listserv', 'mail', 'mailerdaemon', 'majordomo', 'marketing', 'media', 'news', 'newsletter', 'noc',
  'noreply', 'office', 'orders', 'postmaster', 'pr', 'press', 'privacy', 'reception', 'recruiting', 'recruitment',
  'root', 'sales', 'security', 'service', 'services', 'shop', 'spam', 'staff', 'store', 'subscribe', 'support',
  'sysadmin', 'team', 'tech', 'unsubscribe', 'usenet', 'uucp', 'webmaster', 'www',
  'bounce', 'bounces', 'dmarc', 'events', 'invoice', 'invoices', 'membership', 'notifications', 'partners',
  'partnerships', 'procurement', 'purchasing', 'reservations', 'reservation', 'returns', 'webshop', 'website',
  // French
  'accueil', 'achat', 'achats', 'administratif', 'assistance', 'candidature', 'candidatures', 'commande',
  'commandes', 'commercial', 'communication', 'compta', 'comptabilite', 'devis', 'direction', 'emploi', 'emplois',
  'facturation', 'factures', 'juridique', 'nepasrepondre', 'partenariats', 'recrutement', 'relationclient', 'rh',
  'sav', 'secretariat', 'serviceclient', 'serviceclients', 'vente', 'ventes',
  // German
  'anfrage', 'anfragen', 'bestellung', 'bestellungen', 'bewerbung', 'bewerbungen', 'buchhaltung', 'buero',
  'datenschutz', 'einkauf', 'empfang', 'geschaeftsfuehrung', 'geschaeftsleitung', 'hilfe', 'impressum',
  'karriere', 'keineantwort', 'kontakt', 'kundendienst', 'kundenservice', 'personal', 'personalabteilung', 'presse',
  'rechnung', 'rechnungen', 'redaktion', 'sekretariat', 'verkauf', 'vertrieb', 'verwaltung', 'zentrale',
]);

const SEPARATORS = /[-_."\s]/g;
const HAS_SEPARATOR = /[-_."\s]/;

/**
 * The reference definition: the local part (before the last `@`, up to the first `+`), lower-cased, without
 * separators, is a role name, or a role name followed by digits (`info2@`, `sales01@`).
 */
export function isRoleAddressReference(address: string): boolean {
  const at = address.lastIndexOf('@');
  let local = at >= 0 ? address.slice(0, at) : address;
  const plus = local.indexOf('+');
  if (plus >= 0) local = local.slice(0, plus);
  local = local.toLowerCase();
  if (HAS_SEPARATOR.test(local)) local = local.replace(SEPARATORS, '');
  if (ROLE_NAMES.has(local)) return true;
  let end = local.length;
  while (end > 0 && local.charCodeAt(end - 1) >= 48 && local.charCodeAt(end - 1) <= 57) end--;
  return end < local.length && end > 0 && ROLE_NAMES.has(local.slice(0, end));
}

// The trie over the lower-case ASCII role names: node n's child for code c is at NEXT[n * 128 + c] (0: none;
// node 0 is the root, which is never a child). 128 slots per node keep the walk a single indexed load.
const nodes: number[][] = [[]];
const terminal: boolean[] = [false];
for (const name of ROLE_NAMES) {
  let n = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || (c >= 65 && c <= 90)) throw new Error(`role name ${name} must be lower-case ASCII`);
    if (nodes[n][c] === undefined) {
      nodes[n][c] = nodes.length;
      nodes.push([]);
      terminal.push(false);
    }
    n = nodes[n][c];
  }
  terminal[n] = true;
}
const NEXT = new Int32Array(nodes.length * 128);
const TERMINAL = new Uint8Array(nodes.length);
for (let n = 0; n < nodes.length; n++) {
  TERMINAL[n] = terminal[n] ? 1 : 0;
  nodes[n].forEach((child, c) => { NEXT[n * 128 + c] = child; });
}

// The separators of the reference path that are ASCII: - _ . " and the ASCII white space of \s.
const IS_SEPARATOR = new Uint8Array(128);
for (const c of [45, 95, 46, 34, 9, 10, 11, 12, 13, 32]) IS_SEPARATOR[c] = 1;

/** True when the address's local part names a role (sales@, no_reply@, Info+promo@ …), whatever its case. */
export function isRoleAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  const end = at >= 0 ? at : address.length;
  let node = 0; // -1 once the normalised text has left the trie
  let stemNode = -1; // the node after the last non-digit character: a role name followed by digits ends there
  let digits = 0; // digits since that character
  for (let i = 0; i < end; i++) {
    let c = address.charCodeAt(i);
    if (c === 43) break; // '+': a sub-address follows
    // Non-ASCII lower-cases in ways only the reference path knows (the Kelvin sign becomes 'k', and \s has
    // Unicode spaces), so it decides. A non-digit that already left the trie returned false before getting here.
    if (c >= 128) return isRoleAddressReference(address);
    if (IS_SEPARATOR[c] === 1) continue;
    if (c >= 65 && c <= 90) c += 32;
    if (node >= 0) {
      const next = NEXT[node * 128 + c];
      node = next === 0 ? -1 : next;
    }
    if (c >= 48 && c <= 57) {
      digits++;
    } else {
      // A non-digit ends any run of digits, so the stem now ends here; off the trie, nothing after can match
      // (lower-casing and dropping separators never change the characters already read).
      if (node < 0) return false;
      stemNode = node;
      digits = 0;
    }
  }
  if (node > 0 && TERMINAL[node] === 1) return true;
  return digits > 0 && stemNode > 0 && TERMINAL[stemNode] === 1;
}
