//! Media: uploads in each format, variants, metadata stripping, limits, dedupe, caching, the
//! article gallery, and the three stores.

use std::io::Cursor;
use std::time::{Duration, Instant};

use actix_web::http::Method;
use actix_web::web::Bytes;
use bantin::db::Backend;
use bantin::media::store::StoreSetting;
use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::{Options, Resp, TestApp};

/// A gradient, so that encoders have something to keep.
fn picture(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 120])
    }))
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

pub fn png(w: u32, h: u32) -> Vec<u8> {
    encode(&picture(w, h), ImageFormat::Png)
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    encode(&picture(w, h), ImageFormat::Jpeg)
}

fn webp(w: u32, h: u32) -> Vec<u8> {
    let rgba = RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([(x % 256) as u8, (y % 256) as u8, 60, 200])
    });
    encode(&DynamicImage::ImageRgba8(rgba), ImageFormat::WebP)
}

/// A JPEG whose EXIF block says "rotate 90° clockwise" and holds a GPS position, and which has a
/// comment: what a phone camera writes.
pub fn jpeg_with_exif_gps_and_comment(w: u32, h: u32) -> Vec<u8> {
    let base = jpeg(w, h);
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    // IFD0: orientation 6, and a pointer to the GPS IFD.
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(0x0112u16.to_le_bytes());
    tiff.extend(3u16.to_le_bytes());
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(6u16.to_le_bytes());
    tiff.extend(0u16.to_le_bytes());
    tiff.extend(0x8825u16.to_le_bytes());
    tiff.extend(4u16.to_le_bytes());
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(38u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    // GPS IFD at 38: latitude reference "N", then the position as text after it.
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(2u32.to_le_bytes());
    tiff.extend(b"N\0\0\0");
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(b"GPS-SECRET 21.5937N 105.8480E");
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let comment = b"SECRET-COMMENT taken at Tuan Chau";
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend([0xFF, 0xFE]);
    out.extend(((comment.len() + 2) as u16).to_be_bytes());
    out.extend(comment);
    out.extend(&base[2..]);
    out
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    out.extend(kind);
    out.extend(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend(crc.finalize().to_be_bytes());
}

/// A PNG declaring 100,000 × 100,000 pixels (30 GB decoded), a few hundred bytes long.
fn png_bomb() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(100_000u32.to_be_bytes());
    ihdr.extend(100_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    // A zlib stream of zeros: it would inflate to rows of black for ever.
    let idat = vec![
        0x78, 0x9C, 0x63, 0x60, 0x18, 0x05, 0xA3, 0x60, 0x14, 0x0C, 0x77, 0x00, 0x00,
    ];
    png_chunk(&mut out, b"IDAT", &idat);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

pub async fn upload(app: &TestApp, token: &str, content_type: &str, bytes: Vec<u8>) -> Resp {
    let auth = format!("Bearer {token}");
    app.request(
        Method::POST,
        "/api/v1/media",
        &[("Authorization", &auth), ("Content-Type", content_type)],
        Some(Bytes::from(bytes)),
    )
    .await
}

const BOUNDARY: &str = "bantin-test-9f8e7d";

/// A multipart/form-data body: `(name, file bytes or text, is_file)`.
fn form(parts: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, data, is_file) in parts {
        body.extend(format!("--{BOUNDARY}\r\n").as_bytes());
        if *is_file {
            body.extend(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"anh.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
                    .as_bytes(),
            );
        } else {
            body.extend(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            );
        }
        body.extend(*data);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload_form(app: &TestApp, token: &str, parts: &[(&str, &[u8], bool)]) -> Resp {
    upload(
        app,
        token,
        &format!("multipart/form-data; boundary={BOUNDARY}"),
        form(parts),
    )
    .await
}

fn dims(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).expect("a served file decodes");
    (img.width(), img.height())
}

const FILES: [&str; 4] = ["original", "thumb", "medium", "large"];

db_test!(
    async fn each_format_uploads_with_variants_of_the_right_sizes_and_ratios(app) {
        let (_, token) = app.user("editor").await;
        for (content_type, bytes, w, h) in [
            ("image/jpeg", jpeg(2000, 1000), 2000, 1000),
            ("image/png", png(1200, 900), 1200, 900),
            ("image/webp", webp(500, 250), 500, 250),
        ] {
            let res = upload(&app, &token, content_type, bytes).await;
            assert_eq!(res.status, 201, "{content_type}: {}", String::from_utf8_lossy(&res.body));
            let m = res.json();
            let id = m["id"].as_i64().unwrap();
            assert!(id > 1 << 32 && id < 1 << 53, "random, below 2^53: {id}");
            assert_eq!(res.header("location"), Some(format!("/api/v1/media/{id}").as_str()));
            assert_eq!(m["kind"], "image");
            assert_eq!(m["content_type"], content_type);
            assert_eq!((m["width"].as_i64().unwrap(), m["height"].as_i64().unwrap()), (w, h));
            assert_eq!(m["version"], 1);
            assert_eq!(m["url"], format!("/api/v1/media/{id}/original"));
            for (name, max) in [("thumb", 320), ("medium", 800), ("large", 1600)] {
                let v = &m["variants"][name];
                let (vw, vh) = (v["width"].as_i64().unwrap(), v["height"].as_i64().unwrap());
                assert_eq!(vw, w.min(max), "{content_type} {name}: never upscaled");
                assert_eq!(vh, (h * vw + w / 2) / w, "{content_type} {name}: aspect ratio kept");
                assert_eq!(v["content_type"], "image/jpeg");
                assert_eq!(v["url"], format!("/api/v1/media/{id}/{name}"));
                let file = app.get(v["url"].as_str().unwrap()).await;
                assert_eq!(file.status, 200);
                assert_eq!(file.header("content-type"), Some("image/jpeg"));
                assert_eq!(dims(&file.body), (vw as u32, vh as u32));
                assert_eq!(file.body.len() as i64, v["byte_size"].as_i64().unwrap());
            }
            let original = app.get(&format!("/api/v1/media/{id}/original")).await;
            assert_eq!(original.header("content-type"), Some(content_type));
            assert_eq!(dims(&original.body), (w as u32, h as u32));
            assert_eq!(app.get(&format!("/api/v1/media/{id}")).await.json(), m);
        }
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM media").await, 3);
    }
);

db_test!(
    async fn exif_with_gps_and_comments_is_gone_from_every_served_file_and_orientation_is_applied(app) {
        let (_, token) = app.user("editor").await;
        let bytes = jpeg_with_exif_gps_and_comment(400, 200);
        assert!(bytes.windows(10).any(|w| w == b"GPS-SECRET"));
        let res = upload(&app, &token, "image/jpeg", bytes).await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        let m = res.json();
        // Orientation 6 turns a 400 × 200 photo upright: 200 × 400.
        assert_eq!((m["width"].as_i64(), m["height"].as_i64()), (Some(200), Some(400)));
        for name in FILES {
            let file = app.get(&format!("/api/v1/media/{}/{name}", m["id"])).await;
            assert_eq!(file.status, 200);
            for needle in [&b"Exif"[..], b"GPS-SECRET", b"SECRET-COMMENT", b"Tuan Chau"] {
                assert!(
                    !file.body.windows(needle.len()).any(|w| w == needle),
                    "{name} still holds {:?}",
                    String::from_utf8_lossy(needle)
                );
            }
            assert_eq!(dims(&file.body), (200, 400), "{name}: upright, not upscaled");
        }
    }
);

/// Peak memory of this process, in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

db_test!(
    async fn a_decompression_bomb_is_refused_from_its_header_with_memory_staying_low(app) {
        let (_, token) = app.user("editor").await;
        let bomb = png_bomb();
        assert!(bomb.len() < 200);
        let started = Instant::now();
        let res = upload(&app, &token, "image/png", bomb).await;
        let body = res.problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "file");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("100000 × 100000"));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM media").await, 0);
    }
);

/// Decoding the bomb would need 30 GB. Run alone in a child process (so that no other test's
/// memory counts), a server refusing it stays far below even 256 MiB at its peak.
#[test]
fn a_decompression_bomb_leaves_the_peak_memory_low() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "media::bomb_alone",
            "--nocapture",
            "--test-threads=1",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak: u64 = stdout
        .lines()
        .find_map(|l| l.split("peak_kib=").nth(1))
        .unwrap_or_else(|| panic!("the child did not run: {stdout}"))
        .trim()
        .parse()
        .unwrap();
    assert!(peak > 0 && peak < 256 * 1024, "peak memory {peak} KiB");
}

