//! What a public deployment needs to be safe: bounded metrics, a login throttle nobody can turn
//! against someone else, the client behind a proxy, tokens that die with a password, links that no
//! header can forge, and the smaller findings of the audit.

use actix_web::http::Method;
use bantin::db::Backend;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::{Options, TestApp, PASSWORD};

fn login_body(username: &str, password: &str) -> Value {
    json!({"username": username, "password": password})
}

/// A login attempt as a trusted proxy forwards it from `client`.
async fn login_from(app: &TestApp, client: &str, username: &str, password: &str) -> u16 {
    app.json_with(
        Method::POST,
        "/api/v1/auth/token",
        None,
        &login_body(username, password),
        &[("X-Forwarded-For", client)],
    )
    .await
    .status
}

// 1. /metrics

db_test!(
    with Options { metrics_token: Some("scrape-token-0123456789"), ..Options::default() };
    async fn metrics_labels_are_bounded_and_the_token_guards_them(app) {
        let auth = "Bearer scrape-token-0123456789";
        let before = app.request(Method::GET, "/metrics", &[("Authorization", auth)], None).await;
        assert_eq!(before.status, 200);
        for i in 0..40 {
            let method = Method::from_bytes(format!("MADEUP{i}{}", "X".repeat(200)).as_bytes()).unwrap();
            let res = app.request(method, "/api/v1/articles", &[], None).await;
            assert!(res.status >= 400, "{}", res.status);
        }
        let after = app.request(Method::GET, "/metrics", &[("Authorization", auth)], None).await;
        assert_eq!(after.status, 200);
        let text = String::from_utf8_lossy(&after.body);
        assert!(!text.contains("MADEUP"), "a made-up method became a label");
        assert!(text.contains("method=\"OTHER\""), "{text}");
        assert!(
            after.body.len() < before.body.len() + 8 * 1024,
            "40 made-up methods grew the scrape from {} to {} bytes",
            before.body.len(),
            after.body.len()
        );
        // Without the token, or with another one (a user's token is not it either): 401.
        app.get("/metrics").await.problem(401, "unauthorized");
        app.request(Method::GET, "/metrics", &[("Authorization", "Bearer wrong-token-0123456789")], None)
            .await
            .problem(401, "unauthorized");
        let (_, admin) = app.user("admin").await;
        app.get_as("/metrics", &admin).await.problem(401, "unauthorized");
    }
);

// 2. The login throttle

db_test!(
    with Options { trusted_proxies: Some("127.0.0.1/32"), ..Options::default() };
    async fn failures_from_one_address_do_not_lock_the_account_out_elsewhere(app) {
        app.create_user("admin1", "admin").await;
        for _ in 0..5 {
            assert_eq!(login_from(&app, "198.51.100.66", "admin1", "sai mật khẩu rồi!").await, 401);
        }
        // The guessing address is slowed down, even with the right password...
        assert_eq!(login_from(&app, "198.51.100.66", "admin1", PASSWORD).await, 429);
        // ...but the owner, from an address that has not failed, gets in.
        assert_eq!(login_from(&app, "203.0.113.7", "admin1", PASSWORD).await, 200);
        // Failures for many usernames from one address slow that address down.
        for i in 0..5 {
            assert_eq!(login_from(&app, "198.51.100.99", &format!("nobody{i}"), "sai mật khẩu rồi!").await, 401);
        }
        assert_eq!(login_from(&app, "198.51.100.99", "admin1", PASSWORD).await, 429);
        // A right password does not count as a failure.
        for _ in 0..6 {
            assert_eq!(login_from(&app, "203.0.113.8", "admin1", PASSWORD).await, 200);
        }
    }
);

db_test!(
    async fn parallel_guesses_from_one_address_verify_at_most_the_limit(app) {
        app.create_user("song-song", "editor").await;
        let guesses = (0..30).map(|i| {
            let body = login_body("song-song", &format!("đoán mò lần thứ {i}"));
            let app = &app;
            async move { app.json(Method::POST, "/api/v1/auth/token", None, &body).await.status }
        });
        let statuses = futures_util::future::join_all(guesses).await;
        let refused = statuses.iter().filter(|s| **s == 429).count();
        let checked = statuses.iter().filter(|s| **s == 401).count();
        assert_eq!((checked, refused), (5, 25), "{statuses:?}");
        assert_eq!(app.count("SELECT count(*) AS n FROM login_failures WHERE scope = 'address'").await, 5);
    }
);

