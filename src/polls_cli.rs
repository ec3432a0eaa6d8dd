//! `veche polls …`: the polls' tasks on the command line — recount, seal, export, and the
//! checks anyone can run: a receipt's inclusion proof, and a ballot export against what was
//! published.

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Context};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;
use veche_polls::export::{self, Format, Published};
use veche_polls::model::{hex, PollId, Receipt};
use veche_polls::service::{self, PollError};
use veche_polls::verify;
use veche_polls::Polls;

use crate::bench::Seeding;
use crate::Settings;

/// What a task printed, and whether it found everything in order (the exit code).
pub struct Report {
    pub text: String,
    pub ok: bool,
}

fn poll_id(raw: &str) -> anyhow::Result<PollId> {
    PollId::parse(raw).ok_or_else(|| anyhow!("{raw:?} is not a poll id"))
}

fn failed(e: PollError) -> anyhow::Error {
    match e {
        PollError::NotFound => anyhow!("no such poll"),
        PollError::Conflict(code) => anyhow!("refused: {code}"),
        other => anyhow!("{other}"),
    }
}

/// `veche polls recount POLL [--fix]`: recomputes the counters from the ballots and reports
/// the drift; with `--fix` writes the correction. Not ok when drift is found and left.
pub async fn recount(settings: &Settings, poll: &str, fix: bool) -> anyhow::Result<Report> {
    let parts = crate::assemble(settings, CancellationToken::new()).await?;
    let polls = parts.service::<Polls>()?;
    let id = poll_id(poll)?;
    let found = service::recount(&polls, &id, fix).await.map_err(failed)?;
    service::flush(&polls).await.map_err(failed)?;
    if found.drift.is_empty() {
        return Ok(Report {
            text: format!(
                "Poll {id}: {} ballots; the counters equal the ballots (no drift).",
                found.ballots
            ),
            ok: true,
        });
    }
    let mut text = format!(
        "Poll {id}: {} ballots; {} counter(s) drifted from the ballots (what the counters lacked):\n",
        found.ballots,
        found.drift.0.len()
    );
    for (key, n) in found.drift.0.iter().take(50) {
        text.push_str(&format!("  {key}: {n:+}\n"));
    }
    if found.drift.0.len() > 50 {
        text.push_str(&format!("  … and {} more\n", found.drift.0.len() - 50));
    }
    if found.fixed {
        text.push_str("Fixed: the counters now equal the ballots.");
    } else {
        text.push_str("Not fixed (run again with --fix to correct the counters).");
    }
    Ok(Report {
        text,
        ok: found.fixed,
    })
}

/// `veche polls seal POLL`: seals a closed poll now (normally the server does it after the grace).
pub async fn seal(settings: &Settings, poll: &str) -> anyhow::Result<Report> {
    let parts = crate::assemble(settings, CancellationToken::new()).await?;
    let polls = parts.service::<Polls>()?;
    let id = poll_id(poll)?;
    let seal = service::seal(&polls, &id).await.map_err(failed)?;
    Ok(Report {
        text: format!(
            "Poll {id} sealed: {} ballots, root {}",
            seal.ballots, seal.root
        ),
        ok: true,
    })
}

/// `veche polls export POLL [--format json|csv] [--out FILE]`: the public ballot export of a
/// sealed poll.
pub async fn export_ballots(
    settings: &Settings,
    poll: &str,
    format: Format,
    out: Option<&Path>,
) -> anyhow::Result<Report> {
    let parts = crate::assemble(settings, CancellationToken::new()).await?;
    let polls = parts.service::<Polls>()?;
    let id = poll_id(poll)?;
    let poll = service::find(&polls, &id).await.map_err(failed)?;
    if poll.seal.is_none() {
        return Err(anyhow!(
            "poll {id} is not sealed yet: its export is published at close"
        ));
    }
    let mut sink: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let mut chunks = Box::pin(export::stream(polls.clone(), poll.clone(), format));
    while let Some(chunk) = chunks.next().await {
        sink.write_all(chunk.map_err(failed)?.as_bytes())?;
    }
    sink.flush()?;
    let ballots = poll.seal.map(|s| s.ballots).unwrap_or(0);
    Ok(Report {
        text: match out {
            Some(path) => format!("Wrote {ballots} ballots to {}", path.display()),
            None => String::new(),
        },
        ok: true,
    })
}

