/* Quiet hours: whether the office is open now, by its own hours, holidays and time zone. */
"use strict";

// A class in a classic script: kiosk.js, loaded after it, makes the one the kiosk uses.
// eslint-disable-next-line no-unused-vars
class QuietHours {
  /** `hours`: {quiet, week (Monday first: ["08:00", "16:00"] or null), holidays
   * ({"2026-12-25": "Hari Raya Natal"}), offset_minutes (the office's UTC offset)}. */
  constructor(hours) {
    this.hours = hours;
  }

  /** The office's own date (YYYY-MM-DD), weekday (Monday 0) and time (HH:MM) at `ms`. */
  local(ms) {
    // Shifted by the office's offset and read as UTC: the tablet's own time zone is no matter.
    const shifted = new Date(ms + this.hours.offset_minutes * 60000).toISOString();
    const weekday = (new Date(shifted).getUTCDay() + 6) % 7;
    return { date: shifted.slice(0, 10), weekday, time: shifted.slice(11, 16) };
  }

  /** The holiday's name ("" unnamed) when the office is closed for one at `ms`, else null. */
  holiday(ms) {
    const name = this.hours.holidays[this.local(ms).date];
    return name === undefined ? null : name;
  }

  /** Whether the kiosk takes surveys at `ms`: always, unless quiet hours are on. */
  open(ms) {
    if (!this.hours.quiet) return true;
    const now = this.local(ms);
    const span = this.hours.week[now.weekday];
    // "HH:MM" strings compare as times do.
    return this.holiday(ms) === null && !!span && span[0] <= now.time && now.time < span[1];
  }
}