#[actix_web::test]
#[ignore = "run by a_decompression_bomb_leaves_the_peak_memory_low in a process of its own"]
async fn bomb_alone() {
    let app = TestApp::spawn(bantin::db::Backend::Sqlite).await.unwrap();
    let (_, token) = app.user("editor").await;
    let res = upload(&app, &token, "image/png", png_bomb()).await;
    res.problem(422, "validation_failed");
    println!("peak_kib={}", peak_kib());
}

db_test!(
    async fn wrong_types_sizes_and_roles_are_refused_and_change_nothing(app) {
        let (_, token) = app.user("editor").await;
        let (_, viewer) = app.user("viewer").await;
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
        upload(&app, &token, "image/svg+xml", svg.clone()).await.problem(415, "unsupported_media_type");
        upload(&app, &token, "image/png", svg).await.problem(415, "unsupported_media_type");
        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
        upload(&app, &token, "image/png", gif).await.problem(415, "unsupported_media_type");
        // The bytes decide: a PNG sent as a JPEG is refused, not guessed at.
        let p = upload(&app, &token, "image/jpeg", png(10, 10)).await.problem(415, "unsupported_media_type");
        assert!(p["detail"].as_str().unwrap().contains("image/png"));
        upload(&app, &token, "text/plain", png(10, 10)).await.problem(415, "unsupported_media_type");
        let auth = format!("Bearer {token}");
        app.request(Method::POST, "/api/v1/media", &[("Authorization", &auth)], Some(Bytes::from(png(10, 10))))
            .await
            .problem(415, "unsupported_media_type");
        // A JPEG cut short after its header.
        let mut cut = jpeg(300, 300);
        cut.truncate(300);
        let p = upload(&app, &token, "image/jpeg", cut).await.problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], "file");
        // Over 10 MiB, whatever it holds.
        let mut big = jpeg(16, 16);
        big.resize(10 * 1024 * 1024 + 1, 0);
        upload(&app, &token, "image/jpeg", big.clone()).await.problem(413, "payload_too_large");
        upload_form(&app, &token, &[("file", &big, true)]).await.problem(413, "payload_too_large");
        // Roles.
        app.request(Method::POST, "/api/v1/media", &[("Content-Type", "image/png")], Some(Bytes::from(png(10, 10))))
            .await
            .problem(401, "unauthorized");
        upload(&app, &viewer, "image/png", png(10, 10)).await.problem(403, "forbidden");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM media").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM media_blobs").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM changes WHERE resource = 'media'").await, 0);
    }
);

