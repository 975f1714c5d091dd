// Agreement of the bounce parser with the labelled corpus (shared/fixtures/bounces), and ordinary mail never
// taken for a bounce. The thresholds are those of issue 7: hard/soft 98%, status 95%, reason 90%.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { splitMbox } from '../src/bounces/mbox.js';
import { parseReturnedMail } from '../src/bounces/parse.js';
import type { RecipientReport, Report } from '../src/bounces/types.js';

const CORPUS = join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'bounces');
const OWN = join(import.meta.dirname, 'fixtures', 'mail');

interface Label { index: number; status: string; replyCode: string; reason: string; hardBounce: boolean; feedbackType?: string }

/**
 * A corpus file is one message, or (rarely) an mbox of several: its labels then list the recipients of all of
 * them in order, so each message is parsed and the recipients are read in sequence.
 */
async function parseFile(raw: Buffer): Promise<Report> {
  const messages = raw.subarray(0, 5).toString('latin1') === 'From ' ? splitMbox(raw) : [raw];
  if (messages.length <= 1) return parseReturnedMail(raw);
  const reports = await Promise.all(messages.map((m) => parseReturnedMail(m)));
  const recipients: RecipientReport[] = reports.flatMap((r) => r.recipients);
  return { ...reports[0], recipients };
}

test('the parser agrees with the labelled corpus', async () => {
  const labels = JSON.parse(readFileSync(join(CORPUS, 'labels.json'), 'utf8')) as Record<string, Label[]>;
  let total = 0;
  let hard = 0;
  let status = 0;
  let reason = 0;
  for (const [file, expected] of Object.entries(labels)) {
    const report = await parseFile(readFileSync(join(CORPUS, 'eml', file)));
    if (expected.length === 0) {
      assert.notEqual(report.kind, 'bounce', `${file} is ordinary mail, not a bounce`);
      continue;
    }
    expected.forEach((label, i) => {
      const got = report.recipients[i];
      total += 1;
      if (got && got.hard === label.hardBounce) hard += 1;
      if (got && got.status === label.status) status += 1;
      if (got && got.reason === label.reason && (!label.feedbackType || got.feedbackType === label.feedbackType)) reason += 1;
    });
  }
  const pct = (n: number) => Math.round((1000 * n) / total) / 10;
  console.log(JSON.stringify({ recipients: total, hardSoft: pct(hard), status: pct(status), reason: pct(reason) }));
  assert.ok(total > 400, 'the corpus is there');
  assert.ok(pct(hard) >= 98, `hard/soft agreement ${pct(hard)}% is below 98%`);
  assert.ok(pct(status) >= 95, `status agreement ${pct(status)}% is below 95%`);
  assert.ok(pct(reason) >= 90, `reason agreement ${pct(reason)}% is below 90%`);
});

test('ordinary mail is never taken for a bounce, and automatic replies are auto_reply', async () => {
  const files = readdirSync(OWN).filter((f) => f.endsWith('.eml'));
  assert.ok(files.length >= 5);
  for (const file of files) {
    const report = await parseReturnedMail(readFileSync(join(OWN, file)));
    if (file.startsWith('auto-reply-')) {
      assert.equal(report.kind, 'auto_reply', file);
      assert.equal(report.recipients[0]?.reason, 'vacation', file);
      assert.equal(report.recipients[0]?.hard, false, file);
    } else {
      assert.equal(report.kind, 'not_bounce', file);
      assert.deepEqual(report.recipients, [], file);
    }
  }
});
