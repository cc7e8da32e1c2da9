//! Limits on input and on clients: the rate limit, the read time limit, body size, JSON nesting,
//! header size, string and array lengths.

use std::time::{Duration, Instant};

use actix_web::http::Method;
use bantin::db::Backend;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::{Options, TestApp};

db_test!(
    with Options { rate_limit: Some(5), ..Options::default() };
    async fn a_client_over_the_rate_limit_gets_a_429_with_retry_after(app) {
        let mut limited = None;
        for _ in 0..30 {
            let res = app.get("/api/v1/articles?limit=1").await;
            if res.status == 429 {
                limited = Some(res);
                break;
            }
            assert_eq!(res.status, 200);
        }
        let res = limited.expect("a burst of 30 is over 5 a second");
        res.problem(429, "rate_limited");
        let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=2).contains(&retry), "{retry}");
        // Health checks are never limited.
        assert_eq!(app.get("/health/live").await.status, 200);
        // After the wait, the client may go on.
        actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(app.get("/api/v1/articles?limit=1").await.status, 200);
    }
);

/// PostgreSQL only: a table lock makes a read wait as long as the test wants.
#[actix_web::test]
#[cfg_attr(not(postgres_tests), ignore = "BANTIN_TEST_POSTGRES_URL is not set")]
async fn a_read_over_the_time_limit_is_a_503_not_a_hang() {
    let options = Options {
        request_timeout: Some(Duration::from_millis(500)),
        ..Options::default()
    };
    let Some(app) = TestApp::spawn_with(Backend::Postgres, options).await else {
        eprintln!("skipped: BANTIN_TEST_POSTGRES_URL is not set");
        return;
    };
    let admin_url = std::env::var("BANTIN_TEST_POSTGRES_URL").unwrap();
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.set_path(&app.database_name());
    let mut blocker = PgConnection::establish(url.as_str()).unwrap();
    blocker
        .batch_execute("BEGIN; LOCK TABLE articles IN ACCESS EXCLUSIVE MODE;")
        .unwrap();
    let started = Instant::now();
    let res = app.get("/api/v1/articles").await;
    let took = started.elapsed();
    blocker.batch_execute("ROLLBACK").unwrap();
    let body = res.problem(503, "unavailable");
    assert!(
        body["detail"].as_str().unwrap().contains("500 ms"),
        "{body}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(app.get("/api/v1/articles").await.status, 200);
}

db_test!(
    async fn oversized_and_overdeep_input_is_refused_and_changes_nothing(app) {
        let token = app.user("editor").await.1;
        let before = app.count("SELECT COUNT(*) AS n FROM articles").await;

        // A body over 1 MiB.
        let big = json!({"title": "Lớn", "body": "x".repeat(1024 * 1024 + 10)});
        app.json(Method::POST, "/api/v1/articles", Some(&token), &big)
            .await
            .problem(413, "payload_too_large");

        // JSON nested deeper than the parser allows.
        let deep = format!("{{\"title\": \"Sâu\", \"body\": \"b\", \"authors\": {}1{}}}", "[".repeat(300), "]".repeat(300));
        let auth = format!("Bearer {token}");
        let res = app
            .request(
                Method::POST,
                "/api/v1/articles",
                &[("Authorization", &auth), ("Content-Type", "application/json")],
                Some(deep.into_bytes().into()),
            )
            .await;
        res.problem(400, "bad_request");

        // Too long a string, too many items.
        let long = json!({"title": "a".repeat(1001), "body": "b", "authors": vec!["Thu Hường"; 101]});
        let body: Value = app
            .json(Method::POST, "/api/v1/articles", Some(&token), &long)
            .await
            .problem(422, "validation_failed");
        let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"title") && fields.contains(&"authors"), "{body}");

        // A page larger than allowed, an include that is not one.
        app.get("/api/v1/articles?limit=101").await.problem(400, "bad_request");
        app.get("/api/v1/meetings?include=attendees.person.organization").await.problem(400, "bad_request");

        assert_eq!(app.count("SELECT COUNT(*) AS n FROM articles").await, before);
    }
);

db_test!(
    async fn an_oversized_header_or_query_is_refused(app) {
        let huge = "a".repeat(20 * 1024);
        let res = app.request(Method::GET, "/api/v1/articles", &[("X-Filler", &huge)], None).await;
        let body = res.problem(431, "bad_request");
        assert!(body["detail"].as_str().unwrap().contains("16384"), "{body}");
        app.get(&format!("/api/v1/articles?q={}", "a".repeat(9 * 1024)))
            .await
            .problem(414, "bad_request");
        assert_eq!(app.get("/api/v1/articles").await.status, 200, "the server goes on");
    }
);

db_test!(
    async fn control_characters_are_refused_and_change_nothing(app) {
        let token = app.user("admin").await.1;
        let before = app.count("SELECT COUNT(*) AS n FROM articles").await;

        // NUL (which PostgreSQL cannot store) and the other controls, in a field and in a list.
        let body: Value = app
            .json(
                Method::POST,
                "/api/v1/articles",
                Some(&token),
                &json!({"title": "Đảng ủy\u{0}", "body": "b\u{7}", "authors": ["Thu\u{1b}Hường"]}),
            )
            .await
            .problem(422, "validation_failed");
        let fields: Vec<&str> =
            body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["title", "body", "authors[0]"], "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("U+0000"), "{body}");
        // Tabs and line breaks are text.
        let res = app
            .json(
                Method::POST,
                "/api/v1/articles",
                Some(&token),
                &json!({"title": "Đảng ủy\tphường", "body": "Dòng một\r\nDòng hai\n"}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        // A login name with NUL is a 422, not a lookup that fails.
        app.json(Method::POST, "/api/v1/auth/token", None, &json!({"username": "a\u{0}b", "password": "x"}))
            .await
            .problem(422, "validation_failed");

        // In a query parameter: a 400 naming it.
        let body = app.get("/api/v1/articles?category=kinh%00te").await.problem(400, "bad_request");
        assert_eq!(body["errors"][0]["field"], "category", "{body}");
        app.get("/api/v1/search?q=a%00b").await.problem(400, "bad_request");
        // In a path: a 400, on keys read by slug and by id alike.
        for path in ["/api/v1/articles/a%00b", "/api/v1/meetings/1%00", "/api/v1/organizations/x%00"] {
            app.get(path).await.problem(400, "bad_request");
        }

        assert_eq!(app.count("SELECT COUNT(*) AS n FROM articles").await, before + 1);
    }
);
