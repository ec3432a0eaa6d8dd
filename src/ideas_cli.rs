//! `veche ideas …`: what operators and the load scripts run against the ideas' store.

use anyhow::{anyhow, Context};
use veche_core::accounts::model::Role;
use veche_ideas::Ideas;

use crate::bench::Seeding;
use crate::polls_cli::Report;
use crate::Settings;

/// `veche ideas bench-seed`: what `scripts/bench-ideas` runs against — a project in its
/// discussion stage holding `ideas` ideas (a twentieth of them waiting in the moderation queue,
/// many of them the same requests in other words), `residents` residents with API tokens (one
/// per line in `tokens_out`), one moderator (its token in `TOKENS_OUT.moderator`), and the
/// approved ideas' ids (one per line in `TOKENS_OUT.ideas`). Prints the project id.
pub async fn bench_seed(
    settings: &Settings,
    seeding: &Seeding,
    ideas: usize,
) -> anyhow::Result<Report> {
    let (platform, service) = crate::bench::seeded::<Ideas>(settings, seeding).await?;
    let tokens_out = &seeding.tokens_out;
    let moderator = tokens_out.with_extension("moderator");
    crate::bench::residents_with_tokens(&platform, 1, &[Role::Moderator], &moderator, None).await?;
    let districts = crate::bench::districts(&platform)?;
    let (project, approved) = veche_ideas::demo::bench_project(&service, &districts, ideas)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let ids: String = approved.iter().map(|i| format!("{i}\n")).collect();
    let ideas_out = tokens_out.with_extension("ideas");
    std::fs::write(&ideas_out, ids)
        .with_context(|| format!("cannot write {}", ideas_out.display()))?;
    Ok(Report {
        text: format!("project={project}"),
        ok: true,
    })
}
