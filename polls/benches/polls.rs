//! The building blocks of polls, timed one by one (no store, no HTTP).
//!
//! `cargo bench -p veche-polls --bench polls`: receipt hashing, the Merkle root over 1,000,000
//! entries, an inclusion proof from the stored blocks, the results view of a poll with 20
//! options over every district (and its JSON), a recount of 100,000 ballots, and the check of a
//! 100,000-ballot JSON export. `cargo test --all-targets` runs this too, without `--bench`:
//! then small sizes only check that the benchmark still works.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use veche_core::clock;
use veche_core::districts::Directory;
use veche_core::id::{AccountId, DistrictId};
use veche_core::web::i18n::Lang;
use veche_polls::export::{self, ExportQuestion, JsonExport, Published};
use veche_polls::model::{AgeBracket, Answer, Ballot, BallotId, Poll, PublicBallot};
use veche_polls::tally::{self, Counters};
use veche_polls::verify::{self, Blocks, Entry, BLOCK};
use veche_polls::views::Results;

mod common;
use common::random_ballot;

struct Sizes {
    receipts: usize,
    merkle: usize,
    proofs: usize,
    results: usize,
    recount: usize,
    export: usize,
}

/// Runs `f` `n` times; the time per run.
fn per_op<T>(n: usize, mut f: impl FnMut(usize) -> T) -> Duration {
    let started = Instant::now();
    for i in 0..n {
        black_box(f(i));
    }
    started.elapsed() / n.max(1) as u32
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn poll(options: usize) -> Poll {
    veche_polls::demo::open_poll(options, clock::now())
}

/// `n` ballots of made-up residents spread over the districts, each with its receipt.
fn ballots(poll: &Poll, n: usize, districts: &[DistrictId], rng: &mut impl Rng) -> Vec<Ballot> {
    let now = clock::now();
    (0..n)
        .map(|i| {
            let account = AccountId::from_trusted(format!("bench-{i:09}"));
            random_ballot(poll, account, now, districts, rng)
        })
        .collect()
}

/// `n` leaves with random receipts, sorted (as a poll's tree holds them).
fn entries(n: usize, rng: &mut impl Rng) -> Vec<Entry> {
    let mut all: Vec<Entry> = (0..n)
        .map(|i| {
            let bytes: [u8; 32] = rng.gen();
            Entry {
                receipt: veche_polls::model::Receipt::from_hash(blake3::Hash::from(bytes)),
                district: format!("{:08}", 45_000_000 + i % 146),
                age_bracket: AgeBracket::ALL[i % AgeBracket::ALL.len()]
                    .as_str()
                    .to_string(),
            }
        })
        .collect();
    all.sort_unstable();
    all
}

fn main() {
    // `cargo bench` passes `--bench`; without it (`cargo test --all-targets`) small sizes only.
    let full = std::env::args().any(|a| a == "--bench");
    let sizes = if full {
        Sizes {
            receipts: 1_000_000,
            merkle: 1_000_000,
            proofs: 2_000,
            results: 2_000,
            recount: 100_000,
            export: 100_000,
        }
    } else {
        Sizes {
            receipts: 1_000,
            merkle: 3 * BLOCK + 17,
            proofs: 10,
            results: 10,
            recount: 1_000,
            export: 1_000,
        }
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(20_261_130);
    let list = veche_core::districts::moscow().unwrap();
    let directory = Directory {
        okrugs: list.okrugs.clone(),
        districts: list.districts.clone(),
    };
    let districts: Vec<DistrictId> = directory.districts.iter().map(|d| d.id.clone()).collect();
    println!(
        "veche-polls building blocks ({} mode; {} districts)",
        if full { "bench" } else { "smoke" },
        districts.len()
    );

    // Receipt hashing: what every ballot costs on the way in.
    let p4 = poll(4);
    let ids: Vec<BallotId> = (0..sizes.receipts.min(100_000))
        .map(|_| BallotId::generate())
        .collect();
    let answers = vec![Answer {
        question: p4.questions[0].id.clone(),
        options: vec![p4.questions[0].options[1].id.clone()],
    }];
    let each = per_op(sizes.receipts, |i| {
        verify::receipt(p4.id.as_str(), ids[i % ids.len()].as_str(), &answers)
    });
    println!(
        "receipt hash:        {:>10.0} ballots/s ({:.2} µs each, {} receipts)",
        1.0 / each.as_secs_f64(),
        us(each),
        sizes.receipts
    );

    // The Merkle root at sealing: leaves hashed, sorted, folded.
    let leaves = entries(sizes.merkle, &mut rng);
    let started = Instant::now();
    let root = verify::root(&leaves);
    let whole = started.elapsed();
    let started = Instant::now();
    let chunks: Vec<&[Entry]> = leaves.chunks(BLOCK).collect();
    let blocks = Blocks {
        roots: chunks.iter().map(|c| verify::block_root(c)).collect(),
        firsts: chunks.iter().map(|c| c[0].receipt.clone()).collect(),
    };
    assert_eq!(blocks.root(), root);
    let by_blocks = started.elapsed();
    println!(
        "Merkle root:         {:>10.3} s over {} entries (sort + hash + fold; {:.3} s block by block, {} blocks)",
        whole.as_secs_f64(),
        sizes.merkle,
        by_blocks.as_secs_f64(),
        blocks.roots.len()
    );

    // An inclusion proof as the server makes it: find the block, hash its 1024 leaves, walk up.
    let picks: Vec<usize> = (0..sizes.proofs)
        .map(|_| rng.gen_range(0..leaves.len()))
        .collect();
    let each = per_op(sizes.proofs, |i| {
        let receipt = &leaves[picks[i]].receipt;
        let b = blocks.block_of(receipt).unwrap();
        blocks.proof(b, chunks[b], receipt).unwrap()
    });
    let sample = &leaves[picks[0]];
    let b = blocks.block_of(&sample.receipt).unwrap();
    let steps = blocks.proof(b, chunks[b], &sample.receipt).unwrap();
    assert!(verify::check_proof(
        sample,
        &steps,
        &veche_polls::model::hex(&root)
    ));
    let check = per_op(sizes.proofs, |_| {
        verify::check_proof(sample, &steps, &veche_polls::model::hex(&root))
    });
    println!(
        "inclusion proof:     {:>10.1} µs to make from blocks ({} steps), {:.1} µs to check",
        us(each),
        steps.len(),
        us(check)
    );

    // The results view of a poll with 20 options, every district and age bracket counted.
    let p20 = poll(20);
    let mut counts = Counters::default();
    for b in ballots(&p20, 200_000.min(sizes.recount * 2), &districts, &mut rng) {
        counts.count(&b);
    }
    for d in &districts {
        // Every district/option cell filled, so every cell is built and shown.
        for o in &p20.questions[0].options {
            counts.add(&format!("d|{d}"), 10);
            counts.add(&format!("do|{d}|{}", o.id), 10);
        }
    }
    let now = clock::now();
    let each = per_op(sizes.results, |_| {
        Results::new(&p20, &counts, &directory, Lang::Ru, now)
    });
    let results = Results::new(&p20, &counts, &directory, Lang::Ru, now);
    let json = serde_json::to_vec(&results).unwrap();
    let to_json = per_op(sizes.results, |_| serde_json::to_vec(&results).unwrap());
    println!(
        "results view:        {:>10.1} µs for 20 options × {} districts ({} counters); JSON {:.1} µs, {} bytes",
        us(each),
        results.districts.len(),
        counts.0.len(),
        us(to_json),
        json.len()
    );

    // A recount from the ballots (what sealing and `veche polls recount` do per ballot).
    let many = ballots(&p4, sizes.recount, &districts, &mut rng);
    let started = Instant::now();
    let recounted = tally::recount(&many);
    let took = started.elapsed();
    assert_eq!(recounted.ballots(), sizes.recount as i64);
    println!(
        "recount:             {:>10.3} s for {} ballots ({:.0} ballots/s)",
        took.as_secs_f64(),
        sizes.recount,
        sizes.recount as f64 / took.as_secs_f64()
    );

    // Checking a JSON export against what was published.
    let exported: Vec<Ballot> = ballots(&p4, sizes.export, &districts, &mut rng);
    let export_doc = JsonExport {
        format: export::FORMAT.into(),
        poll_id: p4.id.to_string(),
        questions: vec![ExportQuestion {
            id: p4.questions[0].id.to_string(),
            options: p4.questions[0]
                .options
                .iter()
                .map(|o| o.id.to_string())
                .collect(),
        }],
        ballots: exported.iter().map(PublicBallot::from).collect(),
    };
    let text = serde_json::to_string(&export_doc).unwrap();
    let published = Published {
        poll_id: p4.id.to_string(),
        root: veche_polls::model::hex(&verify::root(
            &exported.iter().map(Entry::of).collect::<Vec<_>>(),
        )),
        ballots: exported.len() as u64,
        counters: tally::recount(&exported).public(),
    };
    let started = Instant::now();
    let parsed = export::parse(&text).unwrap();
    let parse = started.elapsed();
    let started = Instant::now();
    let verdict = export::check(&parsed, &published);
    let check = started.elapsed();
    assert!(verdict.ok(), "{:?}", verdict.problems);
    println!(
        "export check:        {:>10.3} s for {} ballots ({:.1} MB of JSON: parse {:.3} s, check {:.3} s)",
        (parse + check).as_secs_f64(),
        sizes.export,
        text.len() as f64 / 1e6,
        parse.as_secs_f64(),
        check.as_secs_f64()
    );
}
