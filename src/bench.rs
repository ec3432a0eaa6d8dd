//! What the bench seeds of every feature share: residents with API tokens, written one per
//! line to a file the load scripts read.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Context};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;
use veche_core::accounts::model::{Account, ApiToken, BirthYear, DisplayName, Email, Role};
use veche_core::id::{DistrictId, TokenId};
use veche_core::Platform;

use crate::Settings;

/// What every bench seed makes first: `residents` residents with API tokens, the tokens
/// written one per line to `tokens_out` (the flags of every `bench-seed`).
#[derive(Clone, Debug, clap::Args)]
pub struct Seeding {
    #[arg(long, default_value_t = 10_000)]
    pub residents: usize,
    #[arg(long)]
    pub tokens_out: PathBuf,
}

/// The platform and the service `T` of a started feature, with the residents of `seeding`
/// made: where every bench seed begins.
pub async fn seeded<T: Send + Sync + 'static>(
    settings: &Settings,
    seeding: &Seeding,
) -> anyhow::Result<(Arc<Platform>, Arc<T>)> {
    let parts = crate::assemble(settings, CancellationToken::new()).await?;
    let service = parts.service::<T>()?;
    residents_with_tokens(&parts.platform, seeding.residents, &[], &seeding.tokens_out).await?;
    Ok((parts.platform, service))
}

/// Every district of the directory (an error when there is none).
pub fn districts(platform: &Platform) -> anyhow::Result<Vec<DistrictId>> {
    let directory = platform.directory();
    let districts: Vec<_> = directory.districts.iter().map(|d| d.id.clone()).collect();
    if districts.is_empty() {
        return Err(anyhow!("no districts in the store"));
    }
    Ok(districts)
}

/// `count` accounts holding `roles` (and resident), spread over the districts, each with an API
/// token; the tokens are written one per line to `tokens_out`.
pub async fn residents_with_tokens(
    platform: &Arc<Platform>,
    count: usize,
    roles: &[Role],
    tokens_out: &Path,
) -> anyhow::Result<()> {
    let districts = districts(platform)?;
    // One password hash for every bench account: they sign in with tokens, never passwords.
    let hash = veche_core::accounts::service::hash_password(
        &veche_core::accounts::model::Password::parse(&veche_core::random::password())
            .map_err(|e| anyhow!("{e:?}"))?,
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    let run = ulid::Ulid::new().to_string().to_lowercase();
    let now = veche_core::clock::now();
    let roles: Vec<Role> = roles.iter().copied().chain([Role::Resident]).collect();
    let mut tokens = String::with_capacity(count * 48);
    let mut tasks = futures::stream::iter(0..count)
        .map(|i| {
            let platform = platform.clone();
            let hash = hash.clone();
            let district = districts[i % districts.len()].clone();
            let run = run.clone();
            let roles = roles.clone();
            async move {
                let account = Account::new(
                    Email::parse(&format!("bench-{run}-{i}@bench.veche.example"))
                        .map_err(|e| anyhow!("{e:?}"))?,
                    DisplayName::parse(&format!("Житель {i}")).map_err(|e| anyhow!("{e:?}"))?,
                    district,
                    BirthYear::from_trusted(1950 + (i % 55) as i32),
                    hash,
                    roles.into_iter().collect(),
                    now,
                );
                platform.store.insert_account(&account).await?;
                let secret = format!("vch_{}", veche_core::random::token());
                platform
                    .store
                    .insert_token(&ApiToken {
                        id: TokenId::generate(),
                        account_id: account.id.clone(),
                        name: "bench".into(),
                        hash: veche_core::random::token_hash(&secret),
                        created_at: now,
                        last_used_at: None,
                    })
                    .await?;
                Ok::<String, anyhow::Error>(secret)
            }
        })
        .buffer_unordered(64);
    while let Some(secret) = tasks.next().await {
        tokens.push_str(&secret?);
        tokens.push('\n');
    }
    std::fs::write(tokens_out, tokens)
        .with_context(|| format!("cannot write {}", tokens_out.display()))
}
