// `listwarden evaluate` through its real interfaces: `main()` with real streams, the command as a process on
// stdin/stdout, and the compiled `bin/listwarden` on a large file with a small heap.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { run } from '../src/cli/evaluate.js';
import { answerStream } from '../src/cli/evaluate/answer-stream.js';
import { doi, makeCase } from '../src/engine/builders.js';

const good = (id: string, extra = {}) => JSON.stringify(makeCase({ id, contact: { consents: [doi()] }, ...extra }));
const line = (c: object) => JSON.stringify(c);

/** Runs the command in process with real streams; returns exit code, output lines and stderr. */
async function evaluateText(input: string, args: string[] = []): Promise<{ code: number; lines: any[]; stderr: string }> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => { out += d; });
  stderr.on('data', (d) => { err += d; });
  stdin.end(input);
  const code = await run(args, { stdin, stdout, stderr });
  return { code, lines: out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)), stderr: err };
}

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'lw-evaluate-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('listwarden evaluate', () => {
  it('answers every line in order, with error lines for the bad ones, and exits 2', async () => {
    const noCountry = makeCase({ id: 'no-country' }) as any;
    delete noCountry.contact.country;
    const input = [
      good('ok-1'),
      'this is not JSON {"id": "broken-1"',
      line(noCountry),
      line(makeCase({ id: 'bad-source', contact: { source: { type: 'bought' as any } } })),
      line(makeCase({ id: 'bad-date', at: '2026-02-30T10:00:00Z' })),
      line(makeCase({ id: 'bad-channel', message: { channel: 'telegram' as any } })),
      line(makeCase({ id: 'bad-address', contact: { email: 'anna@@example.fr' } })),
      '',
      line(makeCase({ id: 'ok-2', contact: { source: { type: 'list_broker' } } })),
    ].join('\n') + '\n';
    const { code, lines } = await evaluateText(input);
    assert.equal(code, 2);
    assert.equal(lines.length, 8, 'one answer per non-blank line');
    assert.deepEqual(lines.map((l) => l.id), ['ok-1', 'broken-1', 'no-country', 'bad-source', 'bad-date', 'bad-channel', 'bad-address', 'ok-2']);
    assert.equal(lines[0].verdict, 'send');
    assert.equal(lines[7].verdict, 'block');
    assert.equal(lines[7].reasons[0].code, 'purchased_list');
    const errors = lines.slice(1, 7);
    assert.deepEqual(errors.map((l) => l.line), [2, 3, 4, 5, 6, 7]);
    assert.deepEqual(errors.map((l) => l.error.path), ['', 'contact.country', 'contact.source.type', 'at', 'message.channel', 'contact.email']);
    for (const e of errors) {
      assert.equal(e.error.code, 'invalid_input');
      assert.ok(e.error.message.length > 10);
      assert.equal(e.verdict, undefined);
    }
  });

  it('exits 0 when every line got a verdict, and follows the contract shape', async () => {
    const { code, lines } = await evaluateText(`${good('a')}\r\n${good('b')}`); // CRLF, no final newline
    assert.equal(code, 0);
    assert.equal(lines.length, 2);
    for (const a of lines) {
      assert.deepEqual(Object.keys(a), ['id', 'verdict', 'basis', 'reasons', 'validUntil']);
      for (const r of a.reasons) assert.deepEqual(Object.keys(r), ['code', 'effect', 'policy', 'rule', 'text']);
    }
    assert.equal(lines[0].validUntil, '2029-01-10T10:04:00.000Z');
  });

  it('reads a FILE and applies --policies and --at to cases without their own', async () => {
    const file = join(dir, 'cases.jsonl');
    const bare = makeCase({ id: 'bare', contact: { consents: [doi()] } });
    delete bare.at;
    const own = makeCase({ id: 'own', policies: ['us'], at: '2026-03-01T09:00:00Z', contact: { country: 'US' } });
    writeFileSync(file, `${line(bare)}\n${line(own)}\n`);
    const { code, lines } = await evaluateText('', [file, '--policies', 'eu', '--at=2030-01-01T00:00:00Z']);
    assert.equal(code, 0);
    assert.deepEqual([...new Set(lines[0].reasons.map((r: any) => r.policy))], ['eu']);
    assert.equal(lines[0].verdict, 'send', 'no inactivity pack in eu');
    assert.deepEqual([...new Set(lines[1].reasons.map((r: any) => r.policy))], ['us']);
    // The same bare case under the default packs at --at 2030 is past the 3-year window.
    const late = await evaluateText(line(bare), ['--at', '2030-01-01T00:00:00Z']);
    assert.equal(late.lines[0].verdict, 'block');
    assert.ok(late.lines[0].reasons.some((r: any) => r.code === 'inactive'));
  });

  it('fails with exit 1 on a bad option or an unreadable file', async () => {
    for (const args of [['--policies', 'platform,mars'], ['--at', 'soon'], ['--frobnicate'], ['--threads', 'many'], [join(dir, 'missing.jsonl')], ['a', 'b']]) {
      const { code, stderr } = await evaluateText('', args);
      assert.equal(code, 1, args.join(' '));
      assert.match(stderr, /listwarden evaluate: /);
    }
  });

  it('prints its help through the command registry', () => {
    // In a child process: patching this process's stdout would also swallow the test runner's own reports.
    const entry = "import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })";
    const help = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', '-e', entry, '--', ...args], { cwd: join(import.meta.dirname, '..'), encoding: 'utf8' });
    const own = help(['evaluate', '--help']);
    const all = help(['--help']);
    assert.equal(own.status, 0, own.stderr);
    assert.equal(all.status, 0, all.stderr);
    assert.match(own.stdout, /Usage: listwarden evaluate \[FILE\]/);
    assert.match(all.stdout, /evaluate +decide who may be mailed/);
  });

  it('answers a line before the next one is written (streamed, not buffered)', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const done = run([], { stdin, stdout, stderr: new PassThrough() });
    stdin.write(good('first') + '\n');
    const first = await new Promise<string>((resolve) => stdout.once('data', (d) => resolve(String(d))));
    assert.equal(JSON.parse(first).id, 'first');
    stdin.end(good('second') + '\n');
    assert.equal(await done, 0);
  });

  it('answers a runaway line with an error and goes on', async () => {
    const huge = `{"id":"huge","pad":"${'x'.repeat(1_200_000)}"}`;
    const { code, lines } = await evaluateText(`${huge}\n${good('after')}\n`);
    assert.equal(code, 2);
    assert.equal(lines.length, 2);
    assert.equal(lines[0].line, 1);
    assert.equal(lines[1].id, 'after');
  });
});

