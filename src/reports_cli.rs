//! `veche reports …`: what the load script runs against the reports' store.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, Context};
use veche_core::accounts::model::{Account, ApiToken, BirthYear, DisplayName, Email, Role};
use veche_core::id::{OrganisationId, TokenId};
use veche_core::Platform;
use veche_reports::Reports;

use crate::bench::Seeding;
use crate::polls_cli::Report;
use crate::Settings;

/// `veche reports bench-seed`: what `scripts/bench-reports` runs against — `reports` reports
/// over every district (the demo's categories and organisations, every state, a share
/// overdue), `residents` residents with API tokens (one per line in `tokens_out`), a moderator
/// and one official per organisation with a token, and beside `tokens_out`:
/// - `.officials`: `ORGANISATION TOKEN` per line, the organisation owing the most first;
/// - `.points`: `LAT LON` per line, points in the densest districts;
/// - `.filing`: `CATEGORY LAT LON` per line, leaf categories at points in the districts;
/// - `.jpg`: a 12-megapixel photo of about 2 MB, as a phone takes.
///
/// Prints what was stored and how long the reports took.
pub async fn bench_seed(
    settings: &Settings,
    seeding: &Seeding,
    reports: usize,
) -> anyhow::Result<Report> {
    let (platform, service) = crate::bench::seeded::<Reports>(settings, seeding).await?;
    let tokens_out = &seeding.tokens_out;
    // Named in the reports' history as the moderator who decided them.
    let moderator = bench_account(
        &platform,
        "moderator",
        BTreeSet::from([Role::Moderator]),
        None,
    )
    .await?;
    let started = Instant::now();
    let made = veche_reports::demo::bench::bench_reports(&platform, &service, &moderator, reports)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let seconds = started.elapsed().as_secs_f64();

    let mut officials = String::new();
    for (i, (organisation, _)) in made.organisations.iter().enumerate() {
        let token = official(&platform, organisation, i).await?;
        let _ = writeln!(officials, "{organisation} {token}");
    }
    write(&tokens_out.with_extension("officials"), &officials)?;
    let points: String = made
        .dense
        .iter()
        .map(|(lat, lon)| format!("{lat:.6} {lon:.6}\n"))
        .collect();
    write(&tokens_out.with_extension("points"), &points)?;
    // Filing: the leaf categories in turn, at points of the whole city.
    let boundaries = platform.boundaries();
    let mut filing = String::new();
    let mut n = 0usize;
    'points: for b in boundaries.iter() {
        let Some(bbox) = b.bbox() else { continue };
        for i in 0..40 {
            let (fa, fb) = (
                (i as f64 * 0.618_034 + 0.1).fract(),
                (i as f64 * 0.414_214 + 0.3).fract(),
            );
            let lat = bbox.min_lat + fa * (bbox.max_lat - bbox.min_lat);
            let lon = bbox.min_lon + fb * (bbox.max_lon - bbox.min_lon);
            if b.contains(lat, lon) {
                let category = &made.categories[n % made.categories.len()];
                let _ = writeln!(filing, "{category} {lat:.6} {lon:.6}");
                n += 1;
                if n >= 20_000 {
                    break 'points;
                }
            }
        }
    }
    write(&tokens_out.with_extension("filing"), &filing)?;
    std::fs::write(tokens_out.with_extension("jpg"), phone_photo())
        .context("cannot write the photo")?;

    let mut text = format!(
        "reports={} seconds={seconds:.1} per_second={:.0} districts={} organisations={} overdue={}",
        made.stored,
        made.stored as f64 / seconds.max(0.001),
        made.districts,
        made.organisations.len(),
        made.overdue
    );
    for (status, count) in &made.by_status {
        let _ = write!(text, " {status}={count}");
    }
    Ok(Report { text, ok: true })
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// An account of the bench (it signs in with tokens only).
async fn bench_account(
    platform: &Arc<Platform>,
    what: &str,
    roles: BTreeSet<Role>,
    organisation: Option<&OrganisationId>,
) -> anyhow::Result<Account> {
    let directory = platform.directory();
    let district = directory
        .districts
        .first()
        .map(|d| d.id.clone())
        .ok_or_else(|| anyhow!("no districts in the store"))?;
    let run = ulid::Ulid::new().to_string().to_lowercase();
    let mut roles = roles;
    roles.insert(Role::Resident);
    let account = Account {
        organisation_id: organisation.cloned(),
        ..Account::new(
            Email::parse(&format!("{what}-{run}@bench.veche.example"))
                .map_err(|e| anyhow!("{e:?}"))?,
            DisplayName::parse(&format!("Bench {what}")).map_err(|e| anyhow!("{e:?}"))?,
            district,
            BirthYear::from_trusted(1980),
            String::new(),
            roles,
            veche_core::clock::now(),
        )
    };
    platform.store.insert_account(&account).await?;
    Ok(account)
}

/// An official of `organisation` with an API token: the token.
async fn official(
    platform: &Arc<Platform>,
    organisation: &OrganisationId,
    n: usize,
) -> anyhow::Result<String> {
    let account = bench_account(
        platform,
        &format!("official{n}"),
        BTreeSet::from([Role::Official]),
        Some(organisation),
    )
    .await?;
    let secret = format!("vch_{}", veche_core::random::token());
    platform
        .store
        .insert_token(&ApiToken {
            id: TokenId::generate(),
            account_id: account.id,
            name: "bench".into(),
            hash: veche_core::random::token_hash(&secret),
            created_at: veche_core::clock::now(),
            last_used_at: None,
        })
        .await?;
    Ok(secret)
}

/// A 4000 × 3000 JPEG like a phone's, about 2 MB: a gradient with grain the encoder cannot
/// drop, at quality 90 (as `cargo bench -p veche-core --bench uploads` makes it).
fn phone_photo() -> Vec<u8> {
    let (w, h) = (4000u32, 3000u32);
    [24u64, 16, 12, 8, 6, 4, 3, 2]
        .into_iter()
        .filter_map(|grain| veche_core::web::uploads::phone_photo(w, h, grain).ok())
        .find(|photo| photo.len() <= 2_200_000)
        .unwrap_or_default()
}