db_test!(
    async fn attempts_are_counted_per_address_and_per_username_at_that_address(app) {
        use bantin::auth::throttle;
        let result = app
            .db
            .run(|conn| {
                for _ in 0..5 {
                    throttle::begin(conn, "10.0.0.1", "target")?;
                }
                let same_place = throttle::begin(conn, "10.0.0.1", "target").is_err();
                let elsewhere = throttle::begin(conn, "10.9.9.9", "target").is_ok();
                for i in 0..5 {
                    throttle::begin(conn, "10.1.1.1", &format!("user{i}"))?;
                }
                let by_address = throttle::begin(conn, "10.1.1.1", "fresh").is_err();
                let ok = throttle::begin(conn, "10.2.2.2", "fresh")?;
                throttle::succeeded(conn, ok)?;
                Ok((same_place, elsewhere, by_address))
            })
            .await
            .unwrap();
        assert_eq!(result, (true, true, true));
    }
);

// 3. The client address

db_test!(
    with Options { rate_limit: Some(1), trusted_proxies: Some("127.0.0.1/32"), ..Options::default() };
    async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(app) {
        let get = |client: &'static str| {
            let app = &app;
            async move {
                app.request(Method::GET, "/api/v1/organizations?limit=1", &[("X-Forwarded-For", client)], None)
                    .await
                    .status
            }
        };
        let mut first = Vec::new();
        for _ in 0..6 {
            first.push(get("198.51.100.1").await);
        }
        assert!(first.contains(&429), "one client is limited: {first:?}");
        assert_eq!(get("198.51.100.2").await, 200, "another client behind the same proxy is not");
        // IPv6 clients are counted by their /64.
        let mut v6 = Vec::new();
        for i in 0..6 {
            v6.push(app.request(Method::GET, "/api/v1/organizations?limit=1", &[("X-Forwarded-For", &format!("2001:db8:7:7::{i:x}"))], None).await.status);
        }
        assert!(v6.contains(&429), "one /64 is one client: {v6:?}");
        // The proxy appends; a made-up left-most entry changes nothing.
        assert_eq!(
            app.request(Method::GET, "/api/v1/organizations?limit=1", &[("X-Forwarded-For", "198.51.100.1, 198.51.100.3")], None).await.status,
            200
        );
    }
);

db_test!(
    with Options { rate_limit: Some(1), ..Options::default() };
    async fn forwarded_headers_from_an_untrusted_peer_are_ignored(app) {
        let mut statuses = Vec::new();
        for i in 0..6 {
            let forged = format!("198.51.100.{i}");
            statuses.push(
                app.request(Method::GET, "/api/v1/organizations?limit=1", &[("X-Forwarded-For", &forged), ("Forwarded", &format!("for={forged}")), ("X-Real-IP", &forged)], None)
                    .await
                    .status,
            );
        }
        assert!(statuses.contains(&429), "rotating X-Forwarded-For escaped the limit: {statuses:?}");
    }
);

// 4. Tokens and account changes

db_test!(
    async fn password_role_and_disable_changes_end_the_tokens_issued_before(app) {
        let (_, admin) = app.user("admin").await;
        let id = app.create_user("doi-mat-khau", "editor").await;
        let path = format!("/api/v1/users/{id}");
        let old = app.login("doi-mat-khau", PASSWORD).await;
        assert_eq!(app.get_as("/api/v1/auth/me", &old).await.status, 200);

        let new_password = "một mật khẩu mới hẳn 2026";
        assert_eq!(app.json(Method::PATCH, &path, Some(&admin), &json!({"password": new_password})).await.status, 200);
        app.get_as("/api/v1/auth/me", &old).await.problem(401, "unauthorized");
        let fresh = app.login("doi-mat-khau", new_password).await;
        assert_eq!(app.get_as("/api/v1/auth/me", &fresh).await.status, 200);

        // Disabling ends it, and enabling again does not revive it.
        assert_eq!(app.json(Method::PATCH, &path, Some(&admin), &json!({"disabled": true})).await.status, 200);
        assert_eq!(app.json(Method::PATCH, &path, Some(&admin), &json!({"disabled": false})).await.status, 200);
        app.get_as("/api/v1/auth/me", &fresh).await.problem(401, "unauthorized");

        // A role change too; a display name change does not.
        let third = app.login("doi-mat-khau", new_password).await;
        assert_eq!(app.json(Method::PATCH, &path, Some(&admin), &json!({"display_name": "Biên tập viên"})).await.status, 200);
        assert_eq!(app.get_as("/api/v1/auth/me", &third).await.status, 200);
        assert_eq!(app.json(Method::PATCH, &path, Some(&admin), &json!({"role": "viewer"})).await.status, 200);
        app.get_as("/api/v1/auth/me", &third).await.problem(401, "unauthorized");
        let fourth = app.login("doi-mat-khau", new_password).await;
        assert_eq!(app.get_as("/api/v1/auth/me", &fourth).await.json()["role"], "viewer");
    }
);

