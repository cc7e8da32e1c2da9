//! The shared write path, shown on articles: create, merge patch, delete, validation,
//! preconditions, idempotency, limits and transactions.

use actix_web::http::Method;
use actix_web::web::Bytes;
use serde_json::json;

use crate::db_test;
use crate::helpers::problem_fields as fields;
use crate::helpers::TestApp;

async fn editor(app: &TestApp) -> String {
    app.user("editor").await.1
}

db_test!(
    async fn creating_an_article_returns_201_with_location_and_a_folded_slug(app) {
        let token = editor(&app).await;
        let body = json!({"title": "Làm việc với Đảng ủy", "body": "Nội dung", "authors": ["Thu Hường"], "status": "published", "meeting_ids": [1]});
        let res = app.json(Method::POST, "/api/v1/articles", Some(&token), &body).await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        let created = res.json();
        assert_eq!(created["slug"], "lam-viec-voi-dang-uy");
        assert_eq!(created["version"], 1);
        assert_eq!(created["authors"], json!(["Thu Hường"]));
        assert_eq!(created["meeting_ids"], json!([1]));
        assert!(created["published_at"].is_string(), "publishing stamps the time");
        assert_eq!(res.header("etag"), Some("\"1\""));
        let location = res.header("location").unwrap().to_owned();
        assert_eq!(location, format!("/api/v1/articles/{}", created["id"]));
        assert_eq!(app.get(&location).await.json(), created);
        // The same title again gets a unique slug.
        let again = app.json(Method::POST, "/api/v1/articles", Some(&token), &body).await.json();
        assert_eq!(again["slug"], "lam-viec-voi-dang-uy-2");
        // A chosen slug that is taken is a conflict.
        let taken = app.json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": "x", "body": "y", "slug": "lam-viec-voi-dang-uy"})).await;
        taken.problem(409, "conflict");
    }
);

db_test!(
    async fn text_is_stored_nfc_normalised(app) {
        let token = editor(&app).await;
        let decomposed = "Tua\u{0302}\u{0300}n Cha\u{0302}u";
        let res = app.json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": decomposed, "body": decomposed})).await;
        let created = res.json();
        assert_eq!(created["title"], "Tuần Châu");
        assert_eq!(created["slug"], "tuan-chau");
    }
);

db_test!(
    async fn every_field_problem_is_reported_at_once_and_nothing_is_written(app) {
        let token = editor(&app).await;
        let before = app.count("SELECT COUNT(*) AS n FROM articles").await;
        let body = json!({
            "summary": 5,
            "status": "secret",
            "authors": ["", 3],
            "meeting_ids": [1, 424242],
            "source_url": "ftp://x",
            "published_at": "hôm qua",
            "slug": "Không Hợp Lệ",
            "colour": "red",
            "id": 9
        });
        let res = app.json(Method::POST, "/api/v1/articles", Some(&token), &body).await;
        let problem = res.problem(422, "validation_failed");
        let mut got = fields(&problem);
        got.sort();
        let mut want = vec!["title", "body", "summary", "status", "authors[0]", "authors[1]", "source_url", "published_at", "slug", "colour", "id"];
        want.sort();
        assert_eq!(got, want, "{problem}");
        // References are checked once the body is well-formed.
        let res = app.json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": "t", "body": "b", "meeting_ids": [1, 424242], "cover_media_id": 77, "media": [{"media_id": 5, "caption": "Toàn cảnh"}]})).await;
        let problem = res.problem(422, "validation_failed");
        assert_eq!(fields(&problem), vec!["meeting_ids[1]", "cover_media_id", "media[0].media_id"]);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM articles").await, before);
    }
);

db_test!(
    async fn malformed_oversized_and_mistyped_bodies_get_their_own_status(app) {
        let token = editor(&app).await;
        let auth = format!("Bearer {token}");
        let send = |body: &'static [u8], content_type: &'static str| {
            let auth = auth.clone();
            let app = &app;
            async move {
                app.request(Method::POST, "/api/v1/articles", &[("Authorization", &auth), ("Content-Type", content_type)], Some(Bytes::from_static(body))).await
            }
        };
        send(b"{\"title\": ", "application/json").await.problem(400, "bad_request");
        send(b"[1, 2]", "application/json").await.problem(422, "validation_failed");
        send(b"title=x", "application/x-www-form-urlencoded").await.problem(415, "unsupported_media_type");
        let huge = format!("{{\"title\": \"x\", \"body\": \"{}\"}}", "a".repeat(1024 * 1024 + 10));
        let res = app.request(Method::POST, "/api/v1/articles", &[("Authorization", &auth), ("Content-Type", "application/json")], Some(Bytes::from(huge))).await;
        res.problem(413, "payload_too_large");
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let res = app.request(Method::POST, "/api/v1/articles", &[("Authorization", &auth), ("Content-Type", "application/json")], Some(Bytes::from(deep))).await;
        res.problem(400, "bad_request");
        let long_title = json!({"title": "á".repeat(501), "body": "b"});
        let problem = app.json(Method::POST, "/api/v1/articles", Some(&token), &long_title).await.problem(422, "validation_failed");
        assert_eq!(fields(&problem), vec!["title"]);
    }
);

