/**
 * Header mapping: recognises the usual column names in English, French and German and keeps every other
 * column as a custom field under its own (trimmed) name.
 */

export const knownFields = ['email', 'firstName', 'lastName', 'fullName', 'country', 'phone', 'language', 'company', 'birthDate',
  'unsubscribed', 'bounced', 'status', 'acceptsMarketing'] as const;
export type KnownField = (typeof knownFields)[number];

// Besides the usual words, the headers of the tools lists are exported from: Mailchimp ("Email Address", "CC" for
// the country code), Brevo ("EMAIL", "PRENOM", "SMS"), CleverReach and rapidmail, Google Contacts ("E-mail 1 -
// Value", "Organization Name", "Address 1 - Country"), Outlook in English, French and German ("E-mail Address",
// "Adresse de messagerie", "Home Country/Region", "Pays/Région (domicile)", "Land/Region (privat)") and Thunderbird
// ("Primary Email", "Display Name"), HubSpot, Klaviyo, Shopify ("Default Address Country Code") and WooCommerce's
// order exports ("Billing Email Address", "Billing Country"). A file with two of them keeps the first; the second
// stays custom.
const synonyms: Record<KnownField, string[]> = {
  email: ['email', 'e-mail', 'emailaddress', 'email address', 'e-mail address', 'mail', 'courriel', 'adresse email',
    'adresse e-mail', 'adresse mail', 'adresse electronique', 'e-mail-adresse', 'emailadresse', 'mailadresse', 'e-post',
    'e-mail 1 - value', 'primary email', 'email 1', 'adresse de messagerie', 'billing email', 'billing email address'],
  firstName: ['first name', 'firstname', 'first', 'given name', 'forename', 'prenom', 'vorname', 'billing first name'],
  lastName: ['last name', 'lastname', 'surname', 'family name', 'nom', 'nom de famille', 'nachname', 'familienname', 'billing last name'],
  fullName: ['name', 'full name', 'fullname', 'display name', 'nom complet', 'vollstandiger name'],
  country: ['country', 'country code', 'cc', 'country/region', 'home country/region', 'business country/region',
    'address 1 - country', 'pays', 'code pays', 'pays/region', 'pays/region (domicile)', 'pays/region (bureau)', 'land',
    'landercode', 'land/region', 'land/region (privat)', 'land/region (geschaftlich)', 'default address country code',
    'default address country', 'billing country', 'billing country code', 'shipping country'],
  phone: ['phone', 'phone number', 'telephone', 'tel', 'mobile', 'mobile phone', 'mobile number', 'cell', 'cell phone', 'sms',
    'phone 1 - value', 'portable', 'numero de telephone', 'telephone mobile', 'telefon', 'telefonnummer', 'handy', 'mobil',
    'mobilnummer', 'mobiltelefon', 'billing phone'],
  language: ['language', 'lang', 'locale', 'langue', 'sprache'],
  company: ['company', 'company name', 'organisation', 'organization', 'organization name', 'organization 1 - name',
    'societe', 'entreprise', 'firma', 'unternehmen', 'billing company'],
  birthDate: ['birth date', 'birthdate', 'date of birth', 'dob', 'birthday', 'date de naissance', 'geburtsdatum'],
  // Columns by which the tool a list comes from says a person left or the address is dead: Mailchimp's
  // unsubscribed and cleaned exports (UNSUB_TIME, CLEAN_TIME), Brevo's blocklist flag, a status column.
  unsubscribed: ['unsub_time', 'unsubscribed', 'unsubscribed at', 'unsubscribe time', 'unsubscribe date', 'unsubscribed date',
    'date unsubscribed', 'opted out', 'opt out', 'optout', 'opt out date', 'email blacklisted', 'blacklisted', 'blocklisted',
    'email blocklisted', 'unsubscribed from all email', 'desinscrit', 'desinscrit le', 'date de desinscription', 'desabonne',
    'date de desabonnement', 'abgemeldet', 'abgemeldet am', 'abmeldedatum', 'abmeldung'],
  bounced: ['clean_time', 'bounced', 'hard bounced', 'hard bounce', 'hardbounce', 'bounce date', 'email hard bounce reason'],
  // Klaviyo's "Email Marketing Consent" holds SUBSCRIBED, UNSUBSCRIBED or NEVER_SUBSCRIBED: a status.
  status: ['status', 'member status', 'subscription status', 'subscriber status', 'email status', 'statut', 'abostatus',
    'email marketing consent'],
  // A yes/no column saying whether the person accepted email marketing (Shopify, Brevo's OPT_IN): "no" is no permission.
  acceptsMarketing: ['accepts email marketing', 'accepts marketing', 'opt in', 'optin', 'opted in', 'email opt in',
    'marketing opt in', 'newsletter opt in', 'accepts newsletter'],
};

