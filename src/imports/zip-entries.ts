/**
 * The few parts of a ZIP archive (an .xlsx is one) that the spreadsheet reader needs beyond the cell values:
 * names of its entries and the text of some. Node's zlib inflates; the central directory is read by hand (a
 * page of code, rather than one more dependency). Throws on a damaged or truncated archive.
 */
import { inflateRawSync } from 'node:zlib';

export type ZipEntries = {
  names: string[];
  /** The entry's text (UTF-8), or undefined when there is no such entry. */
  text: (name: string) => string | undefined;
};

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function zipEntries(buf: Buffer): ZipEntries {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('the ZIP archive has no end (the file is truncated or damaged)');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = new Map<string, { method: number; size: number; local: number; flags: number }>();
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== CENTRAL) throw new Error('the ZIP archive\'s directory is damaged');
    const flags = buf.readUInt16LE(at + 8);
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLength = buf.readUInt16LE(at + 28);
    const extra = buf.readUInt16LE(at + 30);
    const comment = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    entries.set(name, { method, size, local, flags });
    at += 46 + nameLength + extra + comment;
  }
  return {
    names: [...entries.keys()],
    text: (name) => {
      const e = entries.get(name);
      if (!e) return undefined;
      if (e.flags & 1) throw new Error(`the ZIP entry ${name} is encrypted`);
      if (e.local + 30 > buf.length || buf.readUInt32LE(e.local) !== LOCAL) throw new Error(`the ZIP entry ${name} is damaged`);
      const start = e.local + 30 + buf.readUInt16LE(e.local + 26) + buf.readUInt16LE(e.local + 28);
      const raw = buf.subarray(start, start + e.size);
      if (raw.length < e.size) throw new Error(`the ZIP entry ${name} is truncated`);
      if (e.method === 0) return raw.toString('utf8');
      if (e.method === 8) return inflateRawSync(raw).toString('utf8');
      throw new Error(`the ZIP entry ${name} uses compression method ${e.method}`);
    },
  };
}