db_test!(
    async fn a_merge_patch_keeps_absent_fields_clears_nulls_and_refuses_null_required_fields(app) {
        let token = editor(&app).await;
        let created = app
            .json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": "Tiêu đề", "body": "Thân bài", "summary": "Tóm tắt", "category": "chính trị", "authors": ["A"]}))
            .await
            .json();
        let path = format!("/api/v1/articles/{}", created["id"]);
        let res = app
            .json_with(Method::PATCH, &path, Some(&token), &json!({"summary": null, "title": "Tiêu đề mới"}), &[("Content-Type", "application/merge-patch+json")])
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        let patched = res.json();
        assert_eq!(patched["title"], "Tiêu đề mới");
        assert!(patched["summary"].is_null());
        assert_eq!(patched["category"], "chính trị", "absent keeps");
        assert_eq!(patched["authors"], json!(["A"]));
        assert_eq!(patched["slug"], created["slug"], "the slug does not follow the title");
        assert_eq!(patched["version"], 2);
        assert_eq!(res.header("etag"), Some("\"2\""));
        let problem = app.json(Method::PATCH, &path, Some(&token), &json!({"title": null, "body": null, "status": null})).await.problem(422, "validation_failed");
        assert_eq!(fields(&problem), vec!["title", "body", "status"]);
        let cleared = app.json(Method::PATCH, &path, Some(&token), &json!({"authors": null, "status": "published"})).await.json();
        assert_eq!(cleared["authors"], json!([]));
        assert!(cleared["published_at"].is_string());
        assert_eq!(cleared["version"], 3);
        app.json(Method::PATCH, "/api/v1/articles/999999", Some(&token), &json!({"title": "x"})).await.problem(404, "not_found");
    }
);

db_test!(
    async fn a_stale_if_match_is_a_412_and_writes_nothing(app) {
        let token = editor(&app).await;
        let created = app.json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": "Một", "body": "b"})).await.json();
        let path = format!("/api/v1/articles/{}", created["id"]);
        let ok = app.json_with(Method::PATCH, &path, Some(&token), &json!({"title": "Hai"}), &[("If-Match", "\"1\"")]).await;
        assert_eq!(ok.status, 200);
        let stale = app.json_with(Method::PATCH, &path, Some(&token), &json!({"title": "Ba"}), &[("If-Match", "\"1\"")]).await;
        stale.problem(412, "precondition_failed");
        let now = app.get_as(&path, &token).await.json();
        assert_eq!(now["title"], "Hai");
        assert_eq!(now["version"], 2);
        let auth = format!("Bearer {token}");
        let del = app.request(Method::DELETE, &path, &[("Authorization", &auth), ("If-Match", "\"1\"")], None).await;
        del.problem(412, "precondition_failed");
        assert_eq!(app.get_as(&path, &token).await.status, 200);
        let junk = app.json_with(Method::PATCH, &path, Some(&token), &json!({"title": "Ba"}), &[("If-Match", "\"abc\"")]).await;
        junk.problem(412, "precondition_failed");
        let any = app.json_with(Method::PATCH, &path, Some(&token), &json!({"title": "Ba"}), &[("If-Match", "*")]).await;
        assert_eq!(any.status, 200);
    }
);

db_test!(
    async fn deleting_gives_204_then_404_and_leaves_a_tombstone(app) {
        let token = editor(&app).await;
        let auth = format!("Bearer {token}");
        let created = app.json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": "Xoá", "body": "b", "status": "published"})).await.json();
        let path = format!("/api/v1/articles/{}", created["id"]);
        app.json(Method::PATCH, &path, Some(&token), &json!({"title": "Xoá đi"})).await;
        let del = app.request(Method::DELETE, &path, &[("Authorization", &auth), ("If-Match", "\"2\"")], None).await;
        assert_eq!(del.status, 204);
        assert!(del.body.is_empty());
        app.get_as(&path, &token).await.problem(404, "not_found");
        app.request(Method::DELETE, &path, &[("Authorization", &auth)], None).await.problem(404, "not_found");
        let id = created["id"].as_i64().unwrap();
        let feed = app
            .db
            .run(move |conn| {
                use bantin::db::schema::changes::dsl::*;
                use diesel::prelude::*;
                Ok(changes
                    .filter(resource.eq("articles").and(resource_id.eq(id)))
                    .order(seq)
                    .select((action, version, public))
                    .load::<(String, i64, bool)>(conn)?)
            })
            .await
            .unwrap();
        assert_eq!(
            feed,
            vec![("created".into(), 1, true), ("updated".into(), 2, true), ("deleted".into(), 3, true)]
        );
    }
);