// 5. Links

async fn feeds_of(app: &TestApp, headers: &[(&str, &str)]) -> String {
    let mut all = String::new();
    for path in [
        "/feeds/articles.rss",
        "/feeds/articles.atom",
        "/feeds/meetings.ics?directives=true",
    ] {
        let res = app.request(Method::GET, path, headers, None).await;
        assert_eq!(res.status, 200, "{path}");
        all.push_str(&String::from_utf8_lossy(&res.body));
    }
    all
}

db_test!(
    async fn no_request_header_reaches_a_link(app) {
        let forged = [
            ("Host", "evil.example"),
            ("X-Forwarded-Host", "evil.example"),
            ("X-Forwarded-Proto", "gopher"),
            ("Forwarded", "host=evil.example;proto=gopher"),
        ];
        let text = feeds_of(&app, &forged).await;
        assert!(!text.contains("evil.example") && !text.contains("gopher"), "a forged header reached a feed");
        assert!(text.contains("http://127.0.0.1:8080/api/v1/articles/"), "links use the bind address");
        let spec = app.request(Method::GET, "/openapi.json", &forged, None).await.json();
        assert_eq!(spec["servers"][0]["url"], "/", "the spec's server is relative");
    }
);

db_test!(
    with Options { public_url: Some("https://api.tinhuy.example.vn"), ..Options::default() };
    async fn the_public_url_is_the_base_of_every_absolute_link(app) {
        let text = feeds_of(&app, &[("X-Forwarded-Host", "evil.example")]).await;
        assert!(!text.contains("evil.example"));
        assert!(text.contains("https://api.tinhuy.example.vn/api/v1/articles/"), "{}", &text[..400]);
        assert!(text.contains("@api.tinhuy.example.vn"), "calendar UIDs name the public host");
        let spec = app.get("/openapi.json").await.json();
        assert_eq!(spec["servers"][0]["url"], "https://api.tinhuy.example.vn");
    }
);

// 6. Smaller findings

db_test!(
    async fn every_answer_says_nosniff_and_stored_files_cannot_run(app) {
        let (_, editor) = app.user("editor").await;
        let photo = crate::media::upload(&app, &editor, "image/png", crate::media::png(64, 48)).await;
        assert_eq!(photo.status, 201);
        let id = photo.json()["id"].as_i64().unwrap();
        for (method, path) in [
            (Method::GET, "/api/v1/articles".to_owned()),
            (Method::GET, "/api/v1/articles/999999".to_owned()),
            (Method::GET, "/api/v1/nowhere".to_owned()),
            (Method::DELETE, "/api/v1/articles/1".to_owned()),
            (Method::GET, "/metrics".to_owned()),
            (Method::GET, "/openapi.json".to_owned()),
            (Method::GET, "/feeds/articles.rss".to_owned()),
            (Method::GET, "/health/live".to_owned()),
            (Method::GET, format!("/api/v1/media/{id}/original")),
        ] {
            let res = app.request(method.clone(), &path, &[], None).await;
            assert_eq!(res.header("x-content-type-options"), Some("nosniff"), "{method} {path}");
        }
        let file = app.get(&format!("/api/v1/media/{id}/thumb")).await;
        assert_eq!(file.status, 200);
        assert_eq!(file.header("content-security-policy"), Some("default-src 'none'; sandbox"));
    }
);

db_test!(
    async fn anonymous_readers_see_no_login_names_in_directive_updates(app) {
        let (author_id, token) = app.user("editor").await;
        let note = |text: &str| json!({"note": text});
        let first = app.json(Method::POST, "/api/v1/directives/1/updates", Some(&token), &note("Đã triển khai.")).await;
        assert_eq!(first.status, 201);
        let first_id = first.json()["id"].as_i64().unwrap();
        let username = first.json()["author_name"].as_str().unwrap().to_owned();
        assert!(username.starts_with("editor-"), "signed in, the author shows: {username}");

        let anonymous = app.get(&format!("/api/v1/directives/1/updates/{first_id}")).await.json();
        assert_eq!(anonymous["author_user_id"], Value::Null);
        assert_eq!(anonymous["author_name"], Value::Null);
        let listed = app.get("/api/v1/directives/1/updates").await;
        assert!(!String::from_utf8_lossy(&listed.body).contains(&username), "a login name in an anonymous list");
        let signed_in = app.get_as(&format!("/api/v1/directives/1/updates/{first_id}"), &token).await.json();
        assert_eq!(signed_in["author_user_id"], author_id);
        assert_eq!(signed_in["author_name"], username.as_str());

        // With a display name, anonymous readers see that name (and still no id).
        let (_, admin) = app.user("admin").await;
        app.json(Method::PATCH, &format!("/api/v1/users/{author_id}"), Some(&admin), &json!({"display_name": "Văn phòng Thành ủy"})).await;
        let second = app.json(Method::POST, "/api/v1/directives/1/updates", Some(&token), &note("Đã hoàn thành.")).await.json();
        let anonymous = app.get(&format!("/api/v1/directives/1/updates/{}", second["id"])).await.json();
        assert_eq!(anonymous["author_name"], "Văn phòng Thành ủy");
        assert_eq!(anonymous["author_user_id"], Value::Null);
    }
);

