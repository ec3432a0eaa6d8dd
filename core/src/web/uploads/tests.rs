#![allow(clippy::unwrap_used)]

use std::io::Cursor;

use super::*;

/// A `w`×`h` picture of a gradient, encoded as `format`.
fn picture(w: u32, h: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

/// A JPEG with an EXIF segment holding a GPS position, as a phone writes it.
fn jpeg_with_gps() -> Vec<u8> {
    let plain = picture(64, 48, image::ImageFormat::Jpeg);
    let payload = b"Exif\0\0MM\0*GPSLatitude 55.7558 GPSLongitude 37.6173 Secret-Owner";
    let len = u16::try_from(payload.len() + 2).unwrap().to_be_bytes();
    let mut out = plain[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1, len[0], len[1]]);
    out.extend_from_slice(payload);
    out.extend_from_slice(&plain[2..]);
    out
}

fn refused(raw: &[u8]) -> &'static str {
    check_image(raw).unwrap_err().code
}

#[test]
fn a_png_is_scaled_down_and_stored_as_a_jpeg_named_by_its_hash() {
    let upload = check_image(&picture(3200, 1000, image::ImageFormat::Png)).unwrap();
    assert_eq!((upload.width, upload.height), (1600, 500));
    assert_eq!(upload.content_type, "image/jpeg");
    assert_eq!(&upload.bytes[..3], &[0xFF, 0xD8, 0xFF]);
    assert_eq!(
        upload.hash,
        blake3::hash(&upload.bytes).to_hex().to_string()
    );
    assert!(is_hash(&upload.hash));
    let again = check_image(&picture(3200, 1000, image::ImageFormat::Png)).unwrap();
    assert_eq!(again.hash, upload.hash, "the same picture, the same name");
}

#[test]
fn a_small_webp_keeps_its_size_and_its_thumbnail_is_smaller() {
    let upload = check_image(&picture(300, 200, image::ImageFormat::WebP)).unwrap();
    assert_eq!((upload.width, upload.height), (300, 200));
    assert_eq!((upload.thumb.width, upload.thumb.height), (300, 200));
    let upload = check_image(&picture(1000, 400, image::ImageFormat::WebP)).unwrap();
    assert_eq!((upload.thumb.width, upload.thumb.height), (320, 128));
    let thumb = image::load_from_memory(&upload.thumb.bytes).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 128));
    assert_eq!(
        upload.thumb.hash,
        blake3::hash(&upload.thumb.bytes).to_hex().to_string()
    );
}

#[test]
fn a_large_jpeg_is_scaled_to_fill_exactly_the_longest_side() {
    // 4000 × 3000 scales to exactly 1600 × 1200, its thumbnail to 320 × 240.
    let upload = check_image(&picture(4000, 3000, image::ImageFormat::Jpeg)).unwrap();
    assert_eq!((upload.width, upload.height), (1600, 1200));
    assert_eq!((upload.thumb.width, upload.thumb.height), (320, 240));
    // 2400 × 1800 (the size of the ideas API test photo) too.
    let upload = check_image(&picture(2400, 1800, image::ImageFormat::Jpeg)).unwrap();
    assert_eq!((upload.width, upload.height), (1600, 1200));
    let stored = image::load_from_memory(&upload.bytes).unwrap();
    assert_eq!((stored.width(), stored.height()), (1600, 1200));
}

#[test]
fn a_transparent_png_and_a_grey_jpeg_become_colour_jpegs() {
    let img = image::RgbaImage::from_fn(50, 40, |x, _| image::Rgba([0, 0, 0, (x * 5) as u8]));
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    let upload = check_image(&out.into_inner()).unwrap();
    let stored = image::load_from_memory(&upload.bytes).unwrap().to_rgb8();
    // Fully transparent black shows as the white page behind it.
    assert!(stored.get_pixel(0, 20).0.iter().all(|&c| c > 240));
    let grey = image::GrayImage::from_fn(64, 64, |x, y| image::Luma([((x + y) * 2) as u8]));
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageLuma8(grey)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    let upload = check_image(&out.into_inner()).unwrap();
    assert_eq!((upload.width, upload.height), (64, 64));
}

#[test]
fn nothing_of_the_original_file_survives_but_the_pixels() {
    let raw = jpeg_with_gps();
    assert!(raw.windows(11).any(|w| w == b"GPSLatitude"));
    let upload = check_image(&raw).unwrap();
    for secret in [&b"GPSLatitude"[..], b"Exif", b"Secret-Owner"] {
        assert!(
            !upload.bytes.windows(secret.len()).any(|w| w == secret),
            "{:?} survived",
            String::from_utf8_lossy(secret)
        );
    }
}

#[test]
fn what_is_not_a_readable_picture_is_refused() {
    assert_eq!(refused(b"<svg onload=alert(1)></svg>"), "not_an_image");
    assert_eq!(refused(b"GIF89a\x01\0\x01\0\0\0\0;"), "not_an_image");
    assert_eq!(refused(b"%PDF-1.7 a document"), "not_an_image");
    let png = picture(40, 40, image::ImageFormat::Png);
    assert_eq!(refused(&png[..png.len() / 2]), "not_an_image", "truncated");
    // A PNG claiming 20,000 × 20,000 pixels (a decompression bomb) is not decoded.
    let mut bomb = png.clone();
    bomb[16..20].copy_from_slice(&20_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    let crc = crc_of(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(refused(&bomb), "too_many_pixels");
    // Within the sides, past the pixels: 9,000 × 6,000 is 54 megapixels.
    bomb[16..20].copy_from_slice(&9_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&6_000u32.to_be_bytes());
    let crc = crc_of(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(refused(&bomb), "too_many_pixels");
    assert_eq!(refused(&vec![0xFF; MAX_BYTES + 1]), "too_large");
}

#[test]
fn only_bodies_that_carry_pictures_may_be_large() {
    let small = 1024 * 1024;
    assert_eq!(body_limit(None, small), small);
    assert_eq!(body_limit(Some("application/json"), small), small);
    assert_eq!(body_limit(Some("image/svg+xml"), small), small);
    assert_eq!(body_limit(Some("image/JPEG"), small), MAX_BYTES as u64);
    assert_eq!(
        body_limit(Some("multipart/form-data; boundary=x"), small),
        MAX_REQUEST_BYTES
    );
    assert_eq!(MAX_REQUEST_BYTES, form_limit(MAX_FILES));
    assert!(form_limit(5) > 5 * MAX_BYTES as u64);
}

#[test]
fn hashes_are_exactly_64_lowercase_hex_digits() {
    assert!(is_hash(&"a".repeat(64)));
    assert!(!is_hash(&"A".repeat(64)));
    assert!(!is_hash(&"a".repeat(63)));
    assert!(!is_hash(&format!("{}/", "a".repeat(63))));
    assert!(!is_hash("../../etc/passwd"));
}

/// PNG's chunk CRC (ISO 3309), for the forged header above.
fn crc_of(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                0xEDB8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
