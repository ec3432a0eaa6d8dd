//! What checking a resident's photo costs: a 12-megapixel phone JPEG of about 2 MB (noise over
//! a gradient, so it does not compress away) through [`check_image`]: sniffed, decoded, scaled
//! to 1600 pixels a side, encoded again, and its thumbnail made; then through
//! [`uploads::accept`] into the embedded store, a new file each time (what the request does:
//! sniffed, its header read, kept in the quarantine), each then processed by the background
//! work ([`process::process_one`]: claimed, checked, its JPEGs written, settled), and the same
//! file again (recognised by its hash).
//!
//! `cargo bench -p veche-core --bench uploads`. `cargo test --all-targets` runs this too,
//! without `--bench`: then one small photo only checks that the benchmark still works.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use veche_core::web::uploads::{self, check_image, phone_photo, process};

fn main() {
    // `cargo bench` passes `--bench`; without it (`cargo test --all-targets`) a small photo once.
    let full = std::env::args().any(|a| a == "--bench");
    let (w, h, runs) = if full {
        (4000, 3000, 20)
    } else {
        (400, 300, 1)
    };
    // The most grain that keeps the photo at about 2 MB, as a phone's is.
    let photo = [24, 16, 12, 8, 6, 4, 3, 2]
        .into_iter()
        .map(|grain| phone_photo(w, h, grain).unwrap())
        .find(|p| !full || p.len() <= 2_200_000)
        .unwrap();
    println!(
        "veche-core uploads ({} mode): a {w}×{h} JPEG of {:.2} MB",
        if full { "bench" } else { "smoke" },
        photo.len() as f64 / 1_000_000.0
    );
    report(
        "check_image",
        runs,
        (0..runs).map(|_| time(|| check_image(black_box(&photo)).unwrap())),
    );

    // Through `accept` into the embedded store (files on disk): a new file each time (the
    // same pixels, a different comment: checked again, kept once), then the same file again.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let db =
            veche_core::storage::Sqlite::open(dir.path(), veche_core::storage::SyncMode::Normal)
                .unwrap();
        let store = uploads::open(&veche_core::storage::Backend::Sqlite(db))
            .await
            .unwrap();
        let mut new_files = Vec::new();
        for i in 0..runs {
            let variant = with_comment(&photo, i);
            let started = Instant::now();
            uploads::accept(store.as_ref(), Bytes::from(variant))
                .await
                .unwrap();
            new_files.push(started.elapsed());
        }
        report("accept, a new file", runs, new_files.into_iter());
        let mut processed = Vec::new();
        for _ in 0..runs {
            let started = Instant::now();
            let done = process::process_one(store.as_ref()).await.unwrap().unwrap();
            assert!(done.settled && done.dropped.is_none());
            processed.push(started.elapsed());
        }
        assert_eq!(process::process_one(store.as_ref()).await.unwrap(), None);
        report("process_one, a new photo", runs, processed.into_iter());
        let mut again = Vec::new();
        for _ in 0..runs * 10 {
            let started = Instant::now();
            uploads::accept(store.as_ref(), Bytes::from(photo.clone()))
                .await
                .unwrap();
            again.push(started.elapsed());
        }
        report("accept, the same file again", runs * 10, again.into_iter());
    });
}

/// `jpeg` with a comment segment saying `n` after its start: other bytes, the same picture.
fn with_comment(jpeg: &[u8], n: usize) -> Vec<u8> {
    let text = format!("copy {n}");
    let len = (text.len() as u16 + 2).to_be_bytes();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xFE, len[0], len[1]]);
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn time<T>(f: impl FnOnce() -> T) -> Duration {
    let started = Instant::now();
    black_box(f());
    started.elapsed()
}

/// Prints the best, median and worst of `times`. The machine is shared: the best run is the
/// cost, the median what a busy machine pays.
fn report(what: &str, runs: usize, times: impl Iterator<Item = Duration>) {
    let mut times: Vec<Duration> = times.collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: best {:.2} ms, median {:.2} ms, worst {:.2} ms over {runs} runs",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
}
