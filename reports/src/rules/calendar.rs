//! The working-day calendar and the deadlines it makes.
//!
//! **Days are Moscow dates** (UTC+3 all year: Russia has kept no summer time since 2014). A
//! date is a working day when an admin said so (a transferred working day), else not when it
//! is a holiday (seeded or an admin's), else when it is Monday to Friday.
//!
//! **How a deadline counts.** A report routed at any moment of a Moscow date D has N working
//! days: day 1 is the first working day *after* D (the routing day never counts, whatever the
//! hour, nor whether D is a working day), and the answer is due by the end of the Nth working
//! day, that is at 00:00 Moscow time of the calendar day after it. Routed on Friday at 15:00
//! with 1 day: due Tuesday 00:00 (the end of Monday).
//!
//! **The warning** comes when 80 % of the real time from routing to the deadline has passed.
//!
//! **The seed** is Russia's official production calendar for 2026 (Government decree on the
//! transfer of days off in 2026: 3 January to 9 January, 4 January to 31 December; the
//! holidays of Labour Code art. 112 falling on a weekend move to the next working day, except
//! January's). Years without a seeded calendar get art. 112's holidays and that move rule;
//! admins add each year's decreed transfers.

use std::collections::{BTreeMap, BTreeSet};

use time::macros::{date, offset};
use time::{Date, Duration, Month, OffsetDateTime, Time, UtcOffset, Weekday};

use crate::model::DayKind;

/// Moscow time: UTC+3 all year.
pub const MOSCOW: UtcOffset = offset!(+3);

/// The most working days a category may give (a deadline looks at most this far ahead).
pub const DEADLINE_DAYS_MAX: u32 = 60;

/// The official 2026 calendar: the weekdays that are days off (public holidays, the days
/// they moved to, and the two transferred January weekend days).
const SEEDED_2026: &[Date] = &[
    date!(2026 - 01 - 01),
    date!(2026 - 01 - 02),
    date!(2026 - 01 - 05),
    date!(2026 - 01 - 06),
    date!(2026 - 01 - 07),
    date!(2026 - 01 - 08),
    // From Saturday 3 January.
    date!(2026 - 01 - 09),
    date!(2026 - 02 - 23),
    // 8 March is a Sunday.
    date!(2026 - 03 - 09),
    date!(2026 - 05 - 01),
    // 9 May is a Saturday.
    date!(2026 - 05 - 11),
    date!(2026 - 06 - 12),
    date!(2026 - 11 - 04),
    // From Sunday 4 January.
    date!(2026 - 12 - 31),
];

/// The years whose calendar is seeded (their days off are [`SEEDED_2026`]'s, not the rule's).
const SEEDED_YEARS: &[i32] = &[2026];

/// Which dates are days off and which are working, beyond the week's rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Days off (only weekdays matter).
    holidays: BTreeSet<Date>,
    /// Working days (only weekend days matter).
    working: BTreeSet<Date>,
    /// Years whose days off are listed in full (no art. 112 rule for them).
    listed: BTreeSet<i32>,
}

impl Calendar {
    /// Russia's calendar: the seeded years as decreed, the others by art. 112.
    pub fn russia() -> Calendar {
        Calendar {
            holidays: SEEDED_2026.iter().copied().collect(),
            working: BTreeSet::new(),
            listed: SEEDED_YEARS.iter().copied().collect(),
        }
    }

    /// This calendar with admins' entries over it (in date order; a later entry for a date
    /// replaces an earlier one).
    pub fn with(mut self, entries: &BTreeMap<Date, DayKind>) -> Calendar {
        for (date, kind) in entries {
            self.holidays.remove(date);
            self.working.remove(date);
            match kind {
                DayKind::Holiday => {
                    self.holidays.insert(*date);
                }
                DayKind::Working => {
                    self.working.insert(*date);
                }
                // The week's rule: for a seeded year, remove the entry; else it must also
                // beat art. 112, so it is noted as an explicit working weekday.
                DayKind::Ordinary => {
                    if !is_weekend(*date) && !self.listed.contains(&date.year()) {
                        self.working.insert(*date);
                    }
                }
            }
        }
        self
    }

