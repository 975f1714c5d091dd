import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { openImportFile, type RecordBatch } from './read-rows.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-read-rows-'));
let n = 0;
function file(content: string | Buffer): string {
  const path = join(dir, `f${n++}.csv`);
  writeFileSync(path, content);
  return path;
}

async function readAll(path: string, batchSize = 1000, maxLineChars?: number) {
  const opened = await openImportFile({ path, batchSize, maxLineChars });
  if (!opened.ok) return { error: opened.reason, records: [], problems: [], format: null };
  const all: RecordBatch = { records: [], problems: [] };
  for await (const b of opened.file.batches) {
    all.records.push(...b.records);
    all.problems.push(...b.problems);
  }
  return { error: null, ...all, format: opened.file.format };
}

test('reads a plain CSV with line numbers, quoted fields and a CRLF line end', async () => {
  const r = await readAll(file('email,name\r\na@x.test,"Ann, Smith"\r\n\r\nb@x.test,"Bob ""B"""\r\n'));
  assert.deepEqual(r.records.map((x) => [x.line, ...x.cells]), [[1, 'email', 'name'], [2, 'a@x.test', 'Ann, Smith'], [4, 'b@x.test', 'Bob "B"']]);
  assert.deepEqual(r.problems, []);
});

test('sniffs semicolon, tab and pipe delimiters', async () => {
  for (const d of [';', '\t', '|']) {
    const r = await readAll(file(`email${d}prénom${d}pays\na@x.test${d}Zoé${d}FR\n`));
    assert.equal(r.format?.kind === 'csv' && r.format.delimiter, d);
    assert.deepEqual(r.records[1].cells, ['a@x.test', 'Zoé', 'FR']);
  }
});

test('decodes UTF-8 with a BOM, and Windows-1252 without one', async () => {
  const bom = await readAll(file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('email,prénom\na@x.test,Zoé\n')])));
  assert.deepEqual(bom.records[0].cells, ['email', 'prénom']);
  assert.equal(bom.format?.kind === 'csv' && bom.format.encoding, 'utf-8');
  const latin = await readAll(file(iconv.encode('email;nom;société\na@x.test;Müller;Crème € SARL\n', 'windows-1252')));
  assert.equal(latin.format?.kind === 'csv' && latin.format.encoding, 'windows-1252');
  assert.deepEqual(latin.records[1].cells, ['a@x.test', 'Müller', 'Crème € SARL']);
});

test('a stray quote costs only its own line; the lines it swallowed are read again', async () => {
  const text = 'email,name\na@x.test,Ann\n"b@x.test,Bob\nc@x.test,Cid\nd@x.test,Dan\n';
  const r = await readAll(file(text));
  assert.deepEqual(r.records.map((x) => [x.line, x.cells[0]]), [[1, 'email'], [2, 'a@x.test'], [4, 'c@x.test'], [5, 'd@x.test']]);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].line, 3);
  assert.match(r.problems[0].reason, /quote/);
});

test('an opening quote never closed before the end of the file loses only its own line', async () => {
  const r = await readAll(file('email,name\r\na@x.test,Ann\r\nb@x.test,"Bob\r\nc@x.test,Cid\r\nd@x.test,Dan\r\n'));
  assert.deepEqual(r.records.map((x) => [x.line, x.cells[0]]), [[1, 'email'], [2, 'a@x.test'], [4, 'c@x.test'], [5, 'd@x.test']]);
  assert.deepEqual(r.problems.map((p) => p.line), [3]);
});

test('a quoted field that legitimately spans lines is kept whole', async () => {
  const r = await readAll(file('email,note\na@x.test,"line one\nline two"\nb@x.test,x\n'));
  assert.deepEqual(r.records.map((x) => [x.line, ...x.cells]), [[1, 'email', 'note'], [2, 'a@x.test', 'line one\nline two'], [4, 'b@x.test', 'x']]);
});

test('a 10 MB line and a line of binary data are skipped with their line numbers; the rest is read', async () => {
  const huge = 'x'.repeat(10 * 1024 * 1024);
  const text = `email,name\na@x.test,A\n${huge}\nb@x.test,B\nc@x.test,\u0000\u0001\u0002\nd@x.test,D\n`;
  const r = await readAll(file(text));
  assert.deepEqual(r.records.map((x) => x.cells[0]), ['email', 'a@x.test', 'b@x.test', 'd@x.test']);
  assert.deepEqual(r.records.map((x) => x.line), [1, 2, 4, 6]);
  assert.deepEqual(r.problems.map((p) => p.line).sort(), [3, 5]);
});