/**
 * A large input with bad lines at known places: blank and CRLF lines, ids with quotes and non-ASCII characters,
 * a line longer than the limit, and no final newline. Returns the text and, per line number, what it should get.
 */
function mixedInput(lines: number): { text: string; expect: Map<number, string> } {
  const expect = new Map<number, string>();
  const parts: string[] = [];
  for (let n = 1; n <= lines; n++) {
    let text: string;
    if (n % 997 === 0) { text = `not json {"id": "broken-${n}"`; expect.set(n, 'error'); }
    else if (n % 1301 === 0) { const c = makeCase({ id: `nc-${n}` }) as any; delete c.contact.country; text = line(c); expect.set(n, 'error'); }
    else if (n % 1009 === 0) { text = ''; expect.set(n, 'blank'); }
    else if (n === 4321) { text = `{"id":"huge","pad":"${'x'.repeat(1_100_000)}"}`; expect.set(n, 'error'); }
    else if (n % 2 === 0) { text = good(`c-${n} "é" 😀`, { contact: { consents: [doi()], email: `kim${n}@bücher.example` } }) + '\r'; expect.set(n, 'answer'); }
    else { text = line(makeCase({ id: `c-${n}`, contact: { source: { type: n % 3 === 0 ? 'list_broker' : 'web_form' } } })); expect.set(n, 'answer'); }
    parts.push(text);
  }
  return { text: parts.join('\n'), expect };
}

/** Feeds `text` to the command in fixed-size writes, as a pipe would; returns the exit code and output. */
async function evaluateInChunks(text: string, args: string[], chunk: number): Promise<{ code: number; out: string }> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let out = '';
  stdout.setEncoding('utf8');
  stdout.on('data', (d: string) => { out += d; });
  const done = run(args, { stdin, stdout, stderr: new PassThrough() });
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += chunk) {
    if (!stdin.write(bytes.subarray(at, at + chunk))) await new Promise((r) => stdin.once('drain', r));
  }
  stdin.end();
  return { code: await done, out };
}

