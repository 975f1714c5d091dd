// `npm run bench -- evaluate [CASES]`: the eligibility engine in process (verdicts/s over a mixed batch), then
// `bin/listwarden evaluate` on a generated JSON Lines file against a node script that only parses each line and
// writes a small JSON answer, same file, same run. Summary: value = CLI cases/s, baseline = that script's speed.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../src/engine/evaluate.js';
import { parseCase } from '../src/engine/parse-case.js';
import type { CaseInput, ParsedCase } from '../src/engine/types.js';

const CLI_CASES = Number(process.argv[2] ?? 200_000);

// A small deterministic generator (mulberry32), so every run measures the same batch.
let seed = 0x5eed;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function pick<T>(list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}
function day(offsetDays: number): string {
  return new Date(Date.UTC(2026, 2, 1) - offsetDays * 86_400_000).toISOString();
}

const COUNTRIES = ['FR', 'FR', 'DE', 'DE', 'GB', 'US', 'US', 'CA', 'ES', 'IT', 'NL'];
// Weighted towards what a real list holds: mostly web sign-ups and customers, a tail of problem sources.
const SOURCES = ['web_form', 'web_form', 'web_form', 'web_form', 'checkout', 'checkout', 'checkout', 'offline_form', 'business_card',
  'co_registration', 'raffle', 'partner', 'agency_client', 'list_broker', 'web_scrape', 'social_network', 'event_organizer',
  'membership', 'crm', 'business_relationship', 'phone_call', 'manual', 'social_form'] as const;
const METHODS = ['double_opt_in', 'double_opt_in', 'double_opt_in', 'single_opt_in', 'written', 'verbal', 'verbal_scripted',
  'pre_ticked', 'terms_only', 'conditional', 'purchase_notice', 'purchase_notice'] as const;
const CATEGORIES = ['running-shoes', 'trail', 'socks', 'watches', 'books'];
const LOCALS = ['anna', 'jean.dupont', 'm.schmidt', 'info', 'sales', 'kim+news', 'no-reply', 'o.brien', 'li.wei', 'contact'];
const DOMAINS = ['example.fr', 'example.de', 'example.co.uk', 'example.com', 'exemple.ca', 'bücher.example'];

export function generateCase(i: number): CaseInput {
  const sourceAgo = Math.floor(rand() * 1500);
  const consents = rand() < 0.75 ? [{
    channel: rand() < 0.9 ? 'email' : 'sms',
    method: pick(METHODS),
    at: day(sourceAgo),
    ...(rand() < 0.8 ? { confirmedAt: day(sourceAgo - 0.01) } : {}),
    ...(rand() < 0.85 ? { evidence: [`form:signup-v${i % 7}`, `ip:203.0.113.${i % 250}`] } : {}),
    ...(rand() < 0.3 ? { categories: [pick(CATEGORIES)] } : {}),
  }] : [];
  const c: CaseInput = {
    id: `c-${i}`,
    ...(rand() < 0.5 ? { at: day(Math.floor(rand() * 30)) } : {}),
    contact: {
      email: `${pick(LOCALS)}${i % 100}@${pick(DOMAINS)}`,
      country: pick(COUNTRIES),
      kind: rand() < 0.8 ? 'consumer' : pick(['sole_trader', 'partnership', 'corporate'] as const),
      source: { type: pick(SOURCES), at: day(sourceAgo), ...(rand() < 0.1 ? { collectedBy: 'third_party' as const } : {}) },
      consents: consents as CaseInput['contact']['consents'],
      purchases: rand() < 0.4 ? [{ at: day(Math.floor(rand() * 900)), categories: [pick(CATEGORIES)] }] : [],
      activity: rand() < 0.6 ? [{ type: pick(['open', 'click', 'reply', 'login'] as const), at: day(Math.floor(rand() * 1200)) }] : [],
      suppressions: rand() < 0.05 ? [{ reason: pick(['unsubscribe', 'complaint', 'objection'] as const), at: day(10) }] : [],
      bounces: rand() < 0.03 ? [{ type: 'hard', at: day(20), status: '5.1.1' }] : [],
      ...(rand() < 0.05 ? { birthDate: '2012-05-04' } : {}),
    },
    message: { channel: 'email', purpose: rand() < 0.85 ? 'marketing' : 'service', categories: [pick(CATEGORIES)] },
  };
  return c;
}

function line(o: object): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

