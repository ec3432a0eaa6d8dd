//! Admins: the category tree, the organisations and their officials, the calendar.

use serde_json::json;
use veche_core::accounts::model::Organisation;
use veche_core::accounts::model::{Account, Role};
use veche_core::id::OrganisationId;
use veche_core::storage::every_page;

use super::*;
use crate::model::{CalendarDay, Category, CategoryId, Profile};
use crate::rules::calendar::{format_date, parse_date};
use crate::rules::{self, CategoryInput, DayInput, ProfileInput};

fn admin_only(account: &Account) -> ReportResult<()> {
    if is_admin(account) {
        Ok(())
    } else {
        Err(ReportError::Forbidden)
    }
}

/// Records in the audit log what an admin did (`action`, to `target`; no reason).
async fn audit(
    platform: &Platform,
    admin: &Account,
    action: &str,
    target: String,
    details: serde_json::Value,
) -> ReportResult<()> {
    Ok(platform
        .audit(&admin.id, action, target, None, details)
        .await?)
}

/// Every category, by id (the tree: each names its parent).
pub async fn categories(reports: &Reports) -> ReportResult<Vec<Category>> {
    Ok(reports.store.categories().await?)
}

/// The category, or 404.
pub async fn category(reports: &Reports, id: &CategoryId) -> ReportResult<Category> {
    found(categories(reports).await?, |c| &c.id == id)
}

/// The one of `all` that `is`, or 404.
fn found<T>(all: Vec<T>, is: impl FnMut(&T) -> bool) -> ReportResult<T> {
    all.into_iter().find(is).ok_or(ReportError::NotFound)
}

/// Checks a category's parent exists and is no descendant of it.
fn check_parent(all: &[Category], category: &Category) -> ReportResult<()> {
    let mut parent = category.parent.clone();
    let mut steps = 0;
    while let Some(id) = parent {
        if id == category.id || steps > all.len() {
            return Err(Refused::new("parent", "cycle").into());
        }
        let found = all
            .iter()
            .find(|c| c.id == id)
            .ok_or(Refused::new("parent", "unknown"))?;
        parent = found.parent.clone();
        steps += 1;
    }
    Ok(())
}

/// A new category (an admin's).
pub async fn create_category(
    platform: &Platform,
    reports: &Reports,
    admin: &Account,
    input: &CategoryInput,
) -> ReportResult<Category> {
    admin_only(admin)?;
    let category = rules::category_fields(input, CategoryId::generate(), 1)?;
    check_parent(&reports.store.categories().await?, &category)?;
    reports.store.put_category(&category, None).await?;
    let target = format!("report_category:{}", category.id);
    let details = json!({ "name": category.name_ru });
    audit(platform, admin, "report_category.create", target, details).await?;
    Ok(category)
}

/// An admin's change to a category, at the version they saw.
pub async fn update_category(
    platform: &Platform,
    reports: &Reports,
    admin: &Account,
    id: &CategoryId,
    expected: Option<u64>,
    input: &CategoryInput,
) -> ReportResult<Category> {
    admin_only(admin)?;
    let current = category(reports, id).await?;
    let expected = expected_version(current.version, expected)?;
    let next = rules::category_fields(input, id.clone(), current.version + 1)?;
    check_parent(&reports.store.categories().await?, &next)?;
    if !reports.store.put_category(&next, Some(expected)).await? {
        return Err(ReportError::Conflict("version_conflict"));
    }
    let target = format!("report_category:{id}");
    let details = json!({ "name": next.name_ru, "active": next.active });
    audit(platform, admin, "report_category.update", target, details).await?;
    Ok(next)
}

/// Every organisation's profile (what reports add to core's organisations), by id.
pub async fn profiles(reports: &Reports) -> ReportResult<Vec<Profile>> {
    Ok(reports.store.profiles().await?)
}

/// The organisation's profile, or 404.
pub async fn profile(reports: &Reports, id: &OrganisationId) -> ReportResult<Profile> {
    found(profiles(reports).await?, |o| &o.id == id)
}

/// Core's organisations (their names).
pub async fn organisation_names(platform: &Platform) -> ReportResult<Vec<Organisation>> {
    Ok(platform.store.organisations().await?)
}

/// The official's organisation: core's `organisation_id` of an account holding the official
/// role.
pub fn organisation_of(account: &Account) -> Option<&OrganisationId> {
    account
        .organisation_id
        .as_ref()
        .filter(|_| account.has_role(Role::Official))
}

