import { DAYS, parseClockTime, type Day } from '../config/sections/policy-syntax.js';

export type { Day } from '../config/sections/policy-syntax.js';

/**
 * A recurring window of wall-clock time, tested against `ctx.clock.now()`.
 *
 * `from` is inclusive, `to` exclusive, both `HH:MM`; a window whose `to` is not after `from`
 * wraps past midnight (`22:00`–`06:00`), and `days` then names the day the window starts on.
 * Without `days`, every day. Times are in `timezone` (an IANA name; default `UTC`).
 */
export interface TimeWindow {
  readonly from?: string;
  readonly to?: string;
  readonly days?: readonly Day[];
  readonly timezone?: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localTime(now: number, timezone: string): { day: number; minutes: number } {
  if (timezone === 'UTC') {
    const d = new Date(now);
    return { day: d.getUTCDay(), minutes: d.getUTCHours() * 60 + d.getUTCMinutes() };
  }
  let fmt = formatters.get(timezone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timezone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(new Date(now)).map((p) => [p.type, p.value]));
  const day = DAYS.indexOf(String(parts.weekday).toLowerCase().slice(0, 3) as Day);
  return { day, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** True when `now` (ms since the epoch) falls inside the window. */
export function inTimeWindow(window: TimeWindow, now: number): boolean {
  const { day, minutes } = localTime(now, window.timezone ?? 'UTC');
  const from = window.from === undefined ? 0 : parseClockTime(window.from);
  const to = window.to === undefined ? 24 * 60 : parseClockTime(window.to);
  const days = window.days?.map((d) => DAYS.indexOf(d));
  const dayOk = (d: number): boolean => !days || days.includes(d);
  if (from < to) return minutes >= from && minutes < to && dayOk(day);
  // Wraps past midnight: the late part belongs to today, the early part to yesterday's window.
  if (minutes >= from) return dayOk(day);
  if (minutes < to) return dayOk((day + 6) % 7);
  return false;
}