/**
 * The custom field a known field's value is kept under (the contact has no column of its own for it): the
 * names sign-up forms use and campaigns' merge tags read (`{{ contact.first_name }}`). The phone and the birth
 * date go there only when they are not in a form the contact's own columns take (E.164, YYYY-MM-DD).
 */
export const customKey = {
  firstName: 'first_name', lastName: 'last_name', fullName: 'full_name', language: 'language', company: 'company',
  phone: 'phone', birthDate: 'birth_date', status: 'status',
} as const satisfies Partial<Record<KnownField, string>>;

/** Lower case, accents removed, punctuation (_ - .) turned into single spaces. */
export function normaliseHeader(header: string): string {
  return header
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[_\-.:/]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const lookup = new Map<string, KnownField>();
for (const field of knownFields) {
  for (const name of synonyms[field]) {
    lookup.set(normaliseHeader(name), field);
    lookup.set(normaliseHeader(name).replace(/ /g, ''), field);
  }
}

export type ColumnTarget = { kind: 'known'; field: KnownField } | { kind: 'custom'; name: string } | { kind: 'ignored' };
/** `headers`: the header each known field was read from, as the file spells it (for the report's reasons). */
export type HeaderMapping = { columns: ColumnTarget[]; emailColumn: number; customNames: string[]; headers: Partial<Record<KnownField, string>> };

/** Maps a header row. `emailColumn` is -1 when no column holds addresses. */
export function mapHeaders(headers: string[]): HeaderMapping {
  const taken = new Set<KnownField>();
  const known: Partial<Record<KnownField, string>> = {};
  const customNames: string[] = [];
  // The names known fields are kept under are taken, so that a second "first_name" column cannot overwrite the first.
  const usedCustom = new Set<string>(Object.values(customKey));
  const columns = headers.map((raw): ColumnTarget => {
    const norm = normaliseHeader(raw);
    const field = lookup.get(norm) ?? lookup.get(norm.replace(/ /g, ''));
    if (field && !taken.has(field)) {
      taken.add(field);
      known[field] = raw.trim();
      return { kind: 'known', field };
    }
    const trimmed = raw.trim();
    if (trimmed === '') return { kind: 'ignored' };
    let name = trimmed;
    for (let i = 2; usedCustom.has(name); i++) name = `${trimmed} (${i})`;
    usedCustom.add(name);
    customNames.push(name);
    return { kind: 'custom', name };
  });
  const emailColumn = columns.findIndex((c) => c.kind === 'known' && c.field === 'email');
  return { columns, emailColumn, customNames, headers: known };
}

export type MappedRow = { fields: Partial<Record<KnownField, string>>; custom: Record<string, string> };

// A date of all zeros is how several tools write "no date": Outlook's 0/0/00 birthday and anniversary, MySQL's
// 0000-00-00 (00:00:00) in WooCommerce and other database exports, 00/00/0000 and 00.00.0000 in spreadsheets.
const ZERO_DATE = /^0{1,4}([./-])0{1,2}\1(?:0{1,4})(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?$/;

/** True for an all-zero placeholder date ("0/0/00", "0000-00-00 00:00:00"), which means the cell is empty. */
export function isZeroDate(value: string): boolean {
  return value.charCodeAt(0) === 48 && ZERO_DATE.test(value);
}

/** Applies a mapping to one record; empty cells (and all-zero placeholder dates) are left out. */
export function applyMapping(mapping: HeaderMapping, record: string[]): MappedRow {
  const fields: Partial<Record<KnownField, string>> = {};
  const custom: Record<string, string> = {};
  const { columns } = mapping;
  for (let i = 0; i < columns.length && i < record.length; i++) {
    const value = record[i].trim();
    if (value === '' || isZeroDate(value)) continue;
    const target = columns[i];
    if (target.kind === 'known') fields[target.field] = value;
    else if (target.kind === 'custom') custom[target.name] = value;
  }
  return { fields, custom };
}

/** Where one column of the file went, for the report: a contact column, `custom:NAME`, or `ignored`. */
export type ColumnReport = { header: string; to: string };

/** The mapping as the report shows it, so that the importer sees which column became what. */
export function describeMapping(headers: readonly string[], mapping: HeaderMapping): ColumnReport[] {
  return mapping.columns.map((c, i) => ({ header: headers[i] ?? '', to: destination(c) }));
}

function destination(c: ColumnTarget): string {
  if (c.kind === 'ignored') return 'ignored';
  if (c.kind === 'custom') return `custom:${c.name}`;
  switch (c.field) {
    case 'email': case 'country': return c.field;
    // Kept in the contact's own column when well formed, else as a custom field (check-row.ts).
    case 'phone': return 'phone';
    case 'birthDate': return 'birth_date';
    // A row these mark is not imported (check-row.ts); `status` is kept on the rows that are.
    case 'unsubscribed': case 'bounced': return `opt_out:${c.field}`;
    case 'status': return 'opt_out:status';
    case 'acceptsMarketing': return 'opt_in';
    default: return `custom:${customKey[c.field]}`;
  }
}
