//! A made-up photo like a phone's, for the load benchmarks (`cargo bench -p veche-core --bench
//! uploads`, `veche reports bench-seed`): what a resident's picture costs, without shipping one.

/// A `w`×`h` JPEG like a phone's: a gradient with grain of `grain` levels (noise the encoder
/// cannot drop, so it does not compress away), at quality 90.
pub fn phone_photo(w: u32, h: u32, grain: u64) -> image::ImageResult<Vec<u8>> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        // xorshift: grain the encoder cannot drop.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let grain = (state % grain) as u32;
        image::Rgb([
            ((x * 200 / w) + grain) as u8,
            ((y * 200 / h) + grain) as u8,
            (((x + y) * 100 / (w + h)) + 60 + grain) as u8,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img)?;
    Ok(out)
}
