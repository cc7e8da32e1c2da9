//! The publishing workflow: field selection on every read.

use std::collections::BTreeSet;

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::ids_of;

fn keys(record: &Value) -> BTreeSet<String> {
    record
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {record}"))
        .keys()
        .cloned()
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

db_test!(
    async fn fields_keeps_the_id_the_named_fields_and_the_includes(app) {
        let page = app
            .get("/api/v1/articles?fields=slug,title,published_at")
            .await
            .json();
        let data = page["data"].as_array().unwrap();
        assert_eq!(data.len(), 5);
        for article in data {
            assert_eq!(keys(article), set(&["id", "slug", "title", "published_at"]));
        }
        assert!(page["page"]["limit"].is_number(), "the page's own fields stay");

        let page = app
            .get("/api/v1/articles?fields=title&include=meetings,media")
            .await
            .json();
        for article in page["data"].as_array().unwrap() {
            let k = keys(article);
            assert!(k.contains("meetings") && k.contains("media") && k.contains("title"), "{k:?}");
            assert!(!k.contains("body") && !k.contains("authors"), "{k:?}");
        }

        let full = app.get("/api/v1/articles/2").await;
        let part = app.get("/api/v1/articles/2?fields=title,version").await;
        assert_eq!(part.status, 200);
        assert_eq!(keys(&part.json()), set(&["id", "title", "version"]));
        assert_eq!(part.json()["title"], full.json()["title"]);
        assert_ne!(part.header("etag"), full.header("etag"), "a part is another representation");
        let by_slug = app
            .get(&format!(
                "/api/v1/articles/{}?fields=slug",
                full.json()["slug"].as_str().unwrap()
            ))
            .await
            .json();
        assert_eq!(keys(&by_slug), set(&["id", "slug"]));

        // Without `fields`, lists keep their whole records.
        let whole = app.get("/api/v1/articles").await.json();
        assert!(keys(&whole["data"][0]).contains("body"));
    }
);

db_test!(
    async fn every_resource_read_takes_fields(app) {
        let (_, admin) = app.user("admin").await;
        let reads = [
            ("/api/v1/meetings", "title"),
            ("/api/v1/meetings/1", "title"),
            ("/api/v1/organizations", "name"),
            ("/api/v1/organizations/1", "name"),
            ("/api/v1/people", "full_name"),
            ("/api/v1/people/1", "full_name"),
            ("/api/v1/attendees", "role"),
            ("/api/v1/meetings/1/attendees", "role"),
            ("/api/v1/directives", "text"),
            ("/api/v1/directives/1", "text"),
            ("/api/v1/meetings/1/directives", "text"),
            ("/api/v1/targets", "indicator"),
            ("/api/v1/targets/1", "indicator"),
            ("/api/v1/users", "username"),
            ("/api/v1/webhooks", "url"),
        ];
        for (path, field) in reads {
            let res = app.get_as(&format!("{path}?fields={field}"), &admin).await;
            assert_eq!(res.status, 200, "{path}: {}", String::from_utf8_lossy(&res.body));
            let body = res.json();
            let records: Vec<Value> = match body.get("data") {
                Some(Value::Array(data)) => data.clone(),
                _ => vec![body],
            };
            for record in records {
                assert_eq!(keys(&record), set(&["id", field]), "{path}");
            }
        }
        // The person an attendee always embeds stays with `fields`.
        let attendee = app.get("/api/v1/attendees/1?fields=role").await.json();
        assert_eq!(keys(&attendee), set(&["id", "role", "person"]));
    }
);

db_test!(
    async fn an_unknown_or_empty_field_list_is_a_400_that_names_it(app) {
        for path in [
            "/api/v1/articles?fields=title,secret_notes",
            "/api/v1/articles/2?fields=secret_notes",
            "/api/v1/meetings?fields=secret_notes",
            "/api/v1/targets/1?fields=secret_notes",
        ] {
            let problem = app.get(path).await.problem(400, "bad_request");
            assert_eq!(problem["errors"][0]["field"], "fields", "{path}");
            assert!(
                problem["detail"].as_str().unwrap().contains("`secret_notes`"),
                "{problem}"
            );
        }
        let problem = app.get("/api/v1/articles?fields=,").await.problem(400, "bad_request");
        assert_eq!(problem["errors"][0]["field"], "fields");
        let long = "title,".repeat(200);
        let problem = app
            .get(&format!("/api/v1/articles?fields={long}"))
            .await
            .problem(400, "bad_request");
        assert_eq!(problem["errors"][0]["field"], "fields");
    }
);

db_test!(
    async fn an_article_read_without_its_body_leaves_it_out_of_the_sql(app) {
        use bantin::articles::model::{find_parts, find_record_by_key, ArticleParts};
        let light = ArticleParts {
            body: false,
            relations: false,
        };
        let (by_key, by_ids, whole) = app
            .db
            .run(move |conn| {
                let by_key = find_record_by_key(conn, "2", light)?.expect("article 2");
                let by_ids = find_parts(conn, &[2], light)?;
                let whole = find_record_by_key(conn, "2", ArticleParts::ALL)?.expect("article 2");
                Ok((by_key, by_ids, whole))
            })
            .await
            .unwrap();
        assert!(!whole.row.body.is_empty());
        assert!(!whole.relations.authors.is_empty());
        assert_eq!(by_key.row.body, "", "the database sent no body");
        assert!(by_key.relations.authors.is_empty(), "nor the relations");
        assert_eq!(by_key.row.title, whole.row.title);
        assert_eq!(by_ids[0].row.body, "");
    }
);

/// A draft article made over HTTP by an editor; its id.
async fn draft(app: &crate::helpers::TestApp, editor: &str, title: &str) -> i64 {
    let res = app
        .json(
            Method::POST,
            "/api/v1/articles",
            Some(editor),
            &json!({"title": title, "body": "Nội dung dự thảo", "status": "draft"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().unwrap()
}

db_test!(
    async fn a_preview_link_shows_a_draft_to_whoever_holds_it(app) {
        let (_, editor) = app.user("editor").await;
        let id = draft(&app, &editor, "Bản nháp xem trước").await;
        app.get(&format!("/api/v1/articles/{id}")).await.problem(404, "not_found");

        let before = chrono::Utc::now().timestamp();
        let res = app
            .request(
                Method::POST,
                &format!("/api/v1/articles/{id}/preview"),
                &[("Authorization", &format!("Bearer {editor}"))],
                None,
            )
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        assert_eq!(res.header("cache-control"), Some("private, no-store"));
        let link = res.json();
        let token = link["token"].as_str().unwrap();
        let expires = chrono::DateTime::parse_from_rfc3339(link["expires_at"].as_str().unwrap())
            .unwrap()
            .timestamp();
        assert!((before + 3599..=before + 3602).contains(&expires), "an hour by default");
        let url = link["url"].as_str().unwrap();
        assert!(url.starts_with("http") && url.ends_with(&format!("/api/v1/articles/{id}?preview={token}")), "{url}");

        let seen = app.get(&format!("/api/v1/articles/{id}?preview={token}")).await;
        assert_eq!(seen.status, 200, "{}", String::from_utf8_lossy(&seen.body));
        assert_eq!(seen.json()["status"], "draft");
        assert_eq!(seen.header("cache-control"), Some("private, no-store"));
        let part = app
            .get(&format!("/api/v1/articles/{id}?preview={token}&fields=title"))
            .await
            .json();
        assert_eq!(part["title"], "Bản nháp xem trước");

        // Still invisible everywhere else.
        let listed = app.get("/api/v1/articles?limit=100").await.json();
        assert!(listed["data"].as_array().unwrap().iter().all(|a| a["id"] != id));
    }
);

db_test!(
    async fn a_preview_token_is_refused_for_another_article_tampered_expired_or_outdated(app) {
        let (_, editor) = app.user("editor").await;
        let id = draft(&app, &editor, "Bản nháp một").await;
        let other = draft(&app, &editor, "Bản nháp hai").await;
        let link = app
            .json(
                Method::POST,
                &format!("/api/v1/articles/{id}/preview"),
                Some(&editor),
                &json!({"expires_in": 600, "max_version": 1}),
            )
            .await
            .json();
        let token = link["token"].as_str().unwrap().to_owned();

        let refused = |res: crate::helpers::Resp| {
            let problem = res.problem(401, "unauthorized");
            problem["detail"].as_str().unwrap().to_owned()
        };
        let detail = refused(app.get(&format!("/api/v1/articles/{other}?preview={token}")).await);
        assert!(detail.contains("another article"), "{detail}");
        let mut tampered = token.clone();
        let at = tampered.len() - 5;
        tampered.replace_range(at..at + 1, if &token[at..at + 1] == "A" { "B" } else { "A" });
        let detail = refused(app.get(&format!("/api/v1/articles/{id}?preview={tampered}")).await);
        assert!(detail.contains("not one this server issued"), "{detail}");
        let expired = bantin::articles::preview::PreviewKeys::derive(crate::helpers::TEST_SECRET.as_bytes())
            .issue(id, chrono::Utc::now() - chrono::Duration::hours(2), 3600, None)
            .unwrap()
            .0;
        let detail = refused(app.get(&format!("/api/v1/articles/{id}?preview={expired}")).await);
        assert!(detail.contains("expired"), "{detail}");

        // Good until the article moves past version 1.
        assert_eq!(app.get(&format!("/api/v1/articles/{id}?preview={token}")).await.status, 200);
        let res = app
            .json(Method::PATCH, &format!("/api/v1/articles/{id}"), Some(&editor), &json!({"summary": "Đã sửa"}))
            .await;
        assert_eq!(res.status, 200);
        let detail = refused(app.get(&format!("/api/v1/articles/{id}?preview={token}")).await);
        assert!(detail.contains("earlier version"), "{detail}");
    }
);

db_test!(
    async fn only_editors_make_preview_links_within_the_bounds(app) {
        let (_, editor) = app.user("editor").await;
        let (_, viewer) = app.user("viewer").await;
        let id = draft(&app, &editor, "Bản nháp ba").await;
        let path = format!("/api/v1/articles/{id}/preview");
        app.json(Method::POST, &path, None, &json!({})).await.problem(401, "unauthorized");
        app.json(Method::POST, &path, Some(&viewer), &json!({})).await.problem(403, "forbidden");
        for bad in [json!({"expires_in": 0}), json!({"expires_in": 604801}), json!({"max_version": 0}), json!({"expires": 60})] {
            let problem = app.json(Method::POST, &path, Some(&editor), &bad).await.problem(422, "validation_failed");
            assert!(problem["errors"].as_array().is_some_and(|e| !e.is_empty()), "{bad}: {problem}");
        }
        let res = app.json(Method::POST, &path, Some(&editor), &json!({"expires_in": 604800})).await;
        assert_eq!(res.status, 200);
        app.json(Method::POST, "/api/v1/articles/999999/preview", Some(&editor), &json!({}))
            .await
            .problem(404, "not_found");
    }
);

db_test!(
    async fn the_spec_offers_fields_on_every_read_and_include_where_a_record_embeds(app) {
        const RECORDS: &[&str] = &[
            "Article", "Meeting", "Attendee", "Directive", "DirectiveUpdate", "Target",
            "Organization", "Person", "Media", "User", "Webhook", "Delivery", "Tag", "Revision",
        ];
        const EMBEDDING: &[&str] = &["Article", "Meeting", "Organization", "Person"];
        let spec = app.get("/openapi.json").await.json();
        let mut reads = 0;
        for (path, item) in spec["paths"].as_object().unwrap() {
            let Some(get) = item.get("get") else { continue };
            // A record's read answers the record or its part (`anyOf`); a page names the page.
            let schema = &get["responses"]["200"]["content"]["application/json"]["schema"];
            let reference = schema["$ref"].as_str().or_else(|| schema["anyOf"][0]["$ref"].as_str());
            let Some(name) = reference.and_then(|r| r.rsplit('/').next()) else { continue };
            let record = name.strip_prefix("Page_").unwrap_or(name);
            if !RECORDS.contains(&record) {
                continue;
            }
            reads += 1;
            let params: Vec<&str> = get["parameters"]
                .as_array()
                .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
                .unwrap_or_default();
            assert!(params.contains(&"fields"), "{path} has no `fields`: {params:?}");
            // A person embeds meetings when read alone; the list of people embeds nothing.
            if EMBEDDING.contains(&record) && name != "Page_Person" {
                assert!(params.contains(&"include"), "{path} has no `include`: {params:?}");
            }
        }
        assert!(reads >= 20, "only {reads} reads of records in the spec");
    }
);

db_test!(
    async fn every_write_of_an_article_keeps_a_revision_that_can_be_read_and_restored(app) {
        let (_, editor) = app.user("editor").await;
        let (_, viewer) = app.user("viewer").await;
        let id = draft(&app, &editor, "Tiêu đề đầu tiên").await;
        for title in ["Tiêu đề thứ hai", "Tiêu đề thứ ba"] {
            let res = app
                .json(Method::PATCH, &format!("/api/v1/articles/{id}"), Some(&editor), &json!({"title": title}))
                .await;
            assert_eq!(res.status, 200);
        }
        let path = format!("/api/v1/articles/{id}/revisions");
        app.get(&path).await.problem(401, "unauthorized");
        let page = app.get_as(&path, &viewer).await.json();
        let versions: Vec<i64> = page["data"].as_array().unwrap().iter().map(|r| r["version"].as_i64().unwrap()).collect();
        assert_eq!(versions, [3, 2, 1], "newest first, the current one included");
        let titles: Vec<&str> = page["data"].as_array().unwrap().iter().map(|r| r["article"]["title"].as_str().unwrap()).collect();
        assert_eq!(titles, ["Tiêu đề thứ ba", "Tiêu đề thứ hai", "Tiêu đề đầu tiên"]);
        assert!(page["data"][0]["changed_by"].as_str().unwrap().starts_with("editor-"));
        assert!(page["data"][0]["changed_at"].is_string());

        let paged = app.get_as(&format!("{path}?limit=2&count=true"), &viewer).await.json();
        assert_eq!(paged["page"]["total"], 3);
        let cursor = paged["page"]["next_cursor"].as_str().unwrap();
        let rest = app.get_as(&format!("{path}?limit=2&cursor={cursor}"), &viewer).await.json();
        assert_eq!(rest["data"][0]["version"], 1);

        let first = app.get_as(&format!("{path}/1"), &viewer).await.json();
        assert_eq!(first["article"]["title"], "Tiêu đề đầu tiên");
        app.get_as(&format!("{path}/9"), &viewer).await.problem(404, "not_found");

        let restore = format!("{path}/1/restore");
        app.json(Method::POST, &restore, Some(&viewer), &json!({})).await.problem(403, "forbidden");
        let stale = app
            .json_with(Method::POST, &restore, Some(&editor), &json!({}), &[("If-Match", "\"2\"")])
            .await;
        stale.problem(412, "precondition_failed");
        let restored = app
            .json_with(Method::POST, &restore, Some(&editor), &json!({}), &[("If-Match", "\"3\"")])
            .await;
        assert_eq!(restored.status, 200, "{}", String::from_utf8_lossy(&restored.body));
        let article = restored.json();
        assert_eq!(article["title"], "Tiêu đề đầu tiên");
        assert_eq!(article["version"], 4);
        assert_eq!(article["status"], "draft", "the status stays");
        let page = app.get_as(&path, &viewer).await.json();
        assert_eq!(page["data"].as_array().unwrap().len(), 4);
        assert_eq!(page["data"][0]["article"]["title"], "Tiêu đề đầu tiên");
        let changes = app.get_as("/api/v1/changes?resources=articles&limit=100", &viewer).await.json();
        assert!(
            changes["data"].as_array().unwrap().iter().any(|c| c["resource"] == "articles" && c["id"] == id && c["version"] == 4),
            "the restore is in the change feed: {changes}"
        );
    }
);

db_test!(
    async fn revisions_travel_with_an_export(app) {
        let (_, editor) = app.user("editor").await;
        let id = draft(&app, &editor, "Bài để xuất").await;
        let res = app
            .json(Method::PATCH, &format!("/api/v1/articles/{id}"), Some(&editor), &json!({"summary": "Tóm tắt"}))
            .await;
        assert_eq!(res.status, 200);
        let out = app
            .db
            .run(|conn| {
                let mut out = Vec::new();
                bantin::sync::dataset::export(conn, &mut out, |_, _| {})
                    .map_err(bantin::error::ApiError::internal)?;
                Ok(out)
            })
            .await
            .unwrap();
        let kept: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["type"] == "article_revision" && l["data"]["article_id"] == id)
            .collect();
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert!(kept[1]["data"]["content"].as_str().unwrap().contains("Tóm tắt"));
    }
);

fn in_secs(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

db_test!(
    async fn a_scheduled_article_stays_hidden_until_its_time_then_is_published_by_one_server(app) {
        let (_, editor) = app.user("editor").await;
        let (_, viewer) = app.user("viewer").await;
        let res = app
            .json(
                Method::POST,
                "/api/v1/articles",
                Some(&editor),
                &json!({"title": "Tin hẹn giờ tuan chau", "body": "Nội dung hẹn giờ", "status": "scheduled", "published_at": in_secs(2)}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        let id = res.json()["id"].as_i64().unwrap();
        let slug = res.json()["slug"].as_str().unwrap().to_owned();

        // Hidden from anonymous readers everywhere; editors and viewers see it as scheduled.
        app.get(&format!("/api/v1/articles/{id}")).await.problem(404, "not_found");
        app.get(&format!("/api/v1/articles/{slug}")).await.problem(404, "not_found");
        let public = app.get("/api/v1/articles?limit=100").await.json();
        assert!(public["data"].as_array().unwrap().iter().all(|a| a["id"] != id));
        let found = app.get("/api/v1/search?q=hen%20gio%20tuan%20chau").await.json();
        assert!(found["data"].as_array().unwrap().is_empty(), "{found}");
        let rss = app.get("/feeds/articles.rss").await;
        assert_eq!(rss.status, 200);
        assert!(!String::from_utf8_lossy(&rss.body).contains("Tin hẹn giờ"));
        let seen = app.get_as(&format!("/api/v1/articles/{id}"), &viewer).await.json();
        assert_eq!(seen["status"], "scheduled");
        let queued = app.get_as("/api/v1/articles?status=scheduled", &editor).await.json();
        assert_eq!(ids_of(&queued), [id]);

        // Before its time no round publishes it; after, exactly one of two servers does.
        assert_eq!(app.scheduler_round().await, 0);
        let mut live = false;
        for _ in 0..40 {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
            let (a, b) = futures_util::join!(app.scheduler_round(), app.scheduler_round());
            assert!(a + b <= 1, "published twice: {a} + {b}");
            if a + b == 1 {
                live = true;
                break;
            }
        }
        assert!(live, "not published within 4 s");
        let article = app.get(&format!("/api/v1/articles/{id}")).await.json();
        assert_eq!(article["status"], "published");
        assert_eq!(article["version"], 2, "one write");
        assert_eq!(app.scheduler_round().await, 0);
        let changes = app.get_as("/api/v1/changes?resources=articles&limit=100", &viewer).await.json();
        let entries: Vec<&Value> = changes["data"].as_array().unwrap().iter().filter(|c| c["id"] == id).collect();
        assert_eq!(entries.len(), 2, "created, then published once: {entries:?}");
        let found = app.get("/api/v1/search?q=hen%20gio%20tuan%20chau").await.json();
        assert_eq!(ids_of(&found).len(), 1, "{found}");
        let metrics = String::from_utf8(app.get("/metrics").await.body.to_vec()).unwrap();
        assert!(metrics.contains("bantin_scheduled_published_total 1"), "{metrics}");
        assert!(metrics.contains("bantin_scheduler_last_lag_seconds "));
        assert!(metrics.contains("bantin_scheduler_overdue_seconds 0"));
    }
);

/// Polls every 50 ms, at most `tries` times, until article `id` reads as published anonymously.
async fn published_within(app: &crate::helpers::TestApp, id: i64, tries: u32) -> bool {
    for _ in 0..tries {
        let res = app.get(&format!("/api/v1/articles/{id}")).await;
        if res.status == 200 && res.json()["status"] == "published" {
            return true;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// An article scheduled one second from now; its id.
async fn scheduled_in_a_second(app: &crate::helpers::TestApp, editor: &str) -> i64 {
    let body = json!({"title": "Tin đăng tự động", "body": "Nội dung", "status": "scheduled", "published_at": in_secs(1)});
    let res = app
        .json(Method::POST, "/api/v1/articles", Some(editor), &body)
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().unwrap()
}

db_test!(
    async fn the_scheduler_catches_up_at_start_and_then_publishes_on_time(app) {
        let (_, editor) = app.user("editor").await;
        // Due while no server runs a scheduler (an outage): published as soon as one starts.
        let overdue = scheduled_in_a_second(&app, &editor).await;
        actix_web::rt::time::sleep(std::time::Duration::from_millis(1200)).await;
        assert!(!published_within(&app, overdue, 1).await);
        let scheduler = app.spawn_scheduler();
        assert!(published_within(&app, overdue, 10).await, "not published at start-up");
        // Due while it runs: live within 2 s of its time (polled for up to 3 s, from 1 s before).
        let next = scheduled_in_a_second(&app, &editor).await;
        let on_time = published_within(&app, next, 60).await;
        scheduler.stop();
        assert!(on_time, "not live within 2 s of its time");
    }
);

db_test!(
    async fn a_schedule_without_a_future_time_is_a_422(app) {
        let (_, editor) = app.user("editor").await;
        for bad in [
            json!({"title": "Hẹn giờ", "body": "x", "status": "scheduled"}),
            json!({"title": "Hẹn giờ", "body": "x", "status": "scheduled", "published_at": in_secs(-60)}),
        ] {
            let problem = app.json(Method::POST, "/api/v1/articles", Some(&editor), &bad).await.problem(422, "validation_failed");
            assert_eq!(problem["errors"][0]["field"], "published_at", "{problem}");
        }
        let id = draft(&app, &editor, "Bản nháp hẹn giờ").await;
        let path = format!("/api/v1/articles/{id}");
        let problem = app
            .json(Method::PATCH, &path, Some(&editor), &json!({"status": "scheduled"}))
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "published_at");
        let after = app.get_as(&path, &editor).await.json();
        assert_eq!(after["status"], "draft", "nothing changed");
        assert_eq!(after["version"], 1);
        let res = app
            .json(Method::PATCH, &path, Some(&editor), &json!({"status": "scheduled", "published_at": in_secs(3600)}))
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        assert_eq!(res.json()["status"], "scheduled");
    }
);

/// A tag made over HTTP by an editor.
async fn new_tag(app: &crate::helpers::TestApp, editor: &str, name: &str) -> Value {
    let res = app
        .json(
            Method::POST,
            "/api/v1/tags",
            Some(editor),
            &json!({"name": name}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert!(res.header("location").is_some());
    res.json()
}

db_test!(
    async fn tags_are_a_resource_articles_carry_in_order(app) {
        let (_, editor) = app.user("editor").await;
        let digital = new_tag(&app, &editor, "Chuyển đổi số").await;
        assert_eq!(digital["slug"], "chuyen-doi-so", "folded from the name");
        let defence = new_tag(&app, &editor, "Quốc phòng").await;
        let (digital_id, defence_id) = (digital["id"].as_i64().unwrap(), defence["id"].as_i64().unwrap());

        // Anyone reads tags; `q` ignores case and diacritics.
        let found = app.get("/api/v1/tags?q=chuyen%20doi").await.json();
        assert_eq!(ids_of(&found), [digital_id]);
        assert_eq!(app.get(&format!("/api/v1/tags/{defence_id}")).await.json()["name"], "Quốc phòng");
        app.json(Method::POST, "/api/v1/tags", Some(&editor), &json!({"name": "Chuyển đổi số"}))
            .await
            .problem(409, "conflict");
        app.json(Method::POST, "/api/v1/tags", None, &json!({"name": "Ẩn danh"}))
            .await
            .problem(401, "unauthorized");
        let problem = app
            .json(Method::POST, "/api/v1/tags", Some(&editor), &json!({"name": "", "slug": "Không Hợp Lệ"}))
            .await
            .problem(422, "validation_failed");
        assert!(problem["errors"].as_array().unwrap().len() >= 2, "{problem}");

        // An article lists its tags in order; `include=tags` embeds them; `?tag=` filters.
        let res = app
            .json(
                Method::PATCH,
                "/api/v1/articles/2",
                Some(&editor),
                &json!({"tag_ids": [defence_id, digital_id]}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        assert_eq!(res.json()["tag_ids"], json!([defence_id, digital_id]));
        let article = app.get("/api/v1/articles/2?include=tags").await.json();
        assert_eq!(article["tags"][0]["slug"], "quoc-phong", "the primary tag first");
        assert_eq!(article["tags"][1], json!({"id": digital_id, "slug": "chuyen-doi-so", "name": "Chuyển đổi số"}));
        let tagged = app.get("/api/v1/articles?tag=chuyen-doi-so").await.json();
        assert_eq!(ids_of(&tagged), [2]);
        let either = app.get("/api/v1/articles?tag=khong-co,quoc-phong").await.json();
        assert_eq!(ids_of(&either), [2]);
        assert!(ids_of(&app.get("/api/v1/articles?tag=khong-co").await.json()).is_empty());
        app.get("/api/v1/articles?tag=Not%20A%20Slug").await.problem(400, "bad_request");
        let problem = app
            .json(Method::PATCH, "/api/v1/articles/2", Some(&editor), &json!({"tag_ids": [999999, digital_id, digital_id]}))
            .await
            .problem(422, "validation_failed");
        assert!(problem.to_string().contains("tag_ids[2]"), "{problem}");
        assert_eq!(app.get("/api/v1/articles/2").await.json()["tag_ids"], json!([defence_id, digital_id]), "nothing changed");

        // Search and feeds know the tags.
        let hits = app.get("/api/v1/search?q=chuyen%20doi%20so&types=articles").await.json();
        assert!(hits["data"].as_array().unwrap().iter().any(|h| h["id"] == 2), "{hits}");
        let rss = String::from_utf8(app.get("/feeds/articles.rss?tag=quoc-phong").await.body.to_vec()).unwrap();
        assert!(rss.contains("<category>Quốc phòng</category>"), "{rss}");
        assert_eq!(rss.matches("<item>").count(), 1);
        let atom = String::from_utf8(app.get("/feeds/articles.atom").await.body.to_vec()).unwrap();
        assert!(atom.contains("term=\"Chuyển đổi số\""), "{atom}");

        // A renamed tag reaches the search; a tag in use cannot go.
        let res = app
            .json(Method::PATCH, &format!("/api/v1/tags/{digital_id}"), Some(&editor), &json!({"name": "Kinh tế số"}))
            .await;
        assert_eq!(res.status, 200);
        let hits = app.get("/api/v1/search?q=kinh%20te%20so&types=articles").await.json();
        assert!(hits["data"].as_array().unwrap().iter().any(|h| h["id"] == 2), "{hits}");
        let problem = app
            .request(Method::DELETE, &format!("/api/v1/tags/{digital_id}"), &[("Authorization", &format!("Bearer {editor}"))], None)
            .await
            .problem(409, "conflict");
        assert!(problem["detail"].as_str().unwrap().contains("article (2)"), "{problem}");
        let res = app
            .json(Method::PATCH, "/api/v1/articles/2", Some(&editor), &json!({"tag_ids": []}))
            .await;
        assert_eq!(res.status, 200);
        let res = app
            .request(Method::DELETE, &format!("/api/v1/tags/{digital_id}"), &[("Authorization", &format!("Bearer {editor}"))], None)
            .await;
        assert_eq!(res.status, 204);
        app.get(&format!("/api/v1/tags/{digital_id}")).await.problem(404, "not_found");
    }
);

db_test!(
    async fn a_narrowed_answer_matches_the_part_the_spec_declares(app) {
        let spec = app.get("/openapi.json").await.json();
        let article = &spec["paths"]["/api/v1/articles/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(article["anyOf"][1]["$ref"], "#/components/schemas/ArticlePart", "{article}");
        let part = &spec["components"]["schemas"]["ArticlePart"];
        assert_eq!(part["required"], json!(["id"]));
        let whole = &spec["components"]["schemas"]["Article"];
        assert_eq!(part["properties"], whole["properties"], "the same fields");
        let items = &spec["components"]["schemas"]["Page_Article"]["properties"]["data"]["items"];
        assert_eq!(items["anyOf"][1]["$ref"], "#/components/schemas/ArticlePart", "{items}");
        // A create still answers the whole record.
        let created = &spec["paths"]["/api/v1/articles"]["post"]["responses"]["201"]["content"]["application/json"]["schema"];
        assert_eq!(created["$ref"], "#/components/schemas/Article");
    }
);
