//! Reading a sent file as a picture, and making what is kept of it: the picture, at most
//! [`MAX_SIDE`] pixels a side, and its thumbnail, at most [`THUMB_SIDE`]; both new JPEGs.
//!
//! The order is the defence: the size of the file first, then its signature (JPEG, PNG or
//! WebP, whatever its name or declared type says), then the picture's dimensions from its
//! header, against [`MAX_PIXELS`], before a single pixel is decoded: a 30,000 × 30,000 PNG
//! of a few hundred kilobytes is refused without allocating its 2.7 GB of pixels.
//!
//! What it costs (`cargo bench -p veche-core --bench uploads`): a 12-megapixel phone JPEG of
//! 2 MB is mostly its decoding (zune-jpeg, with the CPU's vector instructions), then a
//! scaling to 1600 pixels with vector instructions too (`fast_image_resize`) and the encoding
//! (`jpeg-encoder`, also vectorised, several times faster than `image`'s own). One decode
//! feeds both the picture and the thumbnail (made from the scaled picture). Decoding at a
//! reduced DCT scale (`jpeg-decoder`'s `scale`, ½ to ⅛) was measured and is slower: its
//! entropy decoding, which no scale skips, costs more than zune-jpeg's whole decode.
//!
//! The EXIF orientation a phone writes instead of turning its pixels is applied, since the
//! EXIF itself is not kept.

use fast_image_resize as fr;

use super::{Thumb, Upload};
use crate::web::problem::Invalid;

/// The largest file accepted before decoding: a phone photo at full resolution.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most pixels a picture may have (a 50-megapixel phone's full resolution fits), read
/// from its header before decoding: against decompression bombs.
pub const MAX_PIXELS: u64 = 52_000_000;
/// The longest side of a picture accepted, in pixels (a panorama still fits).
pub const MAX_INPUT_SIDE: u32 = 16_384;
/// The longest side of a stored picture, in pixels.
pub const MAX_SIDE: u32 = 1600;
/// The longest side of a thumbnail, in pixels.
pub const THUMB_SIDE: u32 = 320;
/// The most memory a PNG or WebP decoder may take (an RGBA picture of [`MAX_PIXELS`]).
const MAX_DECODE_ALLOC: u64 = MAX_PIXELS * 4 + 64 * 1024 * 1024;
/// The quality of the stored JPEG.
const JPEG_QUALITY: u8 = 85;
/// The quality of a thumbnail: small, and seen small.
const THUMB_QUALITY: u8 = 80;

/// The type every kept picture has.
pub const CONTENT_TYPE: &str = "image/jpeg";

