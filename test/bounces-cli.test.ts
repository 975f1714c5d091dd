// `listwarden bounces parse` through the command line's own entry (main), in a child process as a user runs it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const ROOT = join(import.meta.dirname, '..');
const CORPUS = join(ROOT, '..', 'shared', 'fixtures', 'bounces', 'eml');
const work = mkdtempSync(join(tmpdir(), 'lw-bounces-'));
after(() => rmSync(work, { recursive: true, force: true }));

function listwarden(args: string[], input?: Buffer | string) {
  const script = "import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })";
  const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, ...args], { cwd: ROOT, input, encoding: 'utf8' });
  const lines = result.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
  return { code: result.status, lines, stderr: result.stderr };
}

test('a good file gives one JSON line with the failed recipient', () => {
  const { code, lines } = listwarden(['bounces', 'parse', join(CORPUS, 'lhost-postfix-06.eml'), '--json']);
  assert.equal(code, 0);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].kind, 'bounce');
  assert.equal(lines[0].recipients[0].address, 'kijitora@neko.example.jp');
  assert.equal(lines[0].recipients[0].reason, 'hostunknown');
  assert.equal(lines[0].recipients[0].hard, true);
});

test('a broken file still gets its line, the others are answered, and the exit code says so', () => {
  const broken = join(work, 'broken.eml');
  writeFileSync(broken, Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a, 0x0a, 0x00]));
  const { code, lines } = listwarden(['bounces', 'parse', broken, join(CORPUS, 'lhost-qmail-06.eml'), join(work, 'missing.eml')]);
  assert.equal(code, 1);
  assert.deepEqual(lines.map((l) => l.kind), ['unreadable', 'bounce', 'unreadable']);
  assert.match(lines[0].error, /not an email/);
  assert.match(lines[2].error, /no such file/);
  assert.equal(lines[1].recipients[0].reason, 'mailboxfull');
});

test('a directory is read recursively, in name order', () => {
  const dir = join(work, 'box');
  mkdirSync(join(dir, 'nested'), { recursive: true });
  cpSync(join(CORPUS, 'lhost-exim-06.eml'), join(dir, 'b.eml'));
  cpSync(join(CORPUS, 'arf-02.eml'), join(dir, 'a.eml'));
  cpSync(join(CORPUS, 'rfc3834-04.eml'), join(dir, 'nested', 'c.eml'));
  writeFileSync(join(dir, 'notes.txt'), 'not mail');
  const { code, lines } = listwarden(['bounces', 'parse', dir]);
  assert.equal(code, 0);
  assert.deepEqual(lines.map((l) => [l.file.slice(dir.length + 1), l.kind]), [['a.eml', 'complaint'], ['b.eml', 'bounce'], ['nested/c.eml', 'auto_reply']]);
  assert.equal(lines[0].recipients[0].feedbackType, 'abuse');
});

test('"-" reads one message from standard input, with CRLF or bare CR line endings', () => {
  const lf = readFileSync(join(CORPUS, 'lhost-postfix-06.eml'), 'latin1');
  for (const raw of [lf.replace(/\n/g, '\r\n'), lf.replace(/\n/g, '\r')]) {
    const { code, lines } = listwarden(['bounces', 'parse', '-'], Buffer.from(raw, 'latin1'));
    assert.equal(code, 0);
    assert.equal(lines[0].file, '-');
    assert.equal(lines[0].recipients[0].address, 'kijitora@neko.example.jp');
    assert.equal(lines[0].recipients[0].status, '5.4.4');
  }
});

test('a wrong sub-command or option is refused with the usage', () => {
  const wrong = listwarden(['bounces', 'nonsense']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /unknown sub-command/);
  const option = listwarden(['bounces', 'parse', '--nope', join(CORPUS, 'lhost-postfix-06.eml')]);
  assert.equal(option.code, 2);
  assert.deepEqual(option.lines, []);
});