db_test!(
    with Options { webhooks: Some(bantin::config::WebhookSettings { worker: false, ..Default::default() }), ..Options::default() };
    async fn webhook_urls_that_embed_an_internal_ipv4_address_are_refused(app) {
        let (_, admin) = app.user("admin").await;
        for url in [
            "http://[::127.0.0.1]/hook",
            "http://[::ffff:10.0.0.1]/hook",
            "http://[64:ff9b::a9fe:a9fe]/hook",
            "http://[2002:7f00:1::1]/hook",
            "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",
            "http://[fd12::1]/hook",
        ] {
            let res = app.json(Method::POST, "/api/v1/webhooks", Some(&admin), &json!({"url": url})).await;
            let problem = res.problem(422, "validation_failed");
            assert_eq!(problem["errors"][0]["field"], "url", "{url}");
        }
        assert_eq!(app.count("SELECT count(*) AS n FROM webhooks").await, 0);
    }
);

/// Walks a list through its cursors, at most `pages` requests; returns the ids and the pages.
async fn walk_ids(app: &TestApp, first: &str, pages: usize) -> (Vec<i64>, usize) {
    let mut ids = Vec::new();
    let mut url = first.to_owned();
    for n in 1..=pages {
        let res = app.get(&url).await;
        assert_eq!(res.status, 200, "{url}");
        let body = res.json();
        ids.extend(crate::helpers::ids_of(&body["data"]));
        match body["page"]["next_cursor"].as_str() {
            Some(cursor) => url = format!("{first}&cursor={cursor}"),
            None => return (ids, n),
        }
    }
    panic!("{first}: more than {pages} pages");
}

db_test!(
    with Options { search_examine_limit: Some(5), ..Options::default() };
    async fn a_narrowed_search_examines_a_bounded_number_of_documents_per_request(app) {
        let (_, editor) = app.user("editor").await;
        for i in 0..12 {
            let category = if i % 3 == 0 { "giới hạn" } else { "khác" };
            let res = app.json(Method::POST, "/api/v1/articles", Some(&editor), &json!({
                "title": format!("Kiểm soát khối lượng tìm kiếm số {i}"), "body": "Nội dung.",
                "status": "published", "category": category
            })).await;
            assert_eq!(res.status, 201);
        }
        // A filter that lets nothing through: each request looks at 5 documents at most and says
        // where to go on; the walk ends.
        let (ids, pages) = walk_ids(&app, "/api/v1/articles?q=khoi%20luong&category=kh%C3%B4ng%20c%C3%B3", 10).await;
        assert!(ids.is_empty());
        assert_eq!(pages, 3, "12 matches, 5 examined per request");
        // A filter that lets some through: the walk finds exactly those, in the ranked order.
        let all: Vec<i64> = crate::helpers::ids_of(&app.get("/api/v1/articles?q=khoi%20luong&limit=100").await.json()["data"]);
        assert_eq!(all.len(), 12);
        let (narrowed, _) = walk_ids(&app, "/api/v1/articles?q=khoi%20luong&category=gi%E1%BB%9Bi%20h%E1%BA%A1n&limit=2", 20).await;
        let mut expected = Vec::new();
        for id in all {
            let a = app.get(&format!("/api/v1/articles/{id}")).await.json();
            if a["category"] == "giới hạn" {
                expected.push(id);
            }
        }
        assert_eq!(narrowed, expected);
    }
);

// Import: media like uploads, long lines, and a quiet log

