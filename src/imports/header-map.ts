/**
 * Header mapping: recognises the usual column names in English, French and German and keeps every other
 * column as a custom field under its own (trimmed) name.
 */

export const knownFields = ['email', 'firstName', 'lastName', 'fullName', 'country', 'phone', 'language', 'company', 'birthDate'] as const;
export type KnownField = (typeof knownFields)[number];

const synonyms: Record<KnownField, string[]> = {
  email: ['email', 'e-mail', 'emailaddress', 'email address', 'e-mail address', 'mail', 'courriel', 'adresse email',
    'adresse e-mail', 'adresse mail', 'adresse electronique', 'e-mail-adresse', 'emailadresse', 'mailadresse', 'e-post'],
  firstName: ['first name', 'firstname', 'first', 'given name', 'forename', 'prenom', 'vorname'],
  lastName: ['last name', 'lastname', 'surname', 'family name', 'nom', 'nom de famille', 'nachname', 'familienname'],
  fullName: ['name', 'full name', 'fullname', 'nom complet', 'vollstandiger name'],
  country: ['country', 'country code', 'pays', 'code pays', 'land', 'landercode'],
  phone: ['phone', 'phone number', 'telephone', 'tel', 'mobile', 'mobile phone', 'cell', 'portable', 'numero de telephone',
    'telefon', 'telefonnummer', 'handy', 'mobil', 'mobilnummer'],
  language: ['language', 'lang', 'locale', 'langue', 'sprache'],
  company: ['company', 'organisation', 'organization', 'societe', 'entreprise', 'firma', 'unternehmen'],
  birthDate: ['birth date', 'birthdate', 'date of birth', 'dob', 'birthday', 'date de naissance', 'geburtsdatum'],
};

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
export type HeaderMapping = { columns: ColumnTarget[]; emailColumn: number; customNames: string[] };

/** Maps a header row. `emailColumn` is -1 when no column holds addresses. */
export function mapHeaders(headers: string[]): HeaderMapping {
  const taken = new Set<KnownField>();
  const customNames: string[] = [];
  const usedCustom = new Set<string>();
  const columns = headers.map((raw): ColumnTarget => {
    const norm = normaliseHeader(raw);
    const field = lookup.get(norm) ?? lookup.get(norm.replace(/ /g, ''));
    if (field && !taken.has(field)) {
      taken.add(field);
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
  return { columns, emailColumn, customNames };
}

export type MappedRow = { fields: Partial<Record<KnownField, string>>; custom: Record<string, string> };

/** Applies a mapping to one record; empty cells are left out. */
export function applyMapping(mapping: HeaderMapping, record: string[]): MappedRow {
  const fields: Partial<Record<KnownField, string>> = {};
  const custom: Record<string, string> = {};
  const { columns } = mapping;
  for (let i = 0; i < columns.length && i < record.length; i++) {
    const value = record[i].trim();
    if (value === '') continue;
    const target = columns[i];
    if (target.kind === 'known') fields[target.field] = value;
    else if (target.kind === 'custom') custom[target.name] = value;
  }
  return { fields, custom };
}
