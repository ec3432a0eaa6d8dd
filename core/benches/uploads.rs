//! What checking a resident's photo costs: a 12-megapixel phone JPEG of about 2 MB (noise over
//! a gradient, so it does not compress away) through [`check_image`]: sniffed, decoded, scaled
//! to 1600 pixels a side, encoded again, and its thumbnail made.
//!
//! `cargo bench -p veche-core --bench uploads`. `cargo test --all-targets` runs this too,
//! without `--bench`: then one small photo only checks that the benchmark still works.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use veche_core::web::uploads::check_image;

/// A `w`×`h` JPEG like a phone's: a gradient with grain, at quality 90.
fn phone_photo(w: u32, h: u32) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        // xorshift: grain the encoder cannot drop.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let grain = (state & 0x1F) as u32;
        image::Rgb([
            ((x * 200 / w) + grain) as u8,
            ((y * 200 / h) + grain) as u8,
            (((x + y) * 100 / (w + h)) + 60 + grain) as u8,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

fn main() {
    // `cargo bench` passes `--bench`; without it (`cargo test --all-targets`) a small photo once.
    let full = std::env::args().any(|a| a == "--bench");
    let (w, h, runs) = if full {
        (4000, 3000, 20)
    } else {
        (400, 300, 1)
    };
    let photo = phone_photo(w, h);
    println!(
        "veche-core uploads ({} mode): a {w}×{h} JPEG of {:.2} MB",
        if full { "bench" } else { "smoke" },
        photo.len() as f64 / 1_000_000.0
    );
    black_box(check_image(&photo).unwrap());
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            black_box(check_image(black_box(&photo)).unwrap());
            started.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "check_image: median {:.1} ms, best {:.1} ms, worst {:.1} ms over {runs} runs",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
}