db_test!(
    async fn the_same_bytes_twice_give_the_same_record(app) {
        let (_, token) = app.user("editor").await;
        let bytes = png(64, 48);
        let first = upload(&app, &token, "image/png", bytes.clone()).await;
        assert_eq!(first.status, 201);
        let again = upload_form(&app, &token, &[("file", &bytes, true), ("caption", "Khác".as_bytes(), false)]).await;
        assert_eq!(again.status, 200, "{}", String::from_utf8_lossy(&again.body));
        assert_eq!(again.json(), first.json(), "the existing record, unchanged");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM media").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM media_blobs").await, 4);
        assert_eq!(first.json()["sha256"], hex_sha256(&bytes));
    }
);

fn hex_sha256(bytes: &[u8]) -> String {
    bantin::media::process::sha256_hex(bytes)
}

db_test!(
    async fn files_have_a_strong_etag_answer_304_and_are_cached_for_a_year(app) {
        let (_, token) = app.user("editor").await;
        let m = upload(&app, &token, "image/jpeg", jpeg(900, 600)).await.json();
        let url = format!("/api/v1/media/{}/medium", m["id"]);
        let first = app.get(&url).await;
        assert_eq!(first.status, 200);
        let etag = first.header("etag").unwrap().to_owned();
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "strong: {etag}");
        assert_eq!(first.header("cache-control"), Some("public, max-age=31536000, immutable"));
        let again = app.request(Method::GET, &url, &[("If-None-Match", &etag)], None).await;
        assert_eq!(again.status, 304);
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        let other = app.request(Method::GET, &url, &[("If-None-Match", "\"other\"")], None).await;
        assert_eq!(other.status, 200);
        // Unknown files and records.
        app.get(&format!("/api/v1/media/{}/huge", m["id"])).await.problem(404, "not_found");
        app.get("/api/v1/media/12345/medium").await.problem(404, "not_found");
        app.get("/api/v1/media/12345").await.problem(404, "not_found");
        app.get("/api/v1/media/abc/medium").await.problem(400, "bad_request");
    }
);