/// Pixels, three bytes each (red, green, blue), row after row.
struct Rgb {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

fn not_an_image() -> Invalid {
    Invalid::new("image", "not_an_image")
}

/// What the cheap checks of a sent file found: its format and its sides, read from its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sniffed {
    pub format: image::ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// The checks a request can afford (well under a millisecond for a 2 MB photo): the file's
/// size, its signature (a JPEG, PNG or WebP by its content, whatever its name says), and its
/// sides from its header against [`MAX_PIXELS`], before a pixel is decoded. Refused as
/// [`check_image`] refuses; a file that passes may still fail to decode ([`check_image`]).
pub fn sniff(raw: &[u8]) -> Result<Sniffed, Invalid> {
    if raw.len() > MAX_BYTES {
        return Err(Invalid::new("image", "too_large"));
    }
    let format = image::guess_format(raw).map_err(|_| not_an_image())?;
    let (width, height) = match format {
        image::ImageFormat::Jpeg => {
            let mut decoder = jpeg_decoder(raw);
            decoder.decode_headers().map_err(|_| not_an_image())?;
            let (width, height) = decoder.dimensions().ok_or_else(not_an_image)?;
            (width as u32, height as u32)
        }
        image::ImageFormat::Png | image::ImageFormat::WebP => other_dimensions(raw, format)?,
        _ => return Err(not_an_image()),
    };
    check_dimensions(width, height)?;
    Ok(Sniffed {
        format,
        width,
        height,
    })
}

/// Reads `raw` as a picture and makes the upload to store: refused (`image` field) when it is
/// too large (`too_large`), has too many pixels (`too_many_pixels`), or is not a JPEG, PNG or
/// WebP by its content or does not decode (`not_an_image`). Tens of milliseconds for a phone
/// photo: the background work of [`super::process`], never a request's.
pub fn check_image(raw: &[u8]) -> Result<Upload, Invalid> {
    let format = sniff(raw)?.format;
    let decoded = match format {
        image::ImageFormat::Jpeg => decode_jpeg(raw)?,
        image::ImageFormat::Png | image::ImageFormat::WebP => decode_other(raw, format)?,
        _ => return Err(not_an_image()),
    };
    let picture = shrink(decoded, MAX_SIDE)?;
    let thumb = shrink_copy(&picture, THUMB_SIDE)?;
    let bytes = encode(&picture, JPEG_QUALITY)?;
    let thumb_bytes = encode(&thumb, THUMB_QUALITY)?;
    Ok(Upload {
        hash: hash_of(&bytes),
        content_type: CONTENT_TYPE.to_string(),
        width: picture.width,
        height: picture.height,
        bytes: bytes.into(),
        created_at: crate::clock::now(),
        thumb: Thumb {
            hash: hash_of(&thumb_bytes),
            width: thumb.width,
            height: thumb.height,
            bytes: thumb_bytes.into(),
        },
    })
}

/// The thumbnail of a picture kept before thumbnails were made (a JPEG this module wrote).
pub fn thumb_of(jpeg: &[u8]) -> Result<Thumb, Invalid> {
    let thumb = shrink(decode_jpeg(jpeg)?, THUMB_SIDE)?;
    let bytes = encode(&thumb, THUMB_QUALITY)?;
    Ok(Thumb {
        hash: hash_of(&bytes),
        width: thumb.width,
        height: thumb.height,
        bytes: bytes.into(),
    })
}

/// An upload's name: the blake3 hash of its bytes, 64 lowercase hex digits.
pub(super) fn hash_of(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// Refuses dimensions past the limits (`too_many_pixels`), or empty (`not_an_image`).
fn check_dimensions(width: u32, height: u32) -> Result<(), Invalid> {
    if width == 0 || height == 0 {
        return Err(not_an_image());
    }
    if width > MAX_INPUT_SIDE
        || height > MAX_INPUT_SIDE
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(Invalid::new("image", "too_many_pixels"));
    }
    Ok(())
}

/// `width`×`height` scaled to fit `side` a side (at least a pixel each way); unchanged when it
/// fits already.
fn fit(width: u32, height: u32, side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= side {
        return (width, height);
    }
    let scale = |v: u32| {
        ((u64::from(v) * u64::from(side) + u64::from(longest) / 2) / u64::from(longest)) as u32
    };
    (scale(width).max(1), scale(height).max(1))
}

/// A JPEG, its dimensions checked from its header before it is decoded, its EXIF orientation
/// applied.
fn jpeg_decoder(raw: &[u8]) -> zune_jpeg::JpegDecoder<zune_core::bytestream::ZCursor<&[u8]>> {
    let options = zune_core::options::DecoderOptions::default()
        .jpeg_set_out_colorspace(zune_core::colorspace::ColorSpace::RGB)
        .set_max_width(MAX_INPUT_SIDE as usize)
        .set_max_height(MAX_INPUT_SIDE as usize);
    zune_jpeg::JpegDecoder::new_with_options(zune_core::bytestream::ZCursor::new(raw), options)
}

fn decode_jpeg(raw: &[u8]) -> Result<Rgb, Invalid> {
    let mut decoder = jpeg_decoder(raw);
    decoder.decode_headers().map_err(|_| not_an_image())?;
    let (width, height) = decoder.dimensions().ok_or_else(not_an_image)?;
    let (width, height) = (width as u32, height as u32);
    check_dimensions(width, height)?;
    if decoder.output_colorspace() != Some(zune_core::colorspace::ColorSpace::RGB) {
        return Err(not_an_image());
    }
    let pixels = decoder.decode().map_err(|_| not_an_image())?;
    if pixels.len() < width as usize * height as usize * 3 {
        return Err(not_an_image());
    }
    let decoded = Rgb {
        width,
        height,
        pixels,
    };
    let orientation = decoder
        .exif()
        .and_then(|exif| image::metadata::Orientation::from_exif_chunk(exif));
    Ok(match orientation {
        Some(o) if o != image::metadata::Orientation::NoTransforms => oriented(decoded, o)?,
        _ => decoded,
    })
}

/// `rgb` turned as a phone's EXIF orientation says.
fn oriented(rgb: Rgb, orientation: image::metadata::Orientation) -> Result<Rgb, Invalid> {
    let buffer =
        image::RgbImage::from_raw(rgb.width, rgb.height, rgb.pixels).ok_or_else(not_an_image)?;
    let mut image = image::DynamicImage::ImageRgb8(buffer);
    image.apply_orientation(orientation);
    let turned = image.into_rgb8();
    Ok(Rgb {
        width: turned.width(),
        height: turned.height(),
        pixels: turned.into_raw(),
    })
}

/// A PNG or WebP, its dimensions checked from its header before it is decoded.
fn other_reader(
    raw: &[u8],
    format: image::ImageFormat,
) -> image::ImageReader<std::io::Cursor<&[u8]>> {
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(raw), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_INPUT_SIDE);
    limits.max_image_height = Some(MAX_INPUT_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    reader
}

/// A PNG's or WebP's sides, from its header.
fn other_dimensions(raw: &[u8], format: image::ImageFormat) -> Result<(u32, u32), Invalid> {
    match other_reader(raw, format).into_dimensions() {
        Ok(d) => Ok(d),
        Err(image::ImageError::Limits(_)) => Err(Invalid::new("image", "too_many_pixels")),
        Err(_) => Err(not_an_image()),
    }
}

fn decode_other(raw: &[u8], format: image::ImageFormat) -> Result<Rgb, Invalid> {
    let (width, height) = other_dimensions(raw, format)?;
    check_dimensions(width, height)?;
    let decoded = other_reader(raw, format)
        .decode()
        .map_err(|_| not_an_image())?;
    // A transparent picture is shown on white, as a page would show it.
    let rgb = if decoded.color().has_alpha() {
        let rgba = decoded.into_rgba8();
        let pixels = rgba
            .pixels()
            .flat_map(|p| {
                let a = u16::from(p.0[3]);
                [p.0[0], p.0[1], p.0[2]].map(|c| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8)
            })
            .collect();
        Rgb {
            width,
            height,
            pixels,
        }
    } else {
        Rgb {
            width,
            height,
            pixels: decoded.into_rgb8().into_raw(),
        }
    };
    Ok(rgb)
}

/// `rgb` scaled to fit `side` a side; itself when it fits already.
fn shrink(rgb: Rgb, side: u32) -> Result<Rgb, Invalid> {
    if rgb.width.max(rgb.height) <= side {
        return Ok(rgb);
    }
    shrink_copy(&rgb, side)
}

/// A copy of `rgb` scaled to fit `side` a side (a bilinear filter over every source pixel: no
/// aliasing, a few milliseconds with the CPU's vector instructions).
fn shrink_copy(rgb: &Rgb, side: u32) -> Result<Rgb, Invalid> {
    let (width, height) = fit(rgb.width, rgb.height, side);
    if (width, height) == (rgb.width, rgb.height) {
        return Ok(Rgb {
            width,
            height,
            pixels: rgb.pixels.clone(),
        });
    }
    let src = fr::images::ImageRef::new(rgb.width, rgb.height, &rgb.pixels, fr::PixelType::U8x3)
        .map_err(|_| not_an_image())?;
    let mut dst = fr::images::Image::new(width, height, fr::PixelType::U8x3);
    let options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Bilinear));
    fr::Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|_| not_an_image())?;
    Ok(Rgb {
        width,
        height,
        pixels: dst.into_vec(),
    })
}

/// `rgb` as a baseline JPEG (4:2:0 below quality 90), with no metadata at all.
fn encode(rgb: &Rgb, quality: u8) -> Result<Vec<u8>, Invalid> {
    let (Ok(width), Ok(height)) = (u16::try_from(rgb.width), u16::try_from(rgb.height)) else {
        return Err(not_an_image());
    };
    let mut out = Vec::with_capacity(rgb.pixels.len() / 8);
    jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(&rgb.pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .map_err(|_| not_an_image())?;
    Ok(out)
}
