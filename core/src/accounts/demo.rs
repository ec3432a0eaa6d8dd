//! Demo accounts for `veche serve --demo`: one per role, with fresh random passwords at every
//! start (never fixed in code), printed so whoever started the server can sign in.

use std::collections::BTreeSet;

use super::model::{
    Account, AccountState, BirthYear, DisplayName, Email, Organisation, Password, Role,
};
use super::service::{hash_password, AccountResult};
use super::Accounts;
use crate::clock;
use crate::error::StoreResult;
use crate::id::OrganisationId;
use crate::random;

pub struct DemoAccount {
    pub role: Role,
    pub email: String,
    pub password: String,
}

/// The demo organisation officials belong to.
pub const DEMO_ORGANISATION: &str = "Управа района Хамовники (демо)";

pub async fn seed(accounts: &Accounts) -> AccountResult<Vec<DemoAccount>> {
    let organisation = match accounts
        .store
        .organisations()
        .await?
        .into_iter()
        .find(|o| o.name == DEMO_ORGANISATION)
    {
        Some(o) => o,
        None => {
            let o = Organisation {
                id: OrganisationId::generate(),
                name: DEMO_ORGANISATION.into(),
                created_at: clock::now(),
            };
            accounts.store.insert_organisation(&o).await?;
            o
        }
    };
    let directory = accounts.directory();
    let district = directory
        .districts
        .iter()
        .find(|d| d.name_ru == "Хамовники")
        .or(directory.districts.first())
        .map(|d| d.id.clone())
        .ok_or(super::service::AccountError::Invalid(vec![
            super::model::Invalid {
                field: "district_id",
                code: "unknown_district",
            },
        ]))?;
    let mut seeded = Vec::new();
    for (role, name) in [
        (Role::Resident, "Анна Резидентова"),
        (Role::Moderator, "Модератор Демо"),
        (Role::Official, "Чиновник Демо"),
        (Role::Expert, "Эксперт Демо"),
        (Role::Admin, "Администратор Демо"),
    ] {
        let email = demo_email(role);
        let password = random::password();
        let hash = hash_password(&Password::parse(&password)?).await?;
        let now = clock::now();
        match accounts.store.account_by_email(&email).await? {
            Some(mut existing) => {
                existing.password_hash = hash;
                existing.state = AccountState::Active;
                existing.updated_at = now;
                accounts.update_account(&existing).await?;
                accounts.end_sessions_of(&existing.id).await?;
            }
            None => {
                let account = Account {
                    organisation_id: (role == Role::Official).then(|| organisation.id.clone()),
                    ..Account::new(
                        Email::parse(&email)?,
                        DisplayName::parse(name)?,
                        district.clone(),
                        BirthYear::from_trusted(1985),
                        hash,
                        BTreeSet::from([Role::Resident, role]),
                        now,
                    )
                };
                accounts.store.insert_account(&account).await?;
            }
        }
        seeded.push(DemoAccount {
            role,
            email,
            password,
        });
    }
    Ok(seeded)
}

/// The address of the demo account of `role`.
fn demo_email(role: Role) -> String {
    format!("{}@demo.veche.example", role.as_str())
}

/// The demo account of `role` that [`seed`] made (a feature's demo data names them);
/// `StoreError::NotFound` before it ran.
pub async fn demo_account(accounts: &Accounts, role: Role) -> StoreResult<Account> {
    accounts
        .store
        .account_by_email(&demo_email(role))
        .await?
        .ok_or(crate::error::StoreError::NotFound)
}

/// A resident a feature's demo data is written by, who cannot sign in (no password): the
/// account of `address` when it is there already, else a new one named `name`, living where
/// `home` lives. `None` when the address or the name is not valid.
pub async fn demo_resident(
    accounts: &Accounts,
    address: &str,
    name: &str,
    home: &Account,
    birth_year: BirthYear,
) -> StoreResult<Option<Account>> {
    if let Some(existing) = accounts.store.account_by_email(address).await? {
        return Ok(Some(existing));
    }
    let (Ok(email), Ok(name)) = (Email::parse(address), DisplayName::parse(name)) else {
        return Ok(None);
    };
    let account = Account::new(
        email,
        name,
        home.district_id.clone(),
        birth_year,
        String::new(),
        BTreeSet::from([Role::Resident]),
        clock::now(),
    );
    accounts.store.insert_account(&account).await?;
    Ok(Some(account))
}
