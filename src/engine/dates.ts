/**
 * Strict ISO 8601 dates for the engine's input, turned into epoch milliseconds once. `Date.parse` alone is not
 * enough: it accepts 30 February (rolling it into March) and reads an offset-less time in the machine's zone.
 * A date-time without an offset is read as UTC here, so that an answer never depends on where it was computed.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const DAY = 86_400_000;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Epoch milliseconds of an ISO 8601 date or date-time, or NaN when the text is not one. */
export function parseIsoDate(text: string): number {
  const m = ISO.exec(text);
  if (m === null) return NaN;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (m[4] === undefined) return Date.UTC(year, month - 1, day);
  const hour = +m[4];
  const minute = +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  const ms = m[7] === undefined ? 0 : Math.floor(+`0.${m[7]}` * 1000);
  let offset = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const oh = +zone.slice(1, 3);
    const om = zone.length > 3 ? +zone.slice(zone.length - 2) : 0;
    if (oh > 23 || om > 59) return NaN;
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset;
}

/** Adds calendar months in UTC (the last day of a shorter month stands in for a missing day). */
export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  d.setUTCDate(Math.min(day, daysInMonth(d.getUTCFullYear(), d.getUTCMonth() + 1)));
  return d.getTime();
}

export function addDays(ms: number, days: number): number {
  return ms + days * DAY;
}

/** Whole years between a birth date and a moment (the birthday counts from its first millisecond). */
export function ageAt(birth: number, moment: number): number {
  const b = new Date(birth);
  const m = new Date(moment);
  let age = m.getUTCFullYear() - b.getUTCFullYear();
  const before = m.getUTCMonth() < b.getUTCMonth() || (m.getUTCMonth() === b.getUTCMonth() && m.getUTCDate() < b.getUTCDate());
  if (before) age -= 1;
  return age;
}
