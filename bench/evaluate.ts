// `npm run bench -- evaluate [CASES] [RUNS]`: the eligibility engine in process (verdicts per second on one core
// over a mixed batch), then `bin/listwarden evaluate` on a generated JSON Lines file against a node script that
// only parses each line with JSON.parse and writes a small JSON answer, same file, same run, runs alternated.
// Summary: value = CLI cases/s (wall clock, all cores), baseline = that script's cases/s; CPU figures beside them.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../src/engine/evaluate.js';
import { parseCase } from '../src/engine/parse-case.js';
import type { CaseInput, ParsedCase } from '../src/engine/types.js';

const CLI_CASES = Number(process.argv[2] ?? 200_000);
const RUNS = Number(process.argv[3] ?? 5);

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
/** The 1-minute load average: the machine is shared, and other work stretches every wall-clock figure. */
const load = (): number => +loadavg()[0].toFixed(2);

// In process: parse once, then evaluate the batch over and over for about two seconds on this one thread.
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
// CPU time as well as wall time: on a shared machine other work stretches the wall clock, while verdicts per
// CPU-second is the one-core figure the target speaks of.
const loadBefore = load();
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
let elapsed = 0;
while (elapsed < 2e9) {
  for (let i = 0; i < batch.length; i++) if (evaluate(batch[i]).verdict === 'send') sends++;
  done += batch.length;
  elapsed = Number(process.hrtime.bigint() - t0);
}
const cpu = process.cpuUsage(cpu0);
const inProcess = Math.round(done / ((cpu.user + cpu.system) / 1e6));
const inProcessWall = Math.round(done / (elapsed / 1e9));
line({ bench: 'evaluate-in-process', value: inProcess, unit: 'verdicts/cpu-s', wall: inProcessWall, target: 1_000_000, cases: done, sendShare: +(sends / done).toFixed(3), load: loadBefore });

// Through the CLI, on a generated file, compiled as users run it.
const newest = (path: string): number => {
  const st = statSync(path);
  return st.isDirectory() ? Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n)))) : st.mtimeMs;
};
if (!existsSync('dist/cli/evaluate.js') || statSync('dist/cli/evaluate.js').mtimeMs < Math.max(newest('src/cli/evaluate.ts'), newest('src/cli/evaluate'), newest('src/engine'))) {
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
  const bytes = statSync(file).size;
  line({ bench: 'evaluate-file', cases: CLI_CASES, bytes, bytesPerCase: Math.round(bytes / CLI_CASES) });

  // The baseline: read the file in 1 MB chunks, JSON.parse each line (decoded on its own, the faster way),
  // write {"id","verdict"} per line with buffered writes. Nothing of the engine, no validation.
  const baseline = `
    const fs = require('node:fs');
    let pending = null, out = '';
    const s = fs.createReadStream(process.argv[1], { highWaterMark: 1 << 20 });
    (async () => {
      for await (let chunk of s) {
        if (pending !== null) chunk = Buffer.concat([pending, chunk]);
        let start = 0, nl = chunk.indexOf(10);
        while (nl !== -1) {
          const o = JSON.parse(chunk.toString('utf8', start, nl));
          out += JSON.stringify({ id: o.id, verdict: 'send' }) + '\\n';
          start = nl + 1; nl = chunk.indexOf(10, start);
        }
        pending = chunk.subarray(start);
        if (out.length > 65536) { if (!process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r)); out = ''; }
      }
      process.stdout.write(out);
    })();`;
  const timer = existsSync('/usr/bin/time');
  const timeFile = join(dir, 'time.txt');
  /** Wall seconds, and the child's CPU seconds (user + system, all threads) when /usr/bin/time is there. */
  const time = (cmd: string, args: string[]): { wall: number; cpu: number; load: number } => {
    const before = load();
    const sink = openSync('/dev/null', 'w');
    const t = process.hrtime.bigint();
    const r = timer
      ? spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, cmd, ...args], { stdio: ['ignore', sink, 'inherit'] })
      : spawnSync(cmd, args, { stdio: ['ignore', sink, 'inherit'] });
    const wall = Number(process.hrtime.bigint() - t) / 1e9;
    closeSync(sink);
    if (r.status !== 0 && r.status !== 2) throw new Error(`${cmd} exited ${r.status}`);
    const [user, system] = timer ? readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number) : [wall, 0];
    return { wall: +wall.toFixed(3), cpu: +(user + system).toFixed(2), load: before };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  type Run = { wall: number; cpu: number; load: number };
  const cli: Run[] = [];
  const oneThread: Run[] = [];
  const base: Run[] = [];
  const cliArgs = ['bin/listwarden', 'evaluate', file, '--at', '2026-03-01T00:00:00Z'];
  for (let run = 0; run < RUNS; run++) {
    cli.push(time(process.execPath, cliArgs));
    base.push(time(process.execPath, ['-e', baseline, file]));
    oneThread.push(time(process.execPath, [...cliArgs, '--threads', '1']));
  }
  const rate = (xs: Run[], k: 'wall' | 'cpu') => Math.round(CLI_CASES / median(xs.map((x) => x[k])));
  const best = (xs: Run[]) => Math.round(CLI_CASES / Math.min(...xs.map((x) => x.wall)));
  line({ bench: 'evaluate-cli-runs', threads: availableParallelism(), cli, baseline: base, cliOneThread: oneThread });
  line({ bench: 'evaluate-cli-one-thread', value: rate(oneThread, 'wall'), unit: 'cases/s', cpuValue: rate(oneThread, 'cpu'), baseline: rate(base, 'wall'), ratio: +(rate(oneThread, 'wall') / rate(base, 'wall')).toFixed(3) });
  const value = rate(cli, 'wall');
  const baselineRate = rate(base, 'wall');
  line({
    bench: 'evaluate', value, unit: 'cases/s', baseline: baselineRate, ratio: +(value / baselineRate).toFixed(3),
    inProcess, inProcessWall, cpuValue: rate(cli, 'cpu'), cpuBaseline: rate(base, 'cpu'),
    best: best(cli), bestBaseline: best(base), target: 150_000, targetRatio: 0.5, targetInProcess: 1_000_000,
    load: median([...cli, ...base].map((r) => r.load)),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
