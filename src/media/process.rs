//! Reading an uploaded image: the format from its bytes, the size limits from its header before
//! anything is decoded, the orientation applied, every kind of metadata dropped by re-encoding,
//! and the resized variants.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult, FieldError};

/// The largest file accepted, in bytes (10 MiB).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The largest image accepted, in pixels (40 megapixels).
pub const MAX_PIXELS: u64 = 40_000_000;
/// What a decoder may allocate: the largest accepted image with four 16-bit channels, and room
/// for the decoder's own buffers.
const MAX_ALLOC: u64 = MAX_PIXELS * 8 + 64 * 1024 * 1024;
/// JPEG quality of a cleaned JPEG original.
const ORIGINAL_QUALITY: u8 = 90;
/// JPEG quality of the resized variants.
const VARIANT_QUALITY: u8 = 82;

/// The files kept for each media record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The upload with its metadata removed and its orientation applied, in its own format.
    Original,
    Thumb,
    Medium,
    Large,
}

impl Variant {
    pub const ALL: [Variant; 4] = [Self::Original, Self::Thumb, Self::Medium, Self::Large];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Thumb => "thumb",
            Self::Medium => "medium",
            Self::Large => "large",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The widest a resized variant may be; `None` for the original.
    pub fn max_width(self) -> Option<u32> {
        match self {
            Self::Original => None,
            Self::Thumb => Some(320),
            Self::Medium => Some(800),
            Self::Large => Some(1600),
        }
    }
}

/// One file made from an upload.
#[derive(Debug, Clone)]
pub struct File {
    pub variant: Variant,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
    /// Hex SHA-256 of `bytes`: the file's strong ETag.
    pub sha256: String,
}

/// An upload read and turned into the files that are kept.
#[derive(Debug)]
pub struct Processed {
    /// Hex SHA-256 of the uploaded bytes: the same upload twice gives the same record.
    pub upload_sha256: String,
    /// The original first, then thumb, medium and large.
    pub files: Vec<File>,
}

impl Processed {
    pub fn original(&self) -> &File {
        &self.files[0]
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The format of an accepted image, read from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Some(f),
        _ => None,
    }
}

pub fn content_type(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "image/png",
        ImageFormat::WebP => "image/webp",
        _ => "image/jpeg",
    }
}

/// The accepted formats by declared content type.
pub fn format_of_content_type(content_type: &str) -> Option<ImageFormat> {
    match content_type {
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/png" => Some(ImageFormat::Png),
        "image/webp" => Some(ImageFormat::WebP),
        _ => None,
    }
}

fn file_error(message: impl Into<String>) -> ApiError {
    ApiError::Validation(vec![FieldError::new("file", message)])
}

fn undecodable(e: image::ImageError) -> ApiError {
    file_error(format!("cannot be read as an image: {e}"))
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

/// Refuses an image whose header declares more than [`MAX_PIXELS`], before decoding any pixel.
pub fn check_dimensions(bytes: &[u8], format: ImageFormat) -> ApiResult<(u32, u32)> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let (w, h) = reader.into_dimensions().map_err(undecodable)?;
    let pixels = u64::from(w) * u64::from(h);
    if pixels > MAX_PIXELS {
        return Err(file_error(format!(
            "is {w} × {h} pixels ({:.1} megapixels); at most {} megapixels are accepted",
            pixels as f64 / 1e6,
            MAX_PIXELS / 1_000_000
        )));
    }
    if w == 0 || h == 0 {
        return Err(file_error("has no pixels"));
    }
    Ok((w, h))
}