db_test!(
    async fn a_form_upload_carries_caption_alt_text_and_credit_and_is_validated(app) {
        let (_, token) = app.user("editor").await;
        let bytes = jpeg(640, 480);
        let res = upload_form(
            &app,
            &token,
            &[
                ("caption", "Toàn cảnh buổi làm việc".as_bytes(), false),
                ("file", &bytes, true),
                ("alt_text", "Các đại biểu ngồi quanh bàn họp".as_bytes(), false),
                ("credit", "Thu Hường".as_bytes(), false),
            ],
        )
        .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        let m = res.json();
        assert_eq!(m["caption"], "Toàn cảnh buổi làm việc");
        assert_eq!(m["alt_text"], "Các đại biểu ngồi quanh bàn họp");
        assert_eq!(m["credit"], "Thu Hường");

        let other = jpeg(641, 480);
        let long = "x".repeat(1001);
        let p = upload_form(&app, &token, &[("file", &other, true), ("caption", long.as_bytes(), false), ("album", b"x", false)])
            .await
            .problem(422, "validation_failed");
        let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"album") && fields.contains(&"caption"), "{fields:?}");
        let p = upload_form(&app, &token, &[("caption", b"no file", false)]).await.problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], "file");
        upload(&app, &token, "multipart/form-data", form(&[("file", &other, true)])).await.problem(400, "bad_request");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM media").await, 1);
    }
);