/// Officials read per page when an organisation is told something.
const OFFICIALS_PAGE: usize = 500;

/// The organisation's officials (core's accounts of it holding the official role).
pub async fn officials(platform: &Platform, id: &OrganisationId) -> ReportResult<Vec<Account>> {
    let accounts = every_page(OFFICIALS_PAGE, |after: Option<Account>, size| async move {
        let after = after.map(|a| a.id);
        platform
            .store
            .accounts_of_organisation(id, after.as_ref(), size)
            .await
    })
    .await?;
    Ok(accounts
        .into_iter()
        .filter(|a| a.has_role(Role::Official))
        .collect())
}

/// An admin sets what reports add to one of core's organisations: its kind, the districts it
/// serves, its head (one of its officials). Creates the profile, or changes it at the version
/// named (or the current one).
pub async fn set_profile(
    platform: &Platform,
    reports: &Reports,
    admin: &Account,
    id: &OrganisationId,
    expected: Option<u64>,
    input: &ProfileInput,
) -> ReportResult<Profile> {
    admin_only(admin)?;
    platform
        .store
        .organisation(id)
        .await?
        .ok_or(ReportError::NotFound)?;
    let current = profiles(reports).await?.into_iter().find(|p| &p.id == id);
    let version = current.as_ref().map_or(0, |c| c.version);
    let expected = match &current {
        Some(c) => Some(expected_version(c.version, expected)?),
        None if expected.is_some() => return Err(ReportError::Conflict("version_conflict")),
        None => None,
    };
    let directory = platform.directory();
    let profile = rules::profile_fields(input, id.clone(), version + 1, &directory)?;
    if let Some(head) = &profile.head {
        let official = platform.store.account(head).await?;
        if official.is_none_or(|a| organisation_of(&a) != Some(id)) {
            return Err(Refused::new("head", "not_official").into());
        }
    }
    let stored = match reports.store.put_profile(&profile, expected).await {
        Err(StoreError::Conflict(_)) => false,
        other => other?,
    };
    if !stored {
        return Err(ReportError::Conflict("version_conflict"));
    }
    let districts: Vec<&str> = profile.districts.iter().map(|d| d.as_str()).collect();
    let details = json!({ "kind": profile.kind.as_str(), "districts": districts,
        "head": profile.head.as_ref().map(|h| h.as_str()) });
    let target = format!("organisation:{id}");
    audit(platform, admin, "report_profile.set", target, details).await?;
    Ok(profile)
}

/// The admins' entries of the calendar, by date.
pub async fn calendar_days(reports: &Reports) -> ReportResult<Vec<CalendarDay>> {
    Ok(reports.store.days().await?)
}

/// Reads a `YYYY-MM-DD` date of the path (404 when it is none).
fn date(raw: &str) -> ReportResult<String> {
    parse_date(raw)
        .map(format_date)
        .ok_or(ReportError::NotFound)
}

/// An admin's entry for a date: a holiday, a (transferred) working day, or as the week says.
pub async fn set_day(
    platform: &Platform,
    reports: &Reports,
    admin: &Account,
    raw_date: &str,
    input: &DayInput,
) -> ReportResult<CalendarDay> {
    admin_only(admin)?;
    let day = CalendarDay {
        date: date(raw_date)?,
        kind: rules::day_kind(input)?,
    };
    reports.store.set_day(&day).await?;
    reports.forget_calendar();
    let target = format!("report_calendar:{}", day.date);
    let details = json!({ "kind": day.kind.as_str() });
    audit(platform, admin, "report_calendar.set", target, details).await?;
    Ok(day)
}

/// Removes an admin's entry for a date (back to the seeded calendar); 404 when there was none.
pub async fn remove_day(
    platform: &Platform,
    reports: &Reports,
    admin: &Account,
    raw_date: &str,
) -> ReportResult<()> {
    admin_only(admin)?;
    let date = date(raw_date)?;
    if !reports.store.remove_day(&date).await? {
        return Err(ReportError::NotFound);
    }
    reports.forget_calendar();
    let target = format!("report_calendar:{date}");
    audit(platform, admin, "report_calendar.remove", target, json!({})).await?;
    Ok(())
}

/// Whether the date is a working day in the calendar (seeded and admins' entries).
pub async fn is_working_day(reports: &Reports, raw_date: &str) -> ReportResult<bool> {
    let date = parse_date(raw_date).ok_or(ReportError::NotFound)?;
    Ok(reports.calendar().await?.is_working(date))
}
