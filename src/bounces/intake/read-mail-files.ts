/**
 * The messages a path names, for `bounces ingest`: an .eml file, an mbox file (split into its messages), or a
 * directory read recursively in name order. A path that cannot be read yields an error item, never a throw.
 * With `mbox: false` (`bounces parse`, whose contract reads each file as one message) nothing is split and a
 * directory yields only its .eml files and extension-less (maildir-style) files.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { splitMbox } from '../mbox.js';

export type MailItem = { file: string; index?: number; raw?: Buffer; error?: string };

/** Files larger than this are refused rather than read into memory (an mbox of returned mail rarely is). */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

async function looksLikeMbox(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(5), 0, 5, 0);
    return buffer.subarray(0, bytesRead).toString('latin1') === 'From ';
  } finally {
    await handle.close();
  }
}

export type ReadMailOptions = { mbox?: boolean };

export async function* readMailFiles(path: string, options: ReadMailOptions = {}): AsyncGenerator<MailItem> {
  const mbox = options.mbox ?? true;
  const mailName = mbox ? /\.(eml|mbox)$/i : /\.eml$/i;
  let info;
  try {
    info = await stat(path);
  } catch {
    yield { file: path, error: `cannot open ${path}: no such file or directory` };
    return;
  }
  if (info.isDirectory()) {
    const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const child = join(path, entry.name);
      if (entry.isDirectory()) yield* readMailFiles(child, options);
      else if (entry.isFile() && (mailName.test(entry.name) || !entry.name.includes('.'))) yield* readMailFiles(child, options);
    }
    return;
  }
  if (info.size > MAX_FILE_BYTES) {
    yield { file: path, error: `${path} is larger than ${MAX_FILE_BYTES} bytes` };
    return;
  }
  try {
    if (mbox && (/\.mbox$/i.test(path) || (await looksLikeMbox(path)))) {
      const messages = splitMbox(await readFile(path));
      for (let i = 0; i < messages.length; i++) yield { file: path, index: i + 1, raw: messages[i] };
      return;
    }
    yield { file: path, raw: await readFile(path) };
  } catch (err) {
    yield { file: path, error: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
  }
}