async fn export_with_a_photo(app: &TestApp) -> Vec<u8> {
    let (_, editor) = app.user("editor").await;
    let res = crate::media::upload(
        app,
        &editor,
        "image/jpeg",
        crate::media::jpeg_with_exif_gps_and_comment(40, 30),
    )
    .await;
    assert_eq!(res.status, 201);
    app.db
        .run(|conn| {
            let mut out = Vec::new();
            bantin::sync::dataset::export(conn, &mut out, |_, _| {})
                .map_err(bantin::error::ApiError::internal)?;
            Ok(out)
        })
        .await
        .unwrap()
}

fn replace_original_bytes(export: &[u8], bytes: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let mut out = Vec::new();
    for line in export.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let mut record: Value = serde_json::from_slice(line).unwrap();
        if record["type"] == "media_blob" && record["data"]["variant"] == "original" {
            record["data"]["bytes"] = base64::engine::general_purpose::STANDARD
                .encode(bytes)
                .into();
        }
        out.extend(serde_json::to_vec(&record).unwrap());
        out.push(b'\n');
    }
    out
}

async fn import_fresh(
    backend: Backend,
    bytes: Vec<u8>,
) -> Option<(
    Result<(), String>,
    bantin::db::Db,
    crate::helpers::TestDatabase,
)> {
    let (url, guard) = crate::helpers::fresh_database(backend)?;
    let db = bantin::db::Db::open(&url, 2, std::time::Duration::from_secs(5)).unwrap();
    bantin::startup::migrate(&mut db.pool().get().unwrap()).unwrap();
    let result = db
        .run(move |conn| {
            Ok(bantin::sync::dataset::import(
                conn,
                &mut &bytes[..],
                bantin::startup::search_docs,
                |_| {},
            )
            .map(|_| ())
            .map_err(|e| e.to_string()))
        })
        .await
        .unwrap();
    Some((result, db, guard))
}

db_test!(
    async fn imported_media_are_sniffed_and_stripped_like_uploads(app) {
        let export = export_with_a_photo(&app).await;
        let backend = app.backend;
        // The export as it is imports unchanged.
        let (ok, _, _g) = import_fresh(backend, export.clone()).await.unwrap();
        ok.unwrap();
        // Bytes that are not an image are refused with their line.
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
        let (refused, db, _g) = import_fresh(backend, replace_original_bytes(&export, svg)).await.unwrap();
        let why = refused.unwrap_err();
        assert!(why.starts_with("line ") && why.contains("not the image/jpeg"), "{why}");
        let n = db.run(|conn| { use diesel::prelude::*; Ok(bantin::db::schema::articles::table.count().get_result::<i64>(conn)?) }).await.unwrap();
        assert_eq!(n, 0, "nothing was imported");
        // A JPEG that carries EXIF and a comment comes in without them, its hash following.
        let dirty = crate::media::jpeg_with_exif_gps_and_comment(40, 30);
        let (ok, db, _g) = import_fresh(backend, replace_original_bytes(&export, &dirty)).await.unwrap();
        ok.unwrap();
        let (bytes, sha): (Vec<u8>, String) = db
            .run(|conn| {
                use bantin::db::schema::{media_blobs, media_files};
                use diesel::prelude::*;
                let bytes = media_blobs::table.filter(media_blobs::variant.eq("original")).select(media_blobs::bytes).first(conn)?;
                let sha = media_files::table.filter(media_files::variant.eq("original")).select(media_files::sha256).first(conn)?;
                Ok((bytes, sha))
            })
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("GPS-SECRET") && !text.contains("SECRET-COMMENT"));
        assert_eq!(sha, bantin::media::process::sha256_hex(&bytes));
    }
);

#[actix_web::test]
async fn an_import_line_over_the_limit_is_refused_with_its_number() {
    let mut file = b"\n".to_vec();
    file.extend(vec![
        b' ';
        bantin::sync::dataset::MAX_LINE_BYTES as usize + 10
    ]);
    file.push(b'\n');
    let (result, _, _g) = import_fresh(Backend::Sqlite, file).await.unwrap();
    let why = result.unwrap_err();
    assert!(why.starts_with("line 2: the line is longer than"), "{why}");
}

#[test]
fn an_import_into_a_fresh_embedded_database_logs_no_error() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let run = |db: &str, args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_bantin"))
            .args(args)
            .env(
                "BANTIN_DATABASE_URL",
                format!("sqlite://{}/{db}", dir.path().display()),
            )
            .env("BANTIN_JWT_SECRET", crate::helpers::TEST_SECRET)
            .env("BANTIN_LOG", "info")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let file = dir.path().join("demo.jsonl");
    let file = file.to_str().unwrap();
    run("source.db", &["demo"]);
    run("source.db", &["export", file]);
    let log = run("fresh.db", &["import", file]);
    assert!(!log.contains("ERROR"), "{log}");
}
