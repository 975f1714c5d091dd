/**
 * The few parts of a ZIP archive (an .xlsx is one) that the spreadsheet reader needs beyond the cell values:
 * names of its entries and the text of some. Read with fflate, the ZIP library read-excel-file itself uses; only
 * the entries asked for are inflated, each into a buffer of the size its directory declares (never more), and an
 * entry declaring more than `MAX_ENTRY_BYTES` is refused rather than inflated (a ZIP bomb stops here).
 * Throws on a damaged or truncated archive.
 */
import { strFromU8, unzipSync, type UnzipFileInfo } from 'fflate';

export type ZipEntries = {
  names: string[];
  /** The entry's text (UTF-8), or undefined when there is no such entry. */
  text: (name: string) => string | undefined;
};

/** Larger than any sheet a 1,000,000-row import makes (~150 MB of XML), under V8's longest string. */
export const MAX_ENTRY_BYTES = 256 * 1024 * 1024;

const damaged = (err: unknown) => new Error(`the ZIP archive is damaged or truncated (${(err as Error).message})`);

export function zipEntries(buf: Buffer): ZipEntries {
  const names: string[] = [];
  const data = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  try {
    // The directory only: nothing is inflated.
    unzipSync(data, { filter: (f: UnzipFileInfo) => { names.push(f.name); return false; } });
  } catch (err) {
    throw damaged(err);
  }
  return {
    names,
    text: (name) => {
      if (!names.includes(name)) return undefined;
      let files;
      try {
        files = unzipSync(data, {
          filter: (f) => {
            if (f.name !== name) return false;
            if (f.originalSize > MAX_ENTRY_BYTES) throw new Error(`its entry ${name} would unpack to ${f.originalSize} bytes`);
            return true;
          },
        });
      } catch (err) {
        throw damaged(err);
      }
      const bytes = files[name];
      return bytes === undefined ? undefined : strFromU8(bytes);
    },
  };
}