db_test!(
    async fn an_idempotency_key_replays_the_first_response_and_refuses_another_body(app) {
        let token = editor(&app).await;
        let body = json!({"title": "Một lần thôi", "body": "b"});
        let first = app.json_with(Method::POST, "/api/v1/articles", Some(&token), &body, &[("Idempotency-Key", "k-123")]).await;
        assert_eq!(first.status, 201);
        let before = app.count("SELECT COUNT(*) AS n FROM articles").await;
        let replay = app.json_with(Method::POST, "/api/v1/articles", Some(&token), &body, &[("Idempotency-Key", "k-123")]).await;
        assert_eq!(replay.status, 201);
        assert_eq!(replay.json(), first.json());
        assert_eq!(replay.header("location"), first.header("location"));
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM articles").await, before, "a replay creates nothing");
        let other = app.json_with(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": "Khác", "body": "b"}), &[("Idempotency-Key", "k-123")]).await;
        let problem = other.problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
        // Keys belong to their user: another editor with the same key creates their own.
        let other_editor = editor(&app).await;
        let theirs = app.json_with(Method::POST, "/api/v1/articles", Some(&other_editor), &body, &[("Idempotency-Key", "k-123")]).await;
        assert_eq!(theirs.status, 201);
        assert_ne!(theirs.json()["id"], first.json()["id"]);
        let bad = app.json_with(Method::POST, "/api/v1/articles", Some(&token), &body, &[("Idempotency-Key", "")]).await;
        bad.problem(400, "bad_request");
    }
);

db_test!(
    async fn a_write_that_fails_midway_leaves_the_database_unchanged(app) {
        let token = editor(&app).await;
        let articles_before = app.count("SELECT COUNT(*) AS n FROM articles").await;
        let authors_before = app.count("SELECT COUNT(*) AS n FROM article_authors").await;
        // The change-feed row is the last thing a write inserts; make it fail.
        app.db
            .run(|conn| {
                use diesel::connection::SimpleConnection;
                conn.batch_execute("DROP TABLE changes")?;
                Ok(())
            })
            .await
            .unwrap();
        let res = app.json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": "Nửa chừng", "body": "b", "authors": ["A", "B"]})).await;
        res.problem(500, "internal");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM articles").await, articles_before);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM article_authors").await, authors_before);
        let patch = app.json(Method::PATCH, "/api/v1/articles/1", Some(&token), &json!({"title": "Đổi"})).await;
        patch.problem(500, "internal");
        let one = app.get("/api/v1/articles/1").await.json();
        assert_ne!(one["title"], "Đổi");
        assert_eq!(one["version"], 1);
    }
);

db_test!(
    async fn a_stale_if_match_is_a_412_that_writes_nothing_for_every_resource(app) {
        let token = editor(&app).await;
        let auth = format!("Bearer {token}");
        let org = app.json(Method::POST, "/api/v1/organizations", Some(&token), &json!({"name": "Đảng ủy xã Thử Nghiệm", "kind": "party_committee", "level": "commune"})).await.json();
        let person = app.json(Method::POST, "/api/v1/people", Some(&token), &json!({"full_name": "Nguyễn Văn Thử"})).await.json();
        let attendee = app.json(Method::POST, "/api/v1/attendees", Some(&token), &json!({"meeting_id": 1, "person_id": person["id"]})).await.json();
        for (path, change) in [
            (format!("/api/v1/organizations/{}", org["id"]), json!({"short_name": "ĐU xã"})),
            (format!("/api/v1/people/{}", person["id"]), json!({"current_title": "Bí thư"})),
            (format!("/api/v1/attendees/{}", attendee["id"]), json!({"title_at_meeting": "Bí thư"})),
        ] {
            let ok = app.json_with(Method::PATCH, &path, Some(&token), &change, &[("If-Match", "\"1\"")]).await;
            assert_eq!(ok.status, 200, "{path}");
            let after = app.get(&path).await.body;
            let stale = app.json_with(Method::PATCH, &path, Some(&token), &json!({}), &[("If-Match", "\"1\"")]).await;
            stale.problem(412, "precondition_failed");
            let del = app.request(Method::DELETE, &path, &[("Authorization", &auth), ("If-Match", "\"1\"")], None).await;
            del.problem(412, "precondition_failed");
            assert_eq!(app.get(&path).await.body, after, "{path}: a refused write changed nothing");
        }
    }
);
