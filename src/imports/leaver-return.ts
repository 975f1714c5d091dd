/**
 * A leaver who came back: a file says the person unsubscribed in the tool it comes from, on a date, and the
 * person has since confirmed a fresh opt-in here. Consent first: the newer word of the person wins, so the file's
 * old unsubscribe does not suppress them. Pure (time is an argument).
 *
 * Only an unsubscribe with a date the file states, read so that no reading of it is later than the one used,
 * and only the person's own confirmed double opt-in here (the one consent that lifts an unsubscribe at all,
 * suppression-rules.ts), given after that date. A bounce or a complaint is kept whatever came after it.
 */
import type { LeaverReason } from './check-row.js';

/** The person's own confirmed double opt-in for email here (our form): signed up `at`, confirmed `confirmedAt`. */
export type Confirmation = { at: Date; confirmedAt: Date };

/** A date the file gives: the day it names (ISO) and the latest instant any reading of it can mean (ms). */
export type LeftAt = { day: string; latest: number };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// A time without a zone may be in any zone: UTC-12 is the latest reading of it.
const LATEST_ZONE = 12 * HOUR;
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);
const FIRST_YEAR = 1990;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?$/i;
const DAY_FIRST = /^(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?:[ ,T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const SERIAL = /^(\d{5})(?:\.(\d+))?$/;

function validDay(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A local date (and time, if given) as its latest possible instant, or null if it is no date. */
function latestOf(y: number, m: number, d: number, time: [number, number, number] | null, zoneMs: number | null): number | null {
  if (!validDay(y, m, d)) return null;
  const start = Date.UTC(y, m - 1, d);
  if (!time) return start + DAY - 1 + LATEST_ZONE; // the whole day, in the latest zone
  const [h, min, s] = time;
  if (h > 23 || min > 59 || s > 59) return null;
  const local = start + h * HOUR + min * 60_000 + s * 1000;
  return zoneMs === null ? local + LATEST_ZONE : local - zoneMs;
}

function zone(text: string | undefined): number | null {
  if (!text) return null;
  if (/^(z|utc|gmt)$/i.test(text)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * HOUR + Number(m[3]) * 60_000);
}

/**
 * The unsubscribe date a file's cell gives, or null when the cell holds no date that can be read (a yes/no
 * flag, a date in the future of `now` or before 1990, something else). ISO dates and times (Mailchimp's
 * UNSUB_TIME), a day-first date (31.12.2025, 31/12/2025) and a spreadsheet's serial day. A date that reads both
 * ways (03/01/2025) is taken at its later reading, so a confirmation is only newer than every reading of it.
 */
export function parseLeftAt(cell: string, now: number): LeftAt | null {
  const text = cell.trim();
  let found: LeftAt | null = null;
  const at = (y: number, mo: number, d: number, time: [number, number, number] | null, zoneMs: number | null): LeftAt | null => {
    const latest = latestOf(y, mo, d, time, zoneMs);
    return latest === null ? null : { day: iso(Date.UTC(y, mo - 1, d)), latest };
  };
  let m = ISO.exec(text);
  if (m) {
    found = at(+m[1], +m[2], +m[3], m[4] ? [+m[4], +m[5], +(m[6] ?? 0)] : null, zone(m[7]));
  } else if ((m = DAY_FIRST.exec(text))) {
    const time: [number, number, number] | null = m[5] ? [+m[5], +m[6], +(m[7] ?? 0)] : null;
    const a = at(+m[4], +m[3], +m[1], time, null);
    // Month first is only a reading with slashes (US), never with dots (German, French numeric dates).
    const b = m[2] === '/' ? at(+m[4], +m[1], +m[3], time, null) : null;
    found = a === null ? b : b === null ? a : a.latest >= b.latest ? a : b;
  } else if ((m = SERIAL.exec(text))) {
    const start = EXCEL_EPOCH + Math.floor(Number(text) * DAY);
    found = { day: iso(start), latest: start + LATEST_ZONE + (m[2] ? 0 : DAY - 1) };
  }
  if (found === null || Number.isNaN(found.latest)) return null;
  if (Number(found.day.slice(0, 4)) < FIRST_YEAR || Date.parse(found.day) > now) return null;
  return found;
}

/**
 * Why a leaver's row does not suppress the person, or null when it does: the row's reason is an unsubscribe,
 * its file gives a date for it, and the person's own confirmed double opt-in here was given after every reading
 * of that date. A bounce or a complaint is kept whatever came after it (as the platform never lifts them).
 */
export function cameBack(o: { left: LeaverReason; leftAt: string | null; confirmation: Confirmation | null; now: number }): string | null {
  if (o.left !== 'unsubscribe' || o.leftAt === null || o.confirmation === null) return null;
  const date = parseLeftAt(o.leftAt, o.now);
  if (!date || o.confirmation.at.getTime() <= date.latest) return null;
  return `unsubscribed in the file on ${date.day}, confirmed again here on ${iso(o.confirmation.confirmedAt.getTime())}: not suppressed `
    + '(the person\'s own double opt-in here is newer than the file\'s unsubscribe; the row adds nothing)';
}
