//! Admin tasks run from the command line against the configured store.

use std::path::Path;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::Settings;

/// `veche admin create-admin`: creates the first admin (random password, printed once) or
/// makes an existing account an admin.
pub async fn create_admin(settings: &Settings, email: &str, name: &str) -> anyhow::Result<String> {
    let platform = crate::platform(settings, CancellationToken::new()).await?;
    let (account, password) = veche_core::accounts::service::create_admin(&platform, email, name)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(match password {
        Some(password) => format!(
            "Created admin {} ({}).\nPassword (shown once, change it on the profile page): {password}",
            account.email, account.id
        ),
        None => format!("{} ({}) is now an admin; the password is unchanged.", account.email, account.id),
    })
}

/// `veche admin import-districts FILE [--replace]`: loads a city's districts and okrugs, and
/// the boundaries a GeoJSON file gives (kept in the store, so every server shares them).
pub async fn import_districts(
    settings: &Settings,
    file: &Path,
    replace: bool,
) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let veche_core::districts::Import { list, boundaries } =
        veche_core::districts::parse_import(&text)
            .with_context(|| format!("{} is not a district list", file.display()))?;
    let platform = crate::platform(settings, CancellationToken::new()).await?;
    platform
        .store
        .upsert_districts(&list.okrugs, &list.districts)
        .await?;
    platform.store.upsert_boundaries(&boundaries).await?;
    let removed = if replace {
        platform
            .store
            .retain_districts(&list.okrugs, &list.districts)
            .await?
    } else {
        0
    };
    Ok(format!(
        "Imported {} okrugs and {} districts ({} with boundaries){}. Running servers pick them up \
         within 10 minutes.",
        list.okrugs.len(),
        list.districts.len(),
        boundaries.len(),
        if replace {
            format!("; removed {removed} not in the file")
        } else {
            String::new()
        }
    ))
}