/// Decodes an accepted image (its format already sniffed), applies its orientation, and makes the
/// cleaned original and the three resized variants. CPU-bound: call it off the async workers.
pub fn process(bytes: &[u8], format: ImageFormat) -> ApiResult<Processed> {
    check_dimensions(bytes, format)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(undecodable)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    img.apply_orientation(orientation);

    let mut files = Vec::with_capacity(4);
    let original = match format {
        ImageFormat::Jpeg => encode_jpeg(&img, ORIGINAL_QUALITY)?,
        ImageFormat::Png => encode_with(&img, ImageFormat::Png)?,
        _ => {
            // The WebP encoder writes lossless files only, from 8-bit RGB(A).
            let eight_bit = if img.color().has_alpha() {
                DynamicImage::ImageRgba8(img.to_rgba8())
            } else {
                DynamicImage::ImageRgb8(img.to_rgb8())
            };
            encode_with(&eight_bit, ImageFormat::WebP)?
        }
    };
    files.push(file(
        Variant::Original,
        content_type(format),
        &img,
        original,
    ));

    // Each variant is made from the next larger one, which is much cheaper than from the
    // original and looks the same at these ratios; heights keep the original's aspect ratio.
    let (full_w, full_h) = (img.width(), img.height());
    let mut source = img;
    let mut made = Vec::with_capacity(3);
    for variant in [Variant::Large, Variant::Medium, Variant::Thumb] {
        let max = variant.max_width().unwrap_or(u32::MAX);
        if source.width() > max {
            let h = ((u64::from(full_h) * u64::from(max) + u64::from(full_w) / 2)
                / u64::from(full_w))
            .max(1) as u32;
            source = source.resize_exact(max, h, FilterType::Triangle);
        }
        let bytes = encode_jpeg(&source, VARIANT_QUALITY)?;
        made.push(file(variant, "image/jpeg", &source, bytes));
    }
    made.reverse();
    files.extend(made);
    Ok(Processed {
        upload_sha256: sha256_hex(bytes),
        files,
    })
}

/// Drops the metadata of an already encoded image without decoding its pixels: JPEG APP1–APP15
/// segments (EXIF, XMP, ICC, …; the Adobe APP14 that tells its colour transform is kept) and
/// comments, PNG text, time and EXIF chunks, WebP EXIF and XMP chunks. Files this service wrote
/// carry none, so they come back unchanged; `None` when the bytes are not a well-formed file of
/// `format`.
pub fn strip_metadata(bytes: &[u8], format: ImageFormat) -> Option<Vec<u8>> {
    match format {
        ImageFormat::Jpeg => strip_jpeg(bytes),
        ImageFormat::Png => strip_png(bytes),
        ImageFormat::WebP => strip_webp(bytes),
        _ => None,
    }
}

fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut i = 2;
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(i + 1)?;
        if marker == 0xDA || marker == 0xD9 {
            // Start of scan (or an image that ends here): the rest is image data.
            out.extend_from_slice(&bytes[i..]);
            return Some(out);
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(i + 2)?, *bytes.get(i + 3)?]));
        if len < 2 {
            return None;
        }
        let end = i.checked_add(2 + len)?;
        let segment = bytes.get(i..end)?;
        let metadata = (0xE1..=0xEF).contains(&marker) && marker != 0xEE || marker == 0xFE;
        if !metadata {
            out.extend_from_slice(segment);
        }
        i = end;
    }
}

fn strip_png(bytes: &[u8]) -> Option<Vec<u8>> {
    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if !bytes.starts_with(&SIGNATURE) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&SIGNATURE);
    let mut i = SIGNATURE.len();
    while i < bytes.len() {
        let len =
            usize::try_from(u32::from_be_bytes(bytes.get(i..i + 4)?.try_into().ok()?)).ok()?;
        let kind = bytes.get(i + 4..i + 8)?;
        let end = i.checked_add(12)?.checked_add(len)?;
        let chunk = bytes.get(i..end)?;
        if !matches!(kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME") {
            out.extend_from_slice(chunk);
        }
        i = end;
        if kind == b"IEND" {
            break;
        }
    }
    Some(out)
}

fn strip_webp(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WEBP" {
        return None;
    }
    let mut body = Vec::with_capacity(bytes.len());
    body.extend_from_slice(b"WEBP");
    let mut i = 12;
    while i + 8 <= bytes.len() {
        let kind = &bytes[i..i + 4];
        let len = usize::try_from(u32::from_le_bytes(bytes[i + 4..i + 8].try_into().ok()?)).ok()?;
        let end = i.checked_add(8)?.checked_add(len + (len & 1))?;
        let chunk = bytes.get(i..end.min(bytes.len()))?;
        match kind {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                let mut chunk = chunk.to_vec();
                // The flags say which metadata chunks follow: none now.
                *chunk.get_mut(8)? &= !(0x08 | 0x04);
                body.extend_from_slice(&chunk);
            }
            _ => body.extend_from_slice(chunk),
        }
        i = end;
    }
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&u32::try_from(body.len()).ok()?.to_le_bytes());
    out.extend_from_slice(&body);
    Some(out)
}

