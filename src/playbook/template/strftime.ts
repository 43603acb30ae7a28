import { isNumber, num, PyError, pyStr, pyTruth } from './python.js';

/**
 * Ansible's `strftime` filter: `'%Y-%m-%d' | strftime(epoch, utc=false)`, C's strftime in the controller's
 * time zone (or UTC), for the directives templates use. Without an epoch it formats the current time.
 */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  ...['January', 'February', 'March', 'April', 'May', 'June'],
  ...['July', 'August', 'September', 'October', 'November', 'December'],
];

function pad(n: number, width = 2, fill = '0'): string {
  return String(n).padStart(width, fill);
}

export function strftime(format: unknown, second?: unknown, utc?: unknown): string {
  let epoch = Date.now() / 1000;
  if (second !== undefined && second !== null) {
    const n = isNumber(second) ? num(second) : Number(pyStr(second).trim());
    if (Number.isNaN(n)) throw new PyError('Error', `Invalid value for epoch value (${pyStr(second)})`);
    epoch = n;
  }
  const d = new Date(Math.floor(epoch) * 1000);
  const inUtc = pyTruth(utc ?? false);
  const part = {
    year: inUtc ? d.getUTCFullYear() : d.getFullYear(),
    month: inUtc ? d.getUTCMonth() : d.getMonth(),
    day: inUtc ? d.getUTCDate() : d.getDate(),
    hour: inUtc ? d.getUTCHours() : d.getHours(),
    minute: inUtc ? d.getUTCMinutes() : d.getMinutes(),
    second: inUtc ? d.getUTCSeconds() : d.getSeconds(),
    weekday: inUtc ? d.getUTCDay() : d.getDay(),
  };
  const offset = inUtc ? 0 : -d.getTimezoneOffset();
  const yearStart = inUtc ? Date.UTC(part.year, 0, 1) : new Date(part.year, 0, 1).getTime();
  const dayOfYear = Math.floor((d.getTime() - yearStart) / 86_400_000) + 1;
  const hour12 = part.hour % 12 === 0 ? 12 : part.hour % 12;
  return pyStr(format).replace(/%([%a-zA-Z])/g, (m, c: string) => {
    switch (c) {
      case '%':
        return '%';
      case 'Y':
        return String(part.year);
      case 'y':
        return pad(part.year % 100);
      case 'm':
        return pad(part.month + 1);
      case 'd':
        return pad(part.day);
      case 'e':
        return pad(part.day, 2, ' ');
      case 'H':
        return pad(part.hour);
      case 'I':
        return pad(hour12);
      case 'M':
        return pad(part.minute);
      case 'S':
        return pad(part.second);
      case 'p':
        return part.hour < 12 ? 'AM' : 'PM';
      case 'j':
        return pad(dayOfYear, 3);
      case 'a':
        return DAYS[part.weekday]!.slice(0, 3);
      case 'A':
        return DAYS[part.weekday]!;
      case 'b':
      case 'h':
        return MONTHS[part.month]!.slice(0, 3);
      case 'B':
        return MONTHS[part.month]!;
      case 'w':
        return String(part.weekday);
      case 'u':
        return String(part.weekday === 0 ? 7 : part.weekday);
      case 'F':
        return `${part.year}-${pad(part.month + 1)}-${pad(part.day)}`;
      case 'T':
        return `${pad(part.hour)}:${pad(part.minute)}:${pad(part.second)}`;
      case 'D':
        return `${pad(part.month + 1)}/${pad(part.day)}/${pad(part.year % 100)}`;
      case 's':
        return String(Math.floor(epoch));
      case 'z':
        return `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
      default:
        // Time zone names and locale forms depend on the controller's C library: left as written.
        return m;
    }
  });
}