// In process: parse once, then evaluate the batch over and over for about two seconds.
const batch: ParsedCase[] = [];
for (let i = 0; i < 20_000; i++) {
  const p = parseCase(generateCase(i), { at: Date.UTC(2026, 2, 1) });
  if (!p.ok) throw new Error(`generator made a bad case: ${p.error.message}`);
  batch.push(p.case);
}
let sends = 0;
for (let i = 0; i < batch.length * 5; i++) if (evaluate(batch[i % batch.length]).verdict === 'send') sends++; // warm-up
sends = 0;
let done = 0;
// CPU time of this process as well as wall time: on a shared 2-core machine other work stretches the wall
// clock, while "verdicts per CPU-second" is the one-core figure the target speaks of.
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
let elapsed = 0;
while (elapsed < 2e9) {
  for (let i = 0; i < batch.length; i++) if (evaluate(batch[i]).verdict === 'send') sends++;
  done += batch.length;
  elapsed = Number(process.hrtime.bigint() - t0);
}
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const inProcess = Math.round(done / cpuSeconds);
line({ bench: 'evaluate-in-process', value: inProcess, unit: 'verdicts/cpu-s', wall: Math.round(done / (elapsed / 1e9)), target: 1_000_000, cases: done, sendShare: +(sends / done).toFixed(3) });

// Through the CLI, on a generated file.
if (!existsSync('dist/cli/evaluate.js') || statSync('dist/cli/evaluate.js').mtimeMs < statSync('src/cli/evaluate.ts').mtimeMs) {
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
}
const dir = mkdtempSync(join(tmpdir(), 'lw-bench-evaluate-'));
try {
  const file = join(dir, 'cases.jsonl');
  const parts: string[] = [];
  for (let i = 0; i < CLI_CASES; i++) parts.push(JSON.stringify(generateCase(i)));
  writeFileSync(file, parts.join('\n') + '\n');
  parts.length = 0;
  line({ bench: 'evaluate-file', cases: CLI_CASES, bytes: statSync(file).size });

  // The baseline reads the same way the CLI does (chunks, split on newlines, buffered writes), so the ratio
  // measures what the engine adds, not a slower reader.
  const baseline = `
    const fs = require('node:fs'); const { StringDecoder } = require('node:string_decoder');
    const d = new StringDecoder('utf8'); let pending = '', out = '';
    const s = fs.createReadStream(process.argv[1], { highWaterMark: 1 << 20 });
    (async () => {
      for await (const chunk of s) {
        const text = pending + d.write(chunk); let start = 0, nl = text.indexOf('\\n');
        while (nl !== -1) { const o = JSON.parse(text.slice(start, nl)); out += JSON.stringify({ id: o.id, verdict: 'send' }) + '\\n'; start = nl + 1; nl = text.indexOf('\\n', start); }
        pending = text.slice(start);
        if (out.length > 65536) { if (!process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r)); out = ''; }
      }
      process.stdout.write(out);
    })();`;
  const timer = existsSync('/usr/bin/time');
  const timeFile = join(dir, 'time.txt');
  /** Wall seconds, and the child's CPU seconds (user + system) when /usr/bin/time is there. */
  const time = (cmd: string, args: string[]): { wall: number; cpu: number } => {
    const sink = openSync('/dev/null', 'w');
    const t = process.hrtime.bigint();
    const r = timer
      ? spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, cmd, ...args], { stdio: ['ignore', sink, 'inherit'] })
      : spawnSync(cmd, args, { stdio: ['ignore', sink, 'inherit'] });
    const wall = Number(process.hrtime.bigint() - t) / 1e9;
    closeSync(sink);
    if (r.status !== 0 && r.status !== 2) throw new Error(`${cmd} exited ${r.status}`);
    const [user, system] = timer ? readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number) : [wall, 0];
    return { wall, cpu: user + system };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const cli: { wall: number; cpu: number }[] = [];
  const base: { wall: number; cpu: number }[] = [];
  for (let run = 0; run < 3; run++) {
    cli.push(time(process.execPath, ['bin/listwarden', 'evaluate', file, '--at', '2026-03-01T00:00:00Z']));
    base.push(time(process.execPath, ['-e', baseline, file]));
  }
  const rate = (xs: { wall: number; cpu: number }[], k: 'wall' | 'cpu') => Math.round(CLI_CASES / median(xs.map((x) => x[k])));
  line({ bench: 'evaluate-cli-runs', cli, baseline: base });
  line({ bench: 'evaluate-cli-wall', value: rate(cli, 'wall'), unit: 'cases/s', baseline: rate(base, 'wall'), ratio: +(rate(cli, 'wall') / rate(base, 'wall')).toFixed(3) });
  const value = rate(cli, 'cpu');
  const baseline_ = rate(base, 'cpu');
  line({ bench: 'evaluate', value, unit: 'cases/cpu-s', baseline: baseline_, ratio: +(value / baseline_).toFixed(3), target: 150_000, targetRatio: 0.5, wall: rate(cli, 'wall'), inProcess });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
