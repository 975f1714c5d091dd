// `npm run bench -- bounces`: returned messages parsed per second over the labelled corpus (issue 7 asks for at
// least 2,000/s). Baseline, in the same run: mailparser's simpleParser alone (default options) on the same bytes.
// The value is per CPU-second of this process (the machine is shared, so wall time swings with others' load);
// the wall-clock rate is printed beside it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { parseReturnedMail } from '../src/bounces/parse.js';

const DIR = join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'bounces', 'eml');
const messages = readdirSync(DIR).sort().map((f) => readFileSync(join(DIR, f)));
const ROUNDS = Number(process.argv[2] ?? 10);

async function rate(name: string, fn: (raw: Buffer) => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  for (const raw of messages) await fn(raw); // warm-up: the JIT and mailparser's lazy modules
  let cpu = 0;
  let wall = 0;
  for (let round = 1; round <= ROUNDS; round += 1) {
    const start = process.hrtime.bigint();
    const used = process.cpuUsage();
    for (const raw of messages) await fn(raw);
    const cpuSeconds = (() => { const u = process.cpuUsage(used); return (u.user + u.system) / 1e6; })();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    cpu = Math.max(cpu, messages.length / cpuSeconds);
    wall = Math.max(wall, messages.length / seconds);
    console.log(JSON.stringify({ step: name, round, messages: messages.length, wallSeconds: Math.round(seconds * 1000) / 1000, cpuSeconds: Math.round(cpuSeconds * 1000) / 1000, perCpuSecond: Math.round(messages.length / cpuSeconds), perWallSecond: Math.round(messages.length / seconds) }));
  }
  return { cpu, wall };
}

const baseline = await rate('simpleParser', (raw) => simpleParser(raw));
const value = await rate('parseReturnedMail', (raw) => parseReturnedMail(raw));
console.log(JSON.stringify({
  bench: 'bounces', value: Math.round(value.cpu), unit: 'messages/s (per CPU-second, best round)', baseline: Math.round(baseline.cpu),
  ratio: Math.round((value.cpu / baseline.cpu) * 100) / 100, wallValue: Math.round(value.wall), wallBaseline: Math.round(baseline.wall),
  target: 2000, messages: messages.length, rounds: ROUNDS,
}));
