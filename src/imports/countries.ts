/**
 * Country values in imported files: ISO 3166-1 alpha-2 codes, or a country's name in English, French or German,
 * or Spanish, Italian, Dutch, Portuguese, Polish, Swedish or Danish (an address book's country column is in its
 * owner's language; names come from the runtime's own CLDR data through Intl.DisplayNames, not a list kept here).
 */

let names: Map<string, string> | undefined;
let codes: Set<string> | undefined;

function fold(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z]/g, '');
}

// Region codes CLDR names that are not countries today: unknown, EU, eurozone, United Nations, outlying Oceania,
// pseudo-locales, and withdrawn codes (East Germany's DD would otherwise take "Deutschland").
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'AN', 'BU', 'CS', 'DD', 'DY', 'FX', 'HV', 'NH', 'NT',
  'RH', 'SU', 'TP', 'VD', 'YD', 'YU', 'ZR', 'CP', 'DG', 'EA', 'IC', 'TA', 'AC']);

function buildNames(): Map<string, string> {
  const map = new Map<string, string>();
  // English, French and German first (they win a clash), then the languages address books are often kept in.
  const displays = ['en', 'fr', 'de', 'es', 'it', 'nl', 'pt', 'pl', 'sv', 'da'].map((l) => new Intl.DisplayNames([l], { type: 'region', fallback: 'none' }));
  const A = 'A'.charCodeAt(0);
  for (let i = 0; i < 26; i++) {
    for (let j = 0; j < 26; j++) {
      const code = String.fromCharCode(A + i, A + j);
      if (NOT_COUNTRIES.has(code)) continue;
      for (const display of displays) {
        const name = display.of(code);
        if (name && name !== code && !map.has(fold(name))) map.set(fold(name), code);
      }
    }
  }
  map.set('uk', 'GB');
  map.set('england', 'GB');
  map.set('usa', 'US');
  return map;
}

/** The upper-case alpha-2 code for a code or a name, or null when it is not a country. */
export function toCountryCode(value: string): string | null {
  const text = value.trim();
  if (/^[A-Za-z]{2}$/.test(text)) {
    const code = text.toUpperCase();
    if (code === 'UK') return 'GB';
    codes ??= new Set((names ??= buildNames()).values());
    return codes.has(code) ? code : null;
  }
  names ??= buildNames();
  return names.get(fold(text)) ?? null;
}