    /// Whether `date` (a Moscow date) is a working day.
    pub fn is_working(&self, date: Date) -> bool {
        if self.working.contains(&date) {
            return true;
        }
        if is_weekend(date) || self.holidays.contains(&date) {
            return false;
        }
        self.listed.contains(&date.year()) || !art_112_holiday(date)
    }

    /// The `n`th working day after `from` (`from` itself never counts); `from` for 0.
    pub fn working_days_after(&self, from: Date, n: u32) -> Date {
        let mut day = from;
        let mut counted = 0;
        // A calendar with every day off would loop forever: past a year of days off per
        // working day asked, the week's rule decides.
        let mut budget = 366 * (u64::from(n) + 1);
        while counted < n {
            day = day.next_day().unwrap_or(day);
            budget = budget.saturating_sub(1);
            if self.is_working(day) || (budget == 0 && !is_weekend(day)) {
                counted += 1;
            }
        }
        day
    }

    /// The working days from `from` to `to`, both included.
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut n = 0;
        let mut day = from;
        while day <= to {
            if self.is_working(day) {
                n += 1;
            }
            match day.next_day() {
                Some(next) => day = next,
                None => break,
            }
        }
        n
    }
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The public holidays of Labour Code art. 112 (1–8 January, 23 February, 8 March, 1 and 9
/// May, 12 June, 4 November) for a year with no seeded calendar, with the move of one falling
/// on a weekend (except January's) to the next weekday: whether `date`, a weekday, is a day off.
fn art_112_holiday(date: Date) -> bool {
    let year = date.year();
    let fixed = |m: Month, d: u8| Date::from_calendar_date(year, m, d).ok();
    let holidays: Vec<Date> = [
        (Month::January, 1),
        (Month::January, 2),
        (Month::January, 3),
        (Month::January, 4),
        (Month::January, 5),
        (Month::January, 6),
        (Month::January, 7),
        (Month::January, 8),
        (Month::February, 23),
        (Month::March, 8),
        (Month::May, 1),
        (Month::May, 9),
        (Month::June, 12),
        (Month::November, 4),
    ]
    .into_iter()
    .filter_map(|(m, d)| fixed(m, d))
    .collect();
    let mut off: BTreeSet<Date> = holidays.iter().copied().collect();
    for holiday in &holidays {
        if holiday.month() == Month::January || !is_weekend(*holiday) {
            continue;
        }
        let mut moved = *holiday;
        while is_weekend(moved) || off.contains(&moved) {
            match moved.next_day() {
                Some(next) => moved = next,
                None => break,
            }
        }
        off.insert(moved);
    }
    off.contains(&date)
}

/// The Moscow date of an instant.
pub fn moscow_date(at: OffsetDateTime) -> Date {
    at.to_offset(MOSCOW).date()
}

/// 00:00 Moscow time of `date`, as an instant.
pub fn moscow_midnight(date: Date) -> OffsetDateTime {
    date.with_time(Time::MIDNIGHT).assume_offset(MOSCOW)
}

/// When an answer is due for a report routed at `routed` with `days` working days: the end of
/// the `days`th working day after the routing date (see the module's documentation).
pub fn deadline(calendar: &Calendar, routed: OffsetDateTime, days: u32) -> OffsetDateTime {
    let days = days.clamp(1, DEADLINE_DAYS_MAX);
    let last = calendar.working_days_after(moscow_date(routed), days);
    let end = last.next_day().unwrap_or(last);
    moscow_midnight(end).to_offset(time::UtcOffset::UTC)
}

/// When 80 % of the time from `routed` to `deadline` has passed (whole milliseconds).
pub fn warning_at(routed: OffsetDateTime, deadline: OffsetDateTime) -> OffsetDateTime {
    let span = (deadline - routed).whole_milliseconds();
    routed + Duration::milliseconds((span * 4 / 5) as i64)
}

/// Reads a `YYYY-MM-DD` date.
pub fn parse_date(raw: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw, &format).ok()
}

/// A date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