fn file(variant: Variant, content_type: &'static str, img: &DynamicImage, bytes: Vec<u8>) -> File {
    File {
        variant,
        content_type,
        width: img.width(),
        height: img.height(),
        sha256: sha256_hex(&bytes),
        bytes,
    }
}

fn encode_with(img: &DynamicImage, format: ImageFormat) -> ApiResult<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format)
        .map_err(|e| ApiError::internal(format!("encoding {format:?}: {e}")))?;
    Ok(out.into_inner())
}

/// JPEG of `img`; transparent pixels are laid on white (JPEG has no transparency).
fn encode_jpeg(img: &DynamicImage, quality: u8) -> ApiResult<Vec<u8>> {
    let rgb: RgbImage = if img.color().has_alpha() {
        let rgba = img.to_rgba8();
        RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
            let [r, g, b, a] = rgba.get_pixel(x, y).0;
            let over =
                |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
            image::Rgb([over(r), over(g), over(b)])
        })
    } else {
        img.to_rgb8()
    };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&rgb)
        .map_err(|e| ApiError::internal(format!("encoding JPEG: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        }));
        encode_with(&img, ImageFormat::Png).unwrap()
    }

    #[test]
    fn variants_keep_the_aspect_ratio_and_are_never_upscaled() {
        let p = process(&png(2000, 1000), ImageFormat::Png).unwrap();
        let sizes: Vec<(u32, u32)> = p.files.iter().map(|f| (f.width, f.height)).collect();
        assert_eq!(sizes, [(2000, 1000), (320, 160), (800, 400), (1600, 800)]);
        let p = process(&png(500, 300), ImageFormat::Png).unwrap();
        let sizes: Vec<(u32, u32)> = p.files.iter().map(|f| (f.width, f.height)).collect();
        assert_eq!(sizes, [(500, 300), (320, 192), (500, 300), (500, 300)]);
    }

    #[test]
    fn metadata_is_stripped_and_clean_files_come_back_unchanged() {
        let p = process(&png(40, 30), ImageFormat::Png).unwrap();
        for f in &p.files {
            let format = sniff(&f.bytes).unwrap();
            assert_eq!(
                strip_metadata(&f.bytes, format).as_deref(),
                Some(&f.bytes[..])
            );
        }
        // A JPEG with an EXIF segment and a comment loses both, and still decodes.
        let jpeg = &p.files[1].bytes;
        let mut dirty = jpeg[..2].to_vec();
        dirty.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x10]);
        dirty.extend_from_slice(b"Exif\0\0GPS-here");
        dirty.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x07]);
        dirty.extend_from_slice(b"hello");
        dirty.extend_from_slice(&jpeg[2..]);
        let clean = strip_metadata(&dirty, ImageFormat::Jpeg).unwrap();
        assert_eq!(&clean, jpeg);
        // A PNG text chunk goes too.
        let png_bytes = &p.files[0].bytes;
        let mut dirty = png_bytes[..33].to_vec();
        let text = b"Commenthidden";
        dirty.extend_from_slice(&(text.len() as u32).to_be_bytes());
        dirty.extend_from_slice(b"tEXt");
        dirty.extend_from_slice(text);
        dirty.extend_from_slice(&[0, 0, 0, 0]);
        dirty.extend_from_slice(&png_bytes[33..]);
        assert_eq!(
            strip_metadata(&dirty, ImageFormat::Png).as_deref(),
            Some(&png_bytes[..])
        );
        assert_eq!(strip_metadata(b"not an image", ImageFormat::Jpeg), None);
    }

    #[test]
    fn only_jpeg_png_and_webp_are_sniffed() {
        assert_eq!(sniff(&png(2, 2)), Some(ImageFormat::Png));
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
        assert_eq!(sniff(b"GIF89a\x01\x00\x01\x00"), None);
    }
}
