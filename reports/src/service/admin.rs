//! Admins: the category tree, the organisations and their officials, the calendar.

use serde_json::json;
use veche_core::accounts::model::{Account, Role};
use veche_core::id::{AccountId, OrganisationId};

use super::*;
use crate::model::{CalendarDay, Category, CategoryId, Member, Organisation};
use crate::rules::calendar::{format_date, parse_date};
use crate::rules::{self, CategoryInput, DayInput, MemberInput, OrganisationInput};

fn admin_only(account: &Account) -> ReportResult<()> {
    if is_admin(account) {
        Ok(())
    } else {
        Err(ReportError::Forbidden)
    }
}

/// Every category, by id (the tree: each names its parent).
pub async fn categories(reports: &Reports) -> ReportResult<Vec<Category>> {
    Ok(reports.store.categories().await?)
}

/// The category, or 404.
pub async fn category(reports: &Reports, id: &CategoryId) -> ReportResult<Category> {
    categories(reports)
        .await?
        .into_iter()
        .find(|c| &c.id == id)
        .ok_or(ReportError::NotFound)
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
    let details = json!({ "name": category.name_ru });
    audit(
        platform,
        admin,
        "report_category.create",
        format!("report_category:{}", category.id),
        None,
        details,
    )
    .await?;
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
    let details = json!({ "name": next.name_ru, "active": next.active });
    audit(
        platform,
        admin,
        "report_category.update",
        format!("report_category:{id}"),
        None,
        details,
    )
    .await?;
    Ok(next)
}

/// Every organisation, by id.
pub async fn organisations(reports: &Reports) -> ReportResult<Vec<Organisation>> {
    Ok(reports.store.organisations().await?)
}

/// The organisation, or 404.
pub async fn organisation(reports: &Reports, id: &OrganisationId) -> ReportResult<Organisation> {
    organisations(reports)
        .await?
        .into_iter()
        .find(|o| &o.id == id)
        .ok_or(ReportError::NotFound)
}

/// A new organisation (an admin's).
pub async fn create_organisation(
    platform: &Platform,
    reports: &Reports,
    admin: &Account,
    input: &OrganisationInput,
) -> ReportResult<Organisation> {
    admin_only(admin)?;
    let directory = platform.directory();
    let organisation =
        rules::organisation_fields(input, OrganisationId::generate(), 1, &directory)?;
    reports.store.put_organisation(&organisation, None).await?;
    let details = json!({ "name": organisation.name_ru, "kind": organisation.kind.as_str() });
    let target = format!("report_organisation:{}", organisation.id);
    audit(
        platform,
        admin,
        "report_organisation.create",
        target,
        None,
        details,
    )
    .await?;
    Ok(organisation)
}

/// An admin's change to an organisation (its name, kind, districts), at the version they saw.
pub async fn update_organisation(
    platform: &Platform,
    reports: &Reports,
    admin: &Account,
    id: &OrganisationId,
    expected: Option<u64>,
    input: &OrganisationInput,
) -> ReportResult<Organisation> {
    admin_only(admin)?;
    let current = organisation(reports, id).await?;
    let expected = expected_version(current.version, expected)?;
    let directory = platform.directory();
    let next = rules::organisation_fields(input, id.clone(), current.version + 1, &directory)?;
    if !reports
        .store
        .put_organisation(&next, Some(expected))
        .await?
    {
        return Err(ReportError::Conflict("version_conflict"));
    }
    let districts: Vec<&str> = next.districts.iter().map(|d| d.as_str()).collect();
    let details = json!({ "name": next.name_ru, "districts": districts });
    audit(
        platform,
        admin,
        "report_organisation.update",
        format!("report_organisation:{id}"),
        None,
        details,
    )
    .await?;
    Ok(next)
}

/// The organisation's officials (admins, and the organisation's own officials).
pub async fn members(
    reports: &Reports,
    viewer: &Account,
    id: &OrganisationId,
) -> ReportResult<Vec<Member>> {
    let own = reports
        .store
        .member(&viewer.id)
        .await?
        .is_some_and(|m| &m.organisation_id == id);
    if !is_admin(viewer) && !own {
        return Err(ReportError::Forbidden);
    }
    organisation(reports, id).await?;
    Ok(reports.store.members(id).await?)
}

/// Makes an official a member (or the head) of the organisation, moving them from another.
pub async fn set_member(
    platform: &Platform,
    reports: &Reports,
    admin: &Account,
    id: &OrganisationId,
    input: &MemberInput,
) -> ReportResult<Member> {
    admin_only(admin)?;
    organisation(reports, id).await?;
    let account_id = rules::member_account(input)?;
    let account = platform
        .store
        .account(&account_id)
        .await?
        .ok_or(Refused::new("account_id", "unknown"))?;
    if !account.has_role(Role::Official) {
        return Err(Refused::new("account_id", "not_official").into());
    }
    let member = Member {
        account_id,
        organisation_id: id.clone(),
        head: input.head,
    };
    reports.store.set_member(&member).await?;
    let details = json!({ "account_id": member.account_id.as_str(), "head": member.head });
    audit(
        platform,
        admin,
        "report_member.set",
        format!("report_organisation:{id}"),
        None,
        details,
    )
    .await?;
    Ok(member)
}

/// Removes an official from the organisation (404 when not its member).
pub async fn remove_member(
    platform: &Platform,
    reports: &Reports,
    admin: &Account,
    id: &OrganisationId,
    account: &AccountId,
) -> ReportResult<()> {
    admin_only(admin)?;
    let member = reports.store.member(account).await?;
    if !matches!(member, Some(m) if &m.organisation_id == id) {
        return Err(ReportError::NotFound);
    }
    reports.store.remove_member(account).await?;
    let details = json!({ "account_id": account.as_str() });
    audit(
        platform,
        admin,
        "report_member.remove",
        format!("report_organisation:{id}"),
        None,
        details,
    )
    .await?;
    Ok(())
}

/// The official's organisation, if they belong to one.
pub async fn membership(reports: &Reports, account: &AccountId) -> ReportResult<Option<Member>> {
    Ok(reports.store.member(account).await?)
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
    let details = json!({ "kind": day.kind.as_str() });
    audit(
        platform,
        admin,
        "report_calendar.set",
        format!("report_calendar:{}", day.date),
        None,
        details,
    )
    .await?;
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
    audit(
        platform,
        admin,
        "report_calendar.remove",
        target,
        None,
        json!({}),
    )
    .await?;
    Ok(())
}

/// Whether the date is a working day in the calendar (seeded and admins' entries).
pub async fn is_working_day(reports: &Reports, raw_date: &str) -> ReportResult<bool> {
    let date = parse_date(raw_date).ok_or(ReportError::NotFound)?;
    Ok(reports.calendar().await?.is_working(date))
}
