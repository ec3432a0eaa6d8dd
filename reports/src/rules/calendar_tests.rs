use std::collections::BTreeMap;

use proptest::prelude::*;
use time::macros::{date, datetime};

use super::*;

fn ru() -> Calendar {
    Calendar::russia()
}

#[test]
fn the_2026_production_calendar_has_247_working_days() {
    let n = ru().working_days_between(date!(2026 - 01 - 01), date!(2026 - 12 - 31));
    assert_eq!(n, 247);
    // The first working day of the year is Monday 12 January.
    assert!(!ru().is_working(date!(2026 - 01 - 09)));
    assert!(ru().is_working(date!(2026 - 01 - 12)));
    // 8 March (Sunday) moved to Monday 9 March; 31 December is a day off.
    assert!(!ru().is_working(date!(2026 - 03 - 09)));
    assert!(!ru().is_working(date!(2026 - 12 - 31)));
    assert!(ru().is_working(date!(2026 - 12 - 30)));
}

#[test]
fn years_without_a_seed_follow_article_112() {
    let cal = ru();
    // 2027: 1 May and 12 June are Saturdays, 9 May a Sunday: Mondays 3, 10 May and 14 June.
    for off in [
        date!(2027 - 01 - 01),
        date!(2027 - 01 - 08),
        date!(2027 - 02 - 23),
        date!(2027 - 03 - 08),
        date!(2027 - 05 - 03),
        date!(2027 - 05 - 10),
        date!(2027 - 06 - 14),
        date!(2027 - 11 - 04),
    ] {
        assert!(!cal.is_working(off), "{off} is a day off");
    }
    assert!(cal.is_working(date!(2027 - 05 - 04)));
    assert!(cal.is_working(date!(2027 - 01 - 11)));
}

#[test]
fn a_routing_day_never_counts_and_the_deadline_is_the_end_of_the_last_day() {
    let cal = ru();
    // Friday 15:00 Moscow (12:00 UTC), one working day: due at the end of Monday.
    let due = deadline(&cal, datetime!(2026-10-16 12:00 UTC), 1);
    assert_eq!(due, datetime!(2026-10-19 21:00 UTC));
    // Eight days from Monday 23:59 Moscow: Tue..Fri (4), Mon..Thu (4): due at the end of
    // Thursday 29 October.
    let due = deadline(&cal, datetime!(2026-10-19 20:59 UTC), 8);
    assert_eq!(due, datetime!(2026-10-29 21:00 UTC));
    // 00:30 Moscow on Tuesday is still Tuesday in Moscow (Monday in UTC).
    let due = deadline(&cal, datetime!(2026-10-19 21:30 UTC), 1);
    assert_eq!(due, datetime!(2026-10-21 21:00 UTC));
}

#[test]
fn deadlines_skip_weekends() {
    // Routed on Saturday: Monday is day 1.
    let due = deadline(&ru(), datetime!(2026-10-17 09:00 UTC), 2);
    assert_eq!(due, datetime!(2026-10-20 21:00 UTC));
}

#[test]
fn deadlines_skip_holidays() {
    // Routed Tuesday 3 November; 4 November is Unity Day: Thu 5, Fri 6, Mon 9.
    let due = deadline(&ru(), datetime!(2026-11-03 10:00 UTC), 3);
    assert_eq!(due, datetime!(2026-11-09 21:00 UTC));
    // Routed 30 December: 31 December, 1-8 January (art. 112 for 2027) and the weekend are
    // days off; Monday 11 and Tuesday 12 January count.
    let due = deadline(&ru(), datetime!(2026-12-30 10:00 UTC), 2);
    assert_eq!(due, datetime!(2027-01-12 21:00 UTC));
}

#[test]
fn transferred_days_and_admins_entries_count() {
    // An admin makes Saturday 7 November 2026 a working day and Friday 6 November a day off.
    let entries = BTreeMap::from([
        (date!(2026 - 11 - 07), DayKind::Working),
        (date!(2026 - 11 - 06), DayKind::Holiday),
    ]);
    let cal = ru().with(&entries);
    assert!(cal.is_working(date!(2026 - 11 - 07)));
    assert!(!cal.is_working(date!(2026 - 11 - 06)));
    // From Wednesday 4 November: Thu 5, Sat 7, Mon 9.
    let due = deadline(&cal, datetime!(2026-11-04 10:00 UTC), 3);
    assert_eq!(due, datetime!(2026-11-09 21:00 UTC));
    // Undoing a seeded holiday: 31 December 2026 becomes ordinary (a Thursday, working).
    let undone = ru().with(&BTreeMap::from([(
        date!(2026 - 12 - 31),
        DayKind::Ordinary,
    )]));
    assert!(undone.is_working(date!(2026 - 12 - 31)));
    // And an art. 112 holiday of an unseeded year.
    let undone = ru().with(&BTreeMap::from([(
        date!(2027 - 02 - 23),
        DayKind::Ordinary,
    )]));
    assert!(undone.is_working(date!(2027 - 02 - 23)));
}

#[test]
fn the_warning_comes_at_four_fifths_of_the_time() {
    let routed = datetime!(2026-10-16 12:00 UTC);
    let due = datetime!(2026-10-21 12:00 UTC);
    assert_eq!(warning_at(routed, due), datetime!(2026-10-20 12:00 UTC));
}

#[test]
fn dates_read_and_print() {
    assert_eq!(parse_date("2026-03-09"), Some(date!(2026 - 03 - 09)));
    assert_eq!(parse_date("2026-02-30"), None);
    assert_eq!(parse_date("9 March"), None);
    assert_eq!(format_date(date!(2026 - 03 - 09)), "2026-03-09");
}

proptest! {
    /// Whatever the moment and the number of days: the deadline is a Moscow midnight after
    /// the routing, the day before it is a working day, and exactly `days` working days lie
    /// between the routing date (excluded) and it.
    #[test]
    fn a_deadline_holds_exactly_its_working_days(
        seconds in 1_767_225_600i64..1_830_297_600i64,
        days in 1u32..=30,
    ) {
        let cal = ru();
        let routed = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
        let due = deadline(&cal, routed, days);
        prop_assert!(due > routed);
        let local = due.to_offset(MOSCOW);
        prop_assert_eq!(local.time(), Time::MIDNIGHT);
        let last = local.date().previous_day().unwrap();
        prop_assert!(cal.is_working(last));
        let first = moscow_date(routed).next_day().unwrap();
        prop_assert_eq!(cal.working_days_between(first, last), days);
        let warn = warning_at(routed, due);
        prop_assert!(routed < warn && warn < due);
    }
}