db_test!(
    async fn records_are_listed_patched_and_deleted_and_every_write_is_in_the_change_feed(app) {
        let (_, token) = app.user("editor").await;
        let (_, viewer) = app.user("viewer").await;
        let mut ids = Vec::new();
        for w in [100, 110, 120] {
            ids.push(upload(&app, &token, "image/png", png(w, 50)).await.json()["id"].as_i64().unwrap());
        }
        app.get("/api/v1/media").await.problem(401, "unauthorized");
        let list = app.get_as("/api/v1/media?limit=2&count=true", &viewer).await.json();
        assert_eq!(list["page"]["total"], 3);
        assert_eq!(list["data"].as_array().unwrap().len(), 2);
        assert_eq!(list["data"][0]["id"], ids[2], "newest first");
        let cursor = list["page"]["next_cursor"].as_str().unwrap();
        let rest = app.get_as(&format!("/api/v1/media?limit=2&cursor={cursor}"), &viewer).await.json();
        assert_eq!(rest["data"][0]["id"], ids[0]);
        assert!(rest["page"]["next_cursor"].is_null());
        app.get_as("/api/v1/media?kind=image", &viewer).await.problem(400, "bad_request");

        let path = format!("/api/v1/media/{}", ids[0]);
        let patched = app
            .json_with(Method::PATCH, &path, Some(&token), &json!({"caption": "Đại diện phường Hoàng Văn Thụ nêu ý kiến", "credit": "Văn Hiệp"}), &[("If-Match", "\"1\"")])
            .await;
        assert_eq!(patched.status, 200, "{}", String::from_utf8_lossy(&patched.body));
        assert_eq!(patched.json()["version"], 2);
        assert_eq!(patched.json()["caption"], "Đại diện phường Hoàng Văn Thụ nêu ý kiến");
        app.json_with(Method::PATCH, &path, Some(&token), &json!({"caption": null}), &[("If-Match", "\"1\"")])
            .await
            .problem(412, "precondition_failed");
        let p = app.json(Method::PATCH, &path, Some(&token), &json!({"width": 5, "credit": ""})).await.problem(422, "validation_failed");
        assert_eq!(p["errors"].as_array().unwrap().len(), 2);
        app.json(Method::PATCH, &path, Some(&viewer), &json!({"credit": "x"})).await.problem(403, "forbidden");
        let cleared = app.json(Method::PATCH, &path, Some(&token), &json!({"credit": null})).await.json();
        assert!(cleared["credit"].is_null());
        assert_eq!(cleared["caption"], "Đại diện phường Hoàng Văn Thụ nêu ý kiến");

        let auth = format!("Bearer {token}");
        let res = app.request(Method::DELETE, &path, &[("Authorization", &auth)], None).await;
        assert_eq!(res.status, 204);
        app.get(&path).await.problem(404, "not_found");
        app.get(&format!("{path}/thumb")).await.problem(404, "not_found");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM media_blobs").await, 8);
        app.request(Method::DELETE, &path, &[("Authorization", &auth)], None).await.problem(404, "not_found");

        let feed = app.get_as("/api/v1/changes?resources=media", &viewer).await.json();
        let actions: Vec<(i64, String)> = feed["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["id"] == ids[0])
            .map(|c| (c["version"].as_i64().unwrap(), c["action"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(
            actions,
            [(1, "created".to_owned()), (2, "updated".to_owned()), (3, "updated".to_owned()), (4, "deleted".to_owned())]
        );
    }
);

db_test!(
    async fn articles_show_a_cover_and_a_gallery_embedded_with_include_and_in_use_media_is_a_409(app) {
        let (_, token) = app.user("editor").await;
        let cover = upload(&app, &token, "image/jpeg", jpeg(1000, 500)).await.json();
        let photo = upload(&app, &token, "image/png", png(300, 300)).await.json();
        let bad = app
            .json(Method::POST, "/api/v1/articles", Some(&token), &json!({
                "title": "Ảnh", "body": "b", "cover_media_id": 999, "media": [{"media_id": photo["id"]}, {"media_id": 998}]
            }))
            .await
            .problem(422, "validation_failed");
        let fields: Vec<&str> = bad["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["cover_media_id", "media[1].media_id"]);

        let article = app
            .json(Method::POST, "/api/v1/articles", Some(&token), &json!({
                "title": "BTV Thành ủy làm việc với Đảng ủy phường Tuần Châu", "body": "b", "status": "published",
                "cover_media_id": cover["id"],
                "media": [
                    {"media_id": photo["id"], "caption": "Toàn cảnh buổi làm việc"},
                    {"media_id": cover["id"], "caption": "Đại diện phường nêu ý kiến"}
                ]
            }))
            .await;
        assert_eq!(article.status, 201, "{}", String::from_utf8_lossy(&article.body));
        let article = article.json();
        let id = article["id"].as_i64().unwrap();
        assert!(article.get("cover_media").is_none(), "only with include=media");
        assert_eq!(article["media"][0], json!({"media_id": photo["id"], "caption": "Toàn cảnh buổi làm việc"}));

        let full = app.get(&format!("/api/v1/articles/{id}?include=media")).await.json();
        assert_eq!(full["cover_media"], cover);
        assert_eq!(full["media"][0]["media"], photo);
        assert_eq!(full["media"][1]["caption"], "Đại diện phường nêu ý kiến");
        assert_eq!(full["media"][1]["media"]["variants"]["medium"]["url"], format!("/api/v1/media/{}/medium", cover["id"]));

        // A list embeds them at a fixed number of statements, whatever the number of articles.
        let before = app.db.statements();
        let list = app.get("/api/v1/articles?include=media&limit=100").await.json();
        let with_media = app.db.statements() - before;
        let before = app.db.statements();
        app.get("/api/v1/articles?limit=100").await;
        let without = app.db.statements() - before;
        assert_eq!(with_media - without, 2);
        let listed = list["data"].as_array().unwrap().iter().find(|a| a["id"] == id).unwrap();
        assert_eq!(listed["cover_media"]["id"], cover["id"]);
        app.get("/api/v1/articles?include=photos").await.problem(400, "bad_request");

        let auth = format!("Bearer {token}");
        for m in [&cover, &photo] {
            let p = app
                .request(Method::DELETE, &format!("/api/v1/media/{}", m["id"]), &[("Authorization", &auth)], None)
                .await
                .problem(409, "conflict");
            assert!(p["detail"].as_str().unwrap().contains(&format!("article ({id})")), "{p}");
        }
        // Once no article shows it, it can go.
        app.json(Method::PATCH, &format!("/api/v1/articles/{id}"), Some(&token), &json!({"media": []})).await;
        let res = app.request(Method::DELETE, &format!("/api/v1/media/{}", photo["id"]), &[("Authorization", &auth)], None).await;
        assert_eq!(res.status, 204);
        app.request(Method::DELETE, &format!("/api/v1/media/{}", cover["id"]), &[("Authorization", &auth)], None)
            .await
            .problem(409, "conflict");
    }
);

/// Uploads, serves, de-duplicates and deletes through whatever store `app` was given.
async fn exercise_store(app: &TestApp) -> (i64, Value) {
    let (_, token) = app.user("editor").await;
    let bytes = jpeg(1700, 850);
    let m = upload(app, &token, "image/jpeg", bytes.clone()).await;
    assert_eq!(m.status, 201, "{}", String::from_utf8_lossy(&m.body));
    let m = m.json();
    let id = m["id"].as_i64().unwrap();
    for name in FILES {
        let file = app.get(&format!("/api/v1/media/{id}/{name}")).await;
        assert_eq!(file.status, 200, "{name}");
        let expected = if name == "original" {
            (1700, 850)
        } else {
            (
                m["variants"][name]["width"].as_i64().unwrap() as u32,
                m["variants"][name]["height"].as_i64().unwrap() as u32,
            )
        };
        assert_eq!(dims(&file.body), expected);
    }
    assert_eq!(upload(app, &token, "image/jpeg", bytes).await.status, 200);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM media_blobs").await,
        0,
        "bytes are not in the database"
    );
    (id, m)
}

async fn delete_media(app: &TestApp, id: i64) {
    let (_, token) = app.user("editor").await;
    let auth = format!("Bearer {token}");
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/v1/media/{id}"),
            &[("Authorization", &auth)],
            None,
        )
        .await;
    assert_eq!(res.status, 204);
}

#[actix_web::test]
async fn the_file_store_keeps_files_under_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("media");
    let options = Options {
        media_store: Some(StoreSetting::File(root.clone())),
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    let (id, _) = exercise_store(&app).await;
    for name in FILES {
        assert!(root.join(id.to_string()).join(name).is_file(), "{name}");
    }
    delete_media(&app, id).await;
    assert!(
        !root.join(id.to_string()).exists(),
        "the files go with the record"
    );
}

/// An S3-protocol server (moto in server mode) on a free port of 127.0.0.1, stopped on drop.
struct S3Server {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_s3_server() -> Result<S3Server, String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let child = std::process::Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start moto_server (pip install 'moto[server]'): {e}"))?;
    let server = S3Server {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err("moto_server did not listen within 30 s".into())
}

#[actix_web::test]
async fn the_s3_store_keeps_files_in_a_bucket() {
    let server = match start_s3_server() {
        Ok(s) => s,
        Err(reason) => {
            eprintln!("skipped: no S3-protocol server: {reason}");
            return;
        }
    };
    let client = crate::helpers::client();
    let bucket = "bantin-anh";
    let made = crate::helpers::send(
        &client,
        Method::PUT,
        &format!("{}/{bucket}", server.endpoint),
        &[],
        None,
    )
    .await;
    assert_eq!(
        made.status,
        200,
        "create bucket: {}",
        String::from_utf8_lossy(&made.body)
    );
    let options = Options {
        media_store: Some(StoreSetting::S3 {
            bucket: bucket.into(),
            prefix: "tin/anh".into(),
            options: vec![
                ("aws_endpoint_url".into(), server.endpoint.clone()),
                ("aws_access_key_id".into(), "test".into()),
                ("aws_secret_access_key".into(), "test".into()),
                ("aws_region".into(), "us-east-1".into()),
            ],
        }),
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    let (id, _) = exercise_store(&app).await;
    let listing = |client: awc::Client, url: String| async move {
        let res = crate::helpers::send(&client, Method::GET, &url, &[], None).await;
        String::from_utf8_lossy(&res.body).into_owned()
    };
    let url = format!("{}/{bucket}?list-type=2&prefix=tin/anh/", server.endpoint);
    let objects = listing(client.clone(), url.clone()).await;
    for name in FILES {
        assert!(
            objects.contains(&format!("<Key>tin/anh/{id}/{name}</Key>")),
            "{name}: {objects}"
        );
    }
    delete_media(&app, id).await;
    let objects = listing(client, url).await;
    assert!(
        !objects.contains("<Key>"),
        "the objects go with the record: {objects}"
    );
}

db_test!(
    async fn an_idempotency_key_replays_the_first_upload_and_refuses_other_bytes(app) {
        let (_, token) = app.user("editor").await;
        let auth = format!("Bearer {token}");
        let send = |bytes: Vec<u8>| {
            let auth = auth.clone();
            let app = &app;
            async move {
                app.request(
                    Method::POST,
                    "/api/v1/media",
                    &[("Authorization", &auth), ("Content-Type", "image/png"), ("Idempotency-Key", "anh-1")],
                    Some(bytes.into()),
                )
                .await
            }
        };
        let first = send(png(40, 30)).await;
        assert_eq!(first.status, 201, "{}", String::from_utf8_lossy(&first.body));
        let again = send(png(40, 30)).await;
        assert_eq!(again.status, 201);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.json()["id"], first.json()["id"]);
        send(png(41, 30)).await.problem(422, "validation_failed");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM media").await, 1);
    }
);
