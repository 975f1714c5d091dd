/**
 * Strict ISO 8601 dates for the engine's input, turned into epoch milliseconds once. `Date.parse` alone is not
 * enough: it accepts 30 February (rolling it into March) and reads an offset-less time in the machine's zone.
 * A date-time without an offset is read as UTC here, so that an answer never depends on where it was computed.
 */

const DAY = 86_400_000;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The two-digit number at `at`, or -1 when either character is not a digit. */
function d2(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

// Day numbers of the first of each month for the years most dates fall in, so that reading a date is one indexed
// load rather than the calendar arithmetic (a sixth of the cost of a line was dates). Other years compute it.
const TABLE_FIRST_YEAR = 1900;
const TABLE_YEARS = 300;
const MONTH_START = new Int32Array(TABLE_YEARS * 12 + 1);
for (let i = 0; i <= TABLE_YEARS * 12; i++) MONTH_START[i] = dayNumber(TABLE_FIRST_YEAR + Math.floor(i / 12), (i % 12) + 1, 1);

/** The day number of a calendar date, or NaN when the month has no such day (month and day are already 1-12, 1-31). */
function dateDay(year: number, month: number, day: number): number {
  const row = (year - TABLE_FIRST_YEAR) * 12 + month - 1;
  if (row >= 0 && row < TABLE_YEARS * 12) {
    const first = MONTH_START[row];
    return day <= MONTH_START[row + 1] - first ? first + day - 1 : NaN;
  }
  return day <= daysInMonth(year, month) ? dayNumber(year, month, day) : NaN;
}

/**
 * Epoch milliseconds of an ISO 8601 date or date-time, or NaN when the text is not one. Accepted:
 * `YYYY-MM-DD`, optionally followed by `T` (or a space) `hh:mm`, `:ss`, `.fraction`, and `Z` or `±hh[:mm]`.
 * Read character by character: it runs for every date of every line on the CLI's hot path.
 */
export function parseIsoDate(text: string): number {
  const len = text.length;
  if (len < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return NaN;
  const century = d2(text, 0);
  const yy = d2(text, 2);
  const year = century * 100 + yy;
  const month = d2(text, 5);
  const day = d2(text, 8);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1) return NaN;
  const date = dateDay(year, month, day) * DAY;
  if (date !== date) return NaN; // no such day in that month
  if (len === 10) return date;
  const sep = text.charCodeAt(10);
  if ((sep !== 84 && sep !== 32) || len < 16 || text.charCodeAt(13) !== 58) return NaN; // T or space, then hh:mm
  const hour = d2(text, 11);
  const minute = d2(text, 14);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return NaN;
  let i = 16;
  let second = 0;
  let ms = 0;
  if (i < len && text.charCodeAt(i) === 58) {
    second = d2(text, i + 1);
    if (second < 0 || second > 59 || i + 3 > len) return NaN;
    i += 3;
    if (i < len && text.charCodeAt(i) === 46) {
      i++;
      // Milliseconds are the first three digits (padded); further digits are checked and truncated away.
      let scale = 100;
      const first = i;
      while (i < len) {
        const d = text.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        ms += d * scale;
        scale = scale === 1 ? 0 : scale / 10;
        i++;
      }
      if (i === first || i - first > 9) return NaN;
    }
  }
  let offset = 0;
  if (i < len) {
    const z = text.charCodeAt(i);
    if (z === 90 || z === 122) { // Z or z
      i++;
    } else if (z === 43 || z === 45) { // + or -
      const oh = d2(text, i + 1);
      let om = 0;
      let next = i + 3;
      if (next < len) {
        if (text.charCodeAt(next) === 58) next++;
        om = d2(text, next);
        next += 2;
      }
      if (oh < 0 || oh > 23 || om < 0 || om > 59 || next > len) return NaN;
      offset = (z === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
      i = next;
    } else {
      return NaN;
    }
  }
  if (i !== len) return NaN;
  return date + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms - offset;
}

// Civil-calendar arithmetic on day numbers (Howard Hinnant's algorithms), so that the clocks of the hot path
// allocate no Date objects. `civil()` leaves its result in these three variables.
let cy = 0;
let cm = 0;
let cd = 0;

function civil(days: number): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  cd = doy - Math.floor((153 * mp + 2) / 5) + 1;
  cm = mp < 10 ? mp + 3 : mp - 9;
  cy = yoe + era * 400 + (cm <= 2 ? 1 : 0);
}

function dayNumber(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

/** Adds calendar months in UTC (the last day of a shorter month stands in for a missing day). */
export function addMonths(ms: number, months: number): number {
  const days = Math.floor(ms / DAY);
  const timeOfDay = ms - days * DAY;
  civil(days);
  const total = cy * 12 + (cm - 1) + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12 + 1;
  const day = Math.min(cd, daysInMonth(year, month));
  return dayNumber(year, month, day) * DAY + timeOfDay;
}

export function addDays(ms: number, days: number): number {
  return ms + days * DAY;
}

/** Whole years between a birth date and a moment (the birthday counts from its first millisecond). */
export function ageAt(birth: number, moment: number): number {
  civil(Math.floor(birth / DAY));
  const by = cy, bm = cm, bd = cd;
  civil(Math.floor(moment / DAY));
  const before = cm < bm || (cm === bm && cd < bd);
  return cy - by - (before ? 1 : 0);
}
