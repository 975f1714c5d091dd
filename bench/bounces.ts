// `npm run bench -- bounces`: returned messages parsed per second over the labelled corpus (issue 7 asks for at
// least 2,000/s). Baseline, in the same run: mailparser's simpleParser alone (default options) on the same bytes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { parseReturnedMail } from '../src/bounces/parse.js';

const DIR = join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'bounces', 'eml');
const messages = readdirSync(DIR).sort().map((f) => readFileSync(join(DIR, f)));
const ROUNDS = Number(process.argv[2] ?? 5);

async function rate(name: string, fn: (raw: Buffer) => Promise<unknown>): Promise<number> {
  for (const raw of messages) await fn(raw); // warm-up: the JIT and mailparser's lazy modules
  let best = 0;
  for (let round = 1; round <= ROUNDS; round += 1) {
    const start = process.hrtime.bigint();
    for (const raw of messages) await fn(raw);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const perSecond = messages.length / seconds;
    best = Math.max(best, perSecond);
    console.log(JSON.stringify({ step: name, round, messages: messages.length, seconds: Math.round(seconds * 1000) / 1000, perSecond: Math.round(perSecond) }));
  }
  return best;
}

const baseline = await rate('simpleParser', (raw) => simpleParser(raw));
const value = await rate('parseReturnedMail', (raw) => parseReturnedMail(raw));
console.log(JSON.stringify({
  bench: 'bounces', value: Math.round(value), unit: 'messages/s', baseline: Math.round(baseline),
  ratio: Math.round((value / baseline) * 100) / 100, target: 2000, messages: messages.length, rounds: ROUNDS, statistic: 'best round',
}));
