/**
 * Text decoding for imported files: which encoding a file is in, and a streaming decoder for it.
 * Spreadsheets exported on Windows are often Windows-1252, so a file that is not valid UTF-8 is read as that.
 */
import { isAscii } from 'node:buffer';
import { Transform } from 'node:stream';
import iconv from 'iconv-lite';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'macintosh';
/** The single-byte encodings a file that is not UTF-8 is read in. */
export type LegacyEncoding = 'windows-1252' | 'macintosh';
export type FileKind = { kind: 'text'; encoding: TextEncoding; bomLength: number } | { kind: 'xlsx' } | { kind: 'binary'; reason: string };

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** Guesses what a file is from its first bytes (a few tens of kilobytes is plenty). */
export function detectFileKind(sample: Uint8Array): FileKind {
  if (ZIP_MAGIC.every((b, i) => sample[i] === b)) return { kind: 'xlsx' };
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { kind: 'text', encoding: 'utf-8', bomLength: 3 };
  if (sample[0] === 0xff && sample[1] === 0xfe) return { kind: 'text', encoding: 'utf-16le', bomLength: 2 };
  if (sample[0] === 0xfe && sample[1] === 0xff) return { kind: 'text', encoding: 'utf-16be', bomLength: 2 };
  const utf16 = guessBomlessUtf16(sample);
  if (utf16) return { kind: 'text', encoding: utf16, bomLength: 0 };
  if (CFB_MAGIC.every((b, i) => sample[i] === b)) return { kind: 'binary', reason: oldOfficeFile(sample) };
  if (looksBinary(sample)) return { kind: 'binary', reason: 'the file holds binary data (control bytes), not text or a spreadsheet' };
  return { kind: 'text', encoding: isUtf8(sample) ? 'utf-8' : legacyEncoding(sample), bomLength: 0 };
}

// An OLE compound file: Excel 97-2003's .xls, and also the wrapper Office puts around a password-protected .xlsx.
const CFB_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/** What an OLE compound file is, by the names of its streams (UTF-16 in its directory), and what to do with it. */
function oldOfficeFile(sample: Uint8Array): string {
  const names = Buffer.from(sample).toString('utf16le') + Buffer.from(sample.subarray(1)).toString('utf16le');
  if (names.includes('EncryptedPackage') || names.includes('EncryptionInfo')) {
    return 'the spreadsheet is password-protected (encrypted): open it in Excel, remove the password (File > Info > Protect Workbook > '
      + 'Encrypt with Password, then empty the password) and save it, or save a copy as CSV UTF-8, then import that file';
  }
  if (names.includes('Workbook') || names.includes('Book')) {
    return 'the file is an Excel 97-2003 workbook (.xls), which is not read: open it in Excel or LibreOffice and save it as .xlsx '
      + '(Excel Workbook) or as CSV UTF-8, then import that file';
  }
  return 'the file is an old binary Office document (an .xls, a password-protected .xlsx, or a .doc), not text or an .xlsx spreadsheet: '
    + 'open it in Excel or LibreOffice, save it as .xlsx without a password or as CSV UTF-8, then import that file';
}

/**
 * Which single-byte encoding a file that is not UTF-8 is in: Mac Roman when its lines end in CR alone (Excel for
 * Mac's "CSV (Macintosh)" writes both), else Windows-1252 (Excel on Windows).
 */
export function legacyEncoding(sample: Uint8Array): LegacyEncoding {
  return sample.includes(0x0d) && !sample.includes(0x0a) ? 'macintosh' : 'windows-1252';
}

/** True when the bytes are valid UTF-8, allowing a sequence cut off at the end of the sample. */
export function isUtf8(sample: Uint8Array): boolean {
  try {
    // stream: true leaves an incomplete trailing sequence pending instead of failing on it.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function guessBomlessUtf16(sample: Uint8Array): TextEncoding | null {
  const n = Math.min(sample.length, 4096) & ~1;
  if (n < 4) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (sample[i] === 0) evenZeros++;
    if (sample[i + 1] === 0) oddZeros++;
  }
  const half = n / 2;
  // ASCII-heavy UTF-16 has a zero in every other byte; binary files rarely keep that rhythm.
  if (oddZeros > half * 0.7 && evenZeros < half * 0.1) return 'utf-16le';
  if (evenZeros > half * 0.7 && oddZeros < half * 0.1) return 'utf-16be';
  return null;
}

function looksBinary(sample: Uint8Array): boolean {
  const n = Math.min(sample.length, 8192);
  if (n === 0) return false;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = sample[i];
    if (b === 0) return true;
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  return control / n > 0.1;
}

/**
 * A stream that turns the file's bytes into text, dropping the byte order mark.
 *
 * UTF-8 without a BOM is only a guess from the file's start: a file whose first non-ASCII byte comes later (an
 * accented name on row 2,000 of a Windows-1252 export) would lose those rows. So until a chunk holds a byte
 * above 0x7F, the guess stays open; if that chunk is not valid UTF-8, the rest is read as Windows-1252 (the
 * ASCII before it reads the same in both; Mac Roman when `fallback` says so) and `onEncoding` is told. Once a chunk holds valid UTF-8 beyond
 * ASCII, it stays UTF-8. The check costs one ASCII scan per 64 KB chunk, and only until the first such byte.
 */
export function createDecoder(encoding: TextEncoding, bomLength: number, onEncoding?: (encoding: TextEncoding) => void, fallback: LegacyEncoding = 'windows-1252'): Transform {
  let skip = bomLength;
  const strip = (chunk: Buffer): Buffer => {
    if (skip === 0) return chunk;
    const cut = Math.min(skip, chunk.length);
    skip -= cut;
    return chunk.subarray(cut);
  };
  const singleByte = encoding === 'windows-1252' || encoding === 'macintosh';
  let legacy = singleByte ? iconv.getDecoder(encoding) : null;
  let undecided = encoding === 'utf-8' && bomLength === 0;
  // Invalid sequences become U+FFFD; the row checks then reject those rows with their line numbers.
  const decoder = new TextDecoder(singleByte ? 'utf-8' : encoding, { fatal: false, ignoreBOM: true });
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc, done) {
      const bytes = strip(chunk);
      if (undecided && !isAscii(bytes)) {
        undecided = false;
        if (!isUtf8(bytes)) {
          legacy = iconv.getDecoder(fallback);
          onEncoding?.(fallback);
        }
      }
      done(null, (legacy ? legacy.write(bytes) : decoder.decode(bytes, { stream: true })) || undefined);
    },
    flush(done) { done(null, (legacy ? legacy.end() : decoder.decode()) || undefined); },
  });
}