describe('listwarden evaluate on worker threads', () => {
  const { text, expect } = mixedInput(9000);

  it('answers a large input on workers exactly as on one thread: same lines, same order, same line numbers', async () => {
    const one = await evaluateInChunks(text, ['--threads', '0', '--at', '2026-03-01T09:00:00Z'], 65_536);
    assert.equal(one.code, 2);
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(file, text);
    const out = new PassThrough();
    let many = '';
    out.setEncoding('utf8');
    out.on('data', (d: string) => { many += d; });
    // Workers from the first megabyte on (no answering here while they load), in pieces cut from 70,001-byte reads.
    const r = await answerStream({
      input: createReadStream(file, { highWaterMark: 70_001 }), out, defaults: { at: Date.parse('2026-03-01T09:00:00Z') },
      threads: 3, inlineWhileStarting: false,
    });
    assert.equal(r.anyError, true);
    assert.ok(r.onWorkers >= 10, `pieces answered on workers: ${r.onWorkers}`);
    assert.equal(many, one.out);
    const answers = many.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    const wanted = [...expect].filter(([, kind]) => kind !== 'blank');
    assert.equal(answers.length, wanted.length);
    for (let i = 0; i < answers.length; i++) {
      const [n, kind] = wanted[i];
      const a = answers[i];
      if (kind === 'error') {
        assert.equal(a.line, n, `error line ${i} names its input line`);
        assert.equal(a.error.code, 'invalid_input');
      } else {
        assert.equal(a.id, n % 2 === 0 ? `c-${n} "é" 😀` : `c-${n}`);
        assert.ok(a.verdict === 'send' || a.verdict === 'block');
      }
    }
  });

  it('the compiled command gives the same bytes with and without workers, and starts none for a small input', async () => {
    ensureBuilt();
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(file, text);
    const runBin = (args: string[]) => spawnSync(process.execPath, ['bin/listwarden', 'evaluate', file, '--at', '2026-03-01T09:00:00Z', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const one = runBin(['--threads', '1']);
    const two = runBin(['--threads', '2']);
    assert.equal(one.status, 2, one.stderr);
    assert.equal(two.status, 2, two.stderr);
    assert.equal(two.stdout, one.stdout);
    const sink = new PassThrough();
    sink.resume();
    const small = await answerStream({ input: createReadStream(file, { end: 200_000 }), out: sink, defaults: {}, threads: 2, inlineWhileStarting: false });
    assert.equal(small.onWorkers, 0);
  });

  it('stops early without error when the reader goes away (| head -n 1), workers and all', async () => {
    ensureBuilt();
    const file = join(dir, 'many.jsonl');
    writeFileSync(file, (good('h') + '\n').repeat(40_000));
    const child = spawn(process.execPath, ['bin/listwarden', 'evaluate', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d))));
    assert.equal(JSON.parse(first.split('\n')[0]).id, 'h');
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
  });
});

describe('listwarden evaluate as a process', () => {
  it('runs on stdin and stdout with the exit code of the contract', () => {
    const entry = "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', entry, 'evaluate'], { input: `${good('p1')}\nnot json\n`, encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(out[0].verdict, 'send');
    assert.equal(out[1].line, 2);
  });

  it('bin/listwarden (compiled) streams 60,000 lines through a 40 MB heap', async () => {
    ensureBuilt();
    const child = spawn(process.execPath, ['--max-old-space-size=40', 'bin/listwarden', 'evaluate', '--at', '2026-03-01T09:00:00Z'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let count = 0;
    let tail = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      const text = tail + d;
      const parts = text.split('\n');
      tail = parts.pop()!;
      count += parts.length;
    });
    child.stderr.on('data', (d) => { stderr += d; });
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    const body = good('x');
    const block = (body + '\n').repeat(1000);
    for (let i = 0; i < 60; i++) {
      if (!child.stdin.write(block)) await new Promise((r) => child.stdin.once('drain', r));
    }
    child.stdin.end();
    assert.equal(await exit, 0, stderr);
    assert.equal(count, 60_000);
  });
});

/** Builds `dist/` when it is older than the sources this test depends on (CI builds it in `npm ci`). */
function ensureBuilt(): void {
  const newest = (path: string): number => {
    const s = statSync(path);
    if (!s.isDirectory()) return s.mtimeMs;
    return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
  };
  let built = 0;
  try { built = statSync('dist/cli/evaluate.js').mtimeMs; } catch { built = 0; }
  if (built >= Math.max(newest('src/engine'), newest('src/cli/evaluate.ts'), newest('src/cli/evaluate'), newest('src/cli/main.ts'))) return;
  spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'ignore' });
  assert.ok(statSync('dist/cli/evaluate.js').mtimeMs > built, 'dist/ could not be built');
}
