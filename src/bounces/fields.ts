/**
 * Header-style field blocks, the form of DSN bodies (RFC 3464), feedback reports (RFC 5965) and
 * text/rfc822-headers parts. MIME itself is mailparser's job; these are the plain "Name: value" lines it hands us.
 */

/** One block of fields; names lower-cased, first occurrence kept, repeated names joined by newline. */
export type FieldBlock = Map<string, string>;

/** Turns LF, CRLF or bare CR into LF. */
export function normaliseNewlines(text: string): string {
  return text.indexOf('\r') === -1 ? text : text.replace(/\r\n?/g, '\n');
}

/**
 * Splits text into blocks separated by blank lines, unfolding continuation lines. With `splitOnRepeat`, a field
 * name seen twice also starts a new block: some servers write DSN recipient groups without the blank line.
 */
export function readFieldBlocks(text: string, options: { splitOnRepeat?: boolean } = {}): FieldBlock[] {
  const blocks: FieldBlock[] = [];
  let current: FieldBlock = new Map();
  let lastName = '';
  for (const line of normaliseNewlines(text).split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) blocks.push(current);
      current = new Map();
      lastName = '';
      continue;
    }
    if ((line[0] === ' ' || line[0] === '\t') && lastName) {
      current.set(lastName, `${current.get(lastName)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || !/^[\x21-\x39\x3b-\x7e]+$/.test(line.slice(0, colon).trim())) {
      lastName = '';
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (options.splitOnRepeat && current.has(name)) {
      blocks.push(current);
      current = new Map();
    }
    lastName = name;
    const prior = current.get(name);
    current.set(name, prior === undefined ? value : `${prior}\n${value}`);
  }
  if (current.size > 0) blocks.push(current);
  return blocks;
}

/** Reads the header block at the top of a message (up to the first blank line). */
export function readHeaderBlock(text: string): FieldBlock {
  // Only the head is read, so only the start is normalised (the body may be large).
  const start = normaliseNewlines(text.slice(0, 64 * 1024));
  const end = start.search(/\n[ \t]*\n/);
  return readFieldBlocks(end === -1 ? start : start.slice(0, end))[0] ?? new Map();
}

/** Strips a DSN type prefix ("rfc822;", "smtp;") and surrounding space. */
export function stripTypePrefix(value: string): string {
  const m = /^\s*[A-Za-z0-9-]+\s*;\s*/.exec(value);
  return (m ? value.slice(m[0].length) : value).trim();
}

const ADDRESS = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/;

/** The first email address in a value, lower-cased; empty when there is none. */
export function firstAddress(value: string | undefined): string {
  if (!value) return '';
  const m = ADDRESS.exec(value);
  return m ? m[0].toLowerCase().replace(/^['"]+|[.'"]+$/g, '') : '';
}

/** All email addresses in a text, lower-cased, in order, with their positions. */
export function findAddresses(text: string): Array<{ address: string; index: number }> {
  const re = new RegExp(ADDRESS.source, 'g');
  const out: Array<{ address: string; index: number }> = [];
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ address: m[0].toLowerCase().replace(/[.'"]+$/, ''), index: m.index });
  }
  return out;
}
