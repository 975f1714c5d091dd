/**
 * DKIM signing (RFC 6376 rsa-sha256, or RFC 8463 ed25519-sha256, by the key's type; relaxed/relaxed) of a message whose header block and body we wrote
 * ourselves (`mime-message.ts`). Working on the two strings directly avoids nodemailer's stream signer, which
 * re-parses the message and ran at 1,700 a second here; the key is a `KeyObject` parsed once per sender.
 * `List-Unsubscribe` and `List-Unsubscribe-Post` are always in `h=` (RFC 8058 §4) and, like From and Subject,
 * over-signed: named once more than they occur, so that a copy added in transit breaks the signature.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';

export type DkimSigner = { domain: string; selector: string; privateKey: KeyObject };

/** The `a=` tag for a key: `ed25519-sha256` for an Ed25519 key, else `rsa-sha256`. */
export const dkimAlgorithm = (key: KeyObject) => (key.asymmetricKeyType === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256');

const SIGNED = ['from', 'to', 'reply-to', 'subject', 'date', 'message-id', 'mime-version', 'content-type',
  'list-unsubscribe', 'list-unsubscribe-post', 'list-id', 'feedback-id'];
const OVERSIGNED = new Set(['from', 'subject', 'list-unsubscribe', 'list-unsubscribe-post']);

/** Relaxed body canonicalization (RFC 6376 §3.4.4). */
export function relaxedBody(body: string): string {
  // Our own bodies (quoted-printable and base64) rarely hold a tab, a double space or a space before a line end;
  // checking for those with `includes` is far cheaper than three regex passes over 15 KB for every message.
  const plain = !body.includes('\t') && !body.includes('  ') && !body.includes(' \r\n') && !body.endsWith(' ');
  const out = plain ? body : body.replace(/[ \t]+(?=\r\n|$)/g, '').replace(/[ \t]+/g, ' ');
  // Trailing empty lines go; a `$`-anchored regex here tried every position of the string.
  let end = out.length;
  while (end >= 2 && out.charCodeAt(end - 1) === 10 && out.charCodeAt(end - 2) === 13) end -= 2;
  return end > 0 ? out.slice(0, end) + '\r\n' : '';
}

/** Relaxed header canonicalization of one field (RFC 6376 §3.4.2), without the trailing CRLF. */
function relaxedField(field: string): string {
  const colon = field.indexOf(':');
  const name = field.slice(0, colon).trim().toLowerCase();
  const raw = field.slice(colon + 1);
  // Most of our fields are one line without tabs or runs of spaces: only the trim applies (two regex passes over
  // every field cost 6 µs a message).
  const value = raw.includes('\r') || raw.includes('\t') || raw.includes('  ') ? raw.replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').trim() : raw.trim();
  return `${name}:${value}`;
}

/** The signature in lines of 72 characters (slices: a regex over it cost 7 µs a message). */
function foldB(b: string): string {
  if (b.length <= 72) return b;
  const lines: string[] = [];
  for (let at = 0; at < b.length; at += 72) lines.push(b.slice(at, at + 72));
  return lines.join('\r\n ');
}

/** Returns the `DKIM-Signature: …` field (CRLF-terminated) to put in front of the header block. */
export function dkimSignature(options: { signer: DkimSigner; header: string; body: string; now: Date }): string {
  const { signer, header, body } = options;
  const fields = header.replace(/\r\n$/, '').split(/\r\n(?![ \t])/);
  const byName = new Map<string, string[]>();
  for (const f of fields) {
    const name = f.slice(0, f.indexOf(':')).trim().toLowerCase();
    const same = byName.get(name);
    if (same) same.push(f);
    else byName.set(name, [f]);
  }
  const names: string[] = [];
  const canonical: string[] = [];
  for (const name of SIGNED) {
    const present = byName.get(name) ?? [];
    // Fields are taken from the bottom up (§5.4.2); a name listed past its last instance signs "absent".
    for (let i = present.length - 1; i >= 0; i--) {
      names.push(name);
      canonical.push(relaxedField(present[i]));
    }
    if (present.length > 0 && OVERSIGNED.has(name)) names.push(name);
  }
  const bh = createHash('sha256').update(relaxedBody(body), 'utf8').digest('base64');
  const algorithm = dkimAlgorithm(signer.privateKey);
  const tags = [
    'v=1', `a=${algorithm}`, 'c=relaxed/relaxed', `d=${signer.domain}`, `s=${signer.selector}`,
    `t=${Math.floor(options.now.getTime() / 1000)}`, `h=${names.join(':')}`, `bh=${bh}`,
  ];
  const unsigned = `DKIM-Signature: ${tags.join('; ')}; b=`;
  canonical.push(relaxedField(unsigned));
  const data = Buffer.from(canonical.join('\r\n'), 'utf8');
  // RFC 8463 §3: PureEdDSA over the SHA-256 hash of the header data (RSA hashes inside its own scheme).
  const b = (algorithm === 'ed25519-sha256'
    ? sign(null, createHash('sha256').update(data).digest(), signer.privateKey)
    : sign('sha256', data, signer.privateKey)).toString('base64');
  // Folding only adds whitespace, which relaxed canonicalization removes again on the verifier's side.
  return `DKIM-Signature: ${tags.join(';\r\n ')};\r\n b=${foldB(b)}\r\n`;
}
