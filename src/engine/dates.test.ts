import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addMonths, ageAt, parseIsoDate } from './dates.js';

describe('parseIsoDate', () => {
  const same: [string, string][] = [
    ['2026-03-01', '2026-03-01T00:00:00Z'],
    ['2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z'],
    ['2026-03-01T09:00Z', '2026-03-01T09:00:00Z'],
    ['2026-03-01T09:00:00', '2026-03-01T09:00:00Z'],
    ['2026-03-01 09:00:00z', '2026-03-01T09:00:00Z'],
    ['2026-03-01T11:00:00+02:00', '2026-03-01T09:00:00Z'],
    ['2026-03-01T03:30:00-0530', '2026-03-01T09:00:00Z'],
    ['2026-03-01T11:00:00+02', '2026-03-01T09:00:00Z'],
    ['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
    ['2026-03-01T09:00:00.5Z', '2026-03-01T09:00:00.500Z'],
  ];
  for (const [text, iso] of same) it(`reads ${text}`, () => assert.equal(parseIsoDate(text), Date.parse(iso)));
  for (const text of ['2026-02-30', '2025-02-29', '2026-13-01', '2026-00-10', '2026-3-1', '26-03-01', '2026-03-01T', '2026-03-01T24:00Z',
    '2026-03-01T09:60Z', '2026-03-01T09:00:61Z', '2026-03-01T09:00:00.Z', '2026-03-01T09:00+2', '2026-03-01T09:00Zx', 'March 7, 2026', '', 'tomorrow']) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.ok(Number.isNaN(parseIsoDate(text))));
  }
  // The month table covers 1900-2199; these properties cross both of its edges and the computed path beyond.
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  it('agrees with Date.UTC on generated calendar dates, and rejects the days a month lacks', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), (y, m, d) => {
      const reference = new Date(0);
      reference.setUTCFullYear(y, m - 1, d);
      const exists = reference.getUTCDate() === d;
      const got = parseIsoDate(`${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
      return exists ? got === reference.getTime() : Number.isNaN(got);
    }), { numRuns: 20_000 });
  });
  it('agrees with Date.parse on generated date-times with fractions and offsets', () => {
    const moment = fc.integer({ min: Date.UTC(1850, 0, 1), max: Date.UTC(2300, 0, 1) });
    fc.assert(fc.property(moment, fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 6 }), fc.integer({ min: -14 * 60, max: 14 * 60 }), (ms, extra, offset) => {
      // Digits past the millisecond are truncated, whatever they are.
      const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23) + extra.join('');
      const sign = offset < 0 ? '-' : '+';
      const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60), 2)}:${pad(Math.abs(offset) % 60, 2)}`;
      return parseIsoDate(local + zone) === ms && parseIsoDate(new Date(ms).toISOString().slice(0, 19) + 'Z') === Math.floor(ms / 1000) * 1000;
    }), { numRuns: 20_000 });
  });
});

describe('calendar clocks', () => {
  it('adds months, keeping the time of day', () => {
    assert.equal(addMonths(Date.parse('2026-01-10T10:04:00Z'), 36), Date.parse('2029-01-10T10:04:00Z'));
    assert.equal(addMonths(Date.parse('2025-11-01T09:00:00Z'), 6), Date.parse('2026-05-01T09:00:00Z'));
  });
  it('falls back to the last day of a shorter month', () => {
    assert.equal(addMonths(Date.parse('2024-02-29T00:00:00Z'), 12), Date.parse('2025-02-28T00:00:00Z'));
    assert.equal(addMonths(Date.parse('2025-08-31T00:00:00Z'), 6), Date.parse('2026-02-28T00:00:00Z'));
  });
  it('agrees with Date on random moments', () => {
    for (let i = 0; i < 2000; i++) {
      const ms = Date.UTC(1950 + (i % 120), i % 12, 1 + (i % 28), i % 24, i % 60);
      const months = (i % 61) - 12;
      const d = new Date(ms);
      d.setUTCMonth(d.getUTCMonth() + months);
      assert.equal(addMonths(ms, months), d.getTime());
    }
  });
  it('counts age from the birthday', () => {
    assert.equal(ageAt(Date.parse('2010-03-01'), Date.parse('2026-02-28T23:59:59Z')), 15);
    assert.equal(ageAt(Date.parse('2010-03-01'), Date.parse('2026-03-01T00:00:00Z')), 16);
  });
});