test('an empty file and a binary file are refused with a reason', async () => {
  assert.equal((await readAll(file(''))).error, 'the file is empty');
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
  assert.match((await readAll(file(png))).error ?? '', /binary/);
});

test('batches hold at most batchSize records and keep file order', async () => {
  const lines = ['email', ...Array.from({ length: 25 }, (_, i) => `u${i}@x.test`)];
  const opened = await openImportFile({ path: file(lines.join('\n') + '\n'), batchSize: 10 });
  assert.ok(opened.ok);
  const sizes: number[] = [];
  const seen: string[] = [];
  for await (const b of opened.file.batches) {
    sizes.push(b.records.length);
    seen.push(...b.records.map((r) => r.cells[0]));
  }
  assert.deepEqual(sizes, [10, 10, 6]);
  assert.deepEqual(seen, lines);
});

test('a "sep=;" first line names the delimiter and is not a record; line numbers stay the file\'s', async () => {
  const r = await readAll(file('\uFEFFsep=;\r\nemail;name\r\na@x.test;Ann, Smith\r\n'));
  assert.equal(r.format?.kind === 'csv' && r.format.delimiter, ';');
  assert.deepEqual(r.records.map((x) => [x.line, ...x.cells]), [[2, 'email', 'name'], [3, 'a@x.test', 'Ann, Smith']]);
});

test('a title line above the header does not throw the delimiter sniffing off', async () => {
  const r = await readAll(file('Liste des clients\nemail;prénom;pays\na@x.test;Zoé;FR\nb@x.test;Léa;BE\n'));
  assert.equal(r.format?.kind === 'csv' && r.format.delimiter, ';');
  assert.deepEqual(r.records[2].cells, ['a@x.test', 'Zoé', 'FR']);
});

test('a file that looked like UTF-8 in its first 64 KB but has a Windows-1252 byte later is read as Windows-1252', async () => {
  const lines = ['email,name'];
  for (let i = 0; i < 3000; i++) lines.push(`p${i}@x.test,Plain`);
  lines.push('jose@x.test,José');
  const r = await readAll(file(iconv.encode(`${lines.join('\n')}\n`, 'windows-1252')));
  assert.equal(r.records.at(-1)!.cells[1], 'José');
  assert.equal(r.format?.kind === 'csv' && r.format.encoding, 'windows-1252', 'the format says what the file turned out to be');
  const utf8 = await readAll(file(Buffer.from(`${lines.join('\n')}\nzoe@x.test,Zoé\n`, 'utf8')));
  assert.equal(utf8.records.at(-1)!.cells[1], 'Zoé');
  assert.equal(utf8.format?.kind === 'csv' && utf8.format.encoding, 'utf-8');
});

test('lines ended by CR alone are lines to the length guard too; such a file that is not UTF-8 is Mac Roman', async () => {
  const r = await readAll(file(iconv.encode('email,name\ra@x.test,André\rb@x.test,Zoë\r', 'macintosh')), 1000, 20);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.records.map((x) => [x.line, ...x.cells]), [[1, 'email', 'name'], [2, 'a@x.test', 'André'], [3, 'b@x.test', 'Zoë']]);
  assert.equal(r.format?.kind === 'csv' && r.format.encoding, 'macintosh');
});

test('a broken quote costs only its own line whatever ends the lines: LF, CRLF or CR alone (Excel for Mac)', async () => {
  const lines = ['email,name,country', 'ok1@x.test,One,GB', '"broken@x.test,Quote never closed,GB', 'ok2@x.test,Two,GB', 'ok3@x.test,"Three, closes later',
    'still three",GB', 'ok4@x.test,Four,GB', '"again@x.test,x,GB', 'ok5@x.test,Five,GB', 'ok6@x.test,"x" y,GB', 'ok7@x.test,Seven,GB'];
  const read = async (eol: string, batchSize: number) => {
    const r = await readAll(file(lines.join(eol) + eol), batchSize);
    return { records: r.records.map((x) => [x.line, ...x.cells]), problems: r.problems.map((p) => [p.line, p.raw]) };
  };
  const lf = await read('\n', 1000);
  assert.deepEqual(lf.records.map((x) => x[0]), [1, 2, 4, 6, 7, 9, 10, 11]);
  assert.deepEqual(lf.records[5], [9, 'ok5@x.test', 'Five', 'GB']);
  assert.deepEqual(lf.problems, [[3, '"broken@x.test,Quote never closed,GB'], [5, 'ok3@x.test,"Three, closes later'], [8, '"again@x.test,x,GB']]);
  for (const eol of ['\r\n', '\r']) {
    for (const batchSize of [1000, 2]) assert.deepEqual(await read(eol, batchSize), lf, JSON.stringify({ eol, batchSize }));
  }
});
