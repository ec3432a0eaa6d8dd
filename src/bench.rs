//! What the bench seeds of every feature share: residents with API tokens, written one per
//! line to a file the load scripts read, and, when asked, a browser session each.

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
/// written one per line to `tokens_out` (the flags of every `bench-seed`); with
/// `sessions_out`, each resident also signed in as a browser is, line N of that file holding
/// line N's resident's session cookie value and the CSRF token its pages carry, space-separated.
#[derive(Clone, Debug, clap::Args)]
pub struct Seeding {
    #[arg(long, default_value_t = 10_000)]
    pub residents: usize,
    #[arg(long)]
    pub tokens_out: PathBuf,
    /// Also a session per resident: `COOKIE CSRF` per line, in the order of `tokens_out`.
    #[arg(long)]
    pub sessions_out: Option<PathBuf>,
}

/// The platform and the service `T` of a started feature, with the residents of `seeding`
/// made: where every bench seed begins.
pub async fn seeded<T: Send + Sync + 'static>(
    settings: &Settings,
    seeding: &Seeding,
) -> anyhow::Result<(Arc<Platform>, Arc<T>)> {
    let parts = crate::assemble(settings, CancellationToken::new()).await?;
    let service = parts.service::<T>()?;
    residents_with_tokens(
        &parts.platform,
        seeding.residents,
        &[],
        &seeding.tokens_out,
        seeding.sessions_out.as_deref(),
    )
    .await?;
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
/// token; the tokens are written one per line to `tokens_out`. With `sessions_out`, each is
/// also signed in (a session, as `POST /api/v1/sessions` makes), and that file gets, on the
/// same line as its token, the session's cookie value and its pages' CSRF token.
pub async fn residents_with_tokens(
    platform: &Arc<Platform>,
    count: usize,
    roles: &[Role],
    tokens_out: &Path,
    sessions_out: Option<&Path>,
) -> anyhow::Result<()> {
    let sessions = sessions_out.is_some();
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
    let mut session_lines = String::with_capacity(if sessions { count * 88 } else { 0 });
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
                let session = if sessions {
                    let cookie = veche_core::accounts::service::start_session(
                        platform.accounts(),
                        &account.id,
                    )
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                    let csrf = veche_core::web::session_csrf_token(
                        &platform.accounts().secret,
                        &veche_core::random::token_hash(&cookie),
                    );
                    Some(format!("{cookie} {csrf}"))
                } else {
                    None
                };
                Ok::<_, anyhow::Error>((secret, session))
            }
        })
        // In order, so that line N of both files is the same resident.
        .buffered(64);
    while let Some(made) = tasks.next().await {
        let (secret, session) = made?;
        tokens.push_str(&secret);
        tokens.push('\n');
        if let Some(session) = session {
            session_lines.push_str(&session);
            session_lines.push('\n');
        }
    }
    std::fs::write(tokens_out, tokens)
        .with_context(|| format!("cannot write {}", tokens_out.display()))?;
    if let Some(path) = sessions_out {
        std::fs::write(path, session_lines)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