/// `veche polls verify-receipt POLL RECEIPT`: finds the ballot, recomputes its receipt from its
/// contents and its path to the published root. Not ok unless both match.
pub async fn verify_receipt(
    settings: &Settings,
    poll: &str,
    receipt: &str,
) -> anyhow::Result<Report> {
    let parts = crate::assemble(settings, CancellationToken::new()).await?;
    let polls = parts.service::<Polls>()?;
    let id = poll_id(poll)?;
    let receipt =
        Receipt::parse(receipt).ok_or_else(|| anyhow!("a receipt is 64 hexadecimal characters"))?;
    let poll = service::find(&polls, &id).await.map_err(failed)?;
    let (ballot, proof) = match service::receipt(&polls, &poll, &receipt).await {
        Ok(found) => found,
        Err(PollError::NotFound) => {
            return Ok(Report {
                text: format!("✗ No ballot of poll {id} has the receipt {receipt}."),
                ok: false,
            })
        }
        Err(e) => return Err(failed(e)),
    };
    let recomputed = verify::receipt(id.as_str(), ballot.id.as_str(), &ballot.answers);
    let mut text = format!("Ballot {} of poll {id}\n", ballot.id);
    let mut ok = true;
    if recomputed == receipt {
        text.push_str("✓ The receipt is the hash of the ballot's answers.\n");
    } else {
        ok = false;
        text.push_str(&format!(
            "✗ The ballot's answers hash to {recomputed}, not to the receipt: the ballot was changed.\n"
        ));
    }
    match proof {
        None => {
            text.push_str("The poll is not sealed yet: the inclusion proof exists once it closes.");
        }
        Some(proof) => {
            let published = poll.seal.as_ref().map(|s| s.root.as_str()).unwrap_or("");
            let reached = verify::fold_proof(&proof.entry, &proof.steps).map(|h| hex(&h));
            text.push_str(&format!(
                "Proof: {} step(s) from the leaf (receipt, district {}, age {}).\n",
                proof.steps.len(),
                proof.entry.district,
                proof.entry.age_bracket
            ));
            if reached.as_deref() == Some(published) {
                text.push_str(&format!(
                    "✓ The proof leads to the published root {published}: the ballot is counted."
                ));
            } else {
                ok = false;
                text.push_str(&format!(
                    "✗ The proof leads to {}, the published root is {published}.",
                    reached.unwrap_or_else(|| "nothing (a malformed step)".into())
                ));
            }
        }
    }
    Ok(Report { text, ok })
}

/// `veche polls verify-export FILE [--published FILE]`: recomputes every receipt, the root and
/// every count from an export and compares them with what was published — read from a
/// `GET /api/v1/polls/{id}/seal` document when given (fully offline), else from the store.
pub async fn verify_export(
    settings: Option<&Settings>,
    file: &Path,
    published: Option<&Path>,
) -> anyhow::Result<Report> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = export::parse(&text).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let published: Published = match published {
        Some(path) => {
            let raw = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_str(&raw)
                .with_context(|| format!("{} is not a published seal document", path.display()))?
        }
        None => {
            let settings = settings.ok_or_else(|| anyhow!("no --published file and no store"))?;
            let parts = crate::assemble(settings, CancellationToken::new()).await?;
            let polls = parts.service::<Polls>()?;
            let id = poll_id(&parsed.poll_id)?;
            let seal = service::published_seal(&polls, &id)
                .await
                .map_err(failed)?
                .ok_or_else(|| anyhow!("poll {id} has no published seal (not closed yet?)"))?;
            Published {
                poll_id: id.to_string(),
                root: seal.root,
                ballots: seal.ballots,
                counters: seal.counters.public(),
            }
        }
    };
    let verdict = export::check(&parsed, &published);
    let mut text = format!(
        "{}: {} ballots of poll {}; recomputed root {}\n",
        file.display(),
        verdict.ballots,
        parsed.poll_id,
        verdict.root
    );
    if verdict.ok() {
        text.push_str("✓ Every receipt, the root and every count match what was published.");
    } else {
        text.push_str("✗ The export does not match what was published:\n");
        for p in &verdict.problems {
            text.push_str(&format!("  - {p}\n"));
        }
    }
    Ok(Report {
        ok: verdict.ok(),
        text: text.trim_end().to_string(),
    })
}

/// `veche polls bench-seed`: what `scripts/bench-polls` drives ballots against — `residents`
/// resident accounts with API tokens (written one per line to `tokens_out`), an open city-wide
/// poll, and `ballots` ballots of made-up residents already in it (for reading results of a big
/// poll). Prints the poll id and the first question's id and option ids.
pub async fn bench_seed(
    settings: &Settings,
    seeding: &Seeding,
    ballots: usize,
) -> anyhow::Result<Report> {
    let (platform, polls) = crate::bench::seeded::<Polls>(settings, seeding).await?;
    let districts = crate::bench::districts(&platform)?;
    let poll = veche_polls::demo::bench_poll(&polls, ballots, &districts)
        .await
        .map_err(failed)?;
    let q = &poll.questions[0];
    Ok(Report {
        text: format!(
            "poll={} question={} options={}",
            poll.id,
            q.id,
            q.options
                .iter()
                .map(|o| o.id.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        ok: true,
    })
}
