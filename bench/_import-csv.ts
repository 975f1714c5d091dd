// The import benches' CSV: the same rows for `import` and `pglite-memory`.
import { createWriteStream } from 'node:fs';

/**
 * Deterministic rows of about 100 bytes, every address distinct (the baseline's unique index would refuse a
 * repeat); 0.2% bad addresses so that the rejection path runs too.
 */
export async function generateImportCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  const countries = ['FR', 'DE', 'GB', 'FR', 'NL', 'FR', 'DE', 'ES', 'IT', 'BE'];
  out.write('email,first_name,last_name,country,phone,company\n');
  let buf = '';
  for (let i = 0; i < rows; i++) {
    const email = i % 500 === 11 ? `broken-address-${i}` : `first.last${i}@company-${i % 9973}.example.com`;
    buf += `${email},Firstname${i % 1000},Lastname${i % 777},${countries[i % 10]},+3361${String(i).padStart(7, '0')},Company ${i % 5000} SARL\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  await new Promise<void>((resolve, reject) => out.end(buf, () => resolve()).on('error', reject));
}
