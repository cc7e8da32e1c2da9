//! What every resource relies on: errors, health, CORS, compression, the spec, the schema.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use actix_web::http::Method;
use bantin::app::AppSettings;
use bantin::config::DatabaseUrl;
use bantin::db::{Backend, Db, DbConnection};
use diesel::connection::SimpleConnection;
use diesel::{sql_query, QueryableByName, RunQueryDsl};

use crate::db_test;
use crate::helpers::{self, fresh_database, Options, TestApp};

db_test!(
    async fn an_unknown_route_is_a_404_problem(app) {
        let res = app.get("/api/v1/nothing-here").await;
        res.problem(404, "not_found");
    }
);

db_test!(
    async fn a_wrong_method_is_a_405_problem_with_allow(app) {
        let res = app.request(Method::DELETE, "/api/v1/articles", &[], None).await;
        res.problem(405, "method_not_allowed");
        assert_eq!(res.header("allow"), Some("GET, POST"));
        let res = app.request(Method::PUT, "/api/v1/articles/1", &[], None).await;
        res.problem(405, "method_not_allowed");
        assert_eq!(res.header("allow"), Some("GET, PATCH, DELETE"));
    }
);

db_test!(
    async fn every_response_carries_a_request_id(app) {
        let res = app.get("/health/live").await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("x-request-id").map(str::len), Some(36));
    }
);

db_test!(
    async fn health_checks_answer_when_the_database_is_up(app) {
        assert_eq!(app.get("/health/live").await.json()["status"], "ok");
        let ready = app.get("/health/ready").await;
        assert_eq!(ready.status, 200);
        assert_eq!(ready.json()["status"], "ready");
    }
);

db_test!(
    async fn responses_are_compressed_when_the_client_accepts_it(app) {
        let client = awc::Client::builder().no_default_headers().finish();
        let res = client
            .get(app.url("/api/v1/articles"))
            .insert_header(("Accept-Encoding", "gzip"))
            .no_decompress()
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers().get("content-encoding").unwrap(), "gzip");
    }
);

db_test!(
    async fn an_internal_error_is_a_500_problem_without_internals(app) {
        // Break the database under the running server: a genuine failure, not a staged one.
        app.db
            .run(|conn| {
                conn.batch_execute("ALTER TABLE articles RENAME COLUMN relations TO relations_gone")?;
                Ok(())
            })
            .await
            .unwrap();
        let res = app.get("/api/v1/articles").await;
        let body = res.problem(500, "internal");
        let text = body.to_string().to_lowercase();
        for leak in ["articles", "sql", "column", "diesel", "relation"] {
            assert!(!text.contains(leak), "500 body leaks `{leak}`: {text}");
        }
    }
);

#[actix_web::test]
async fn an_unreachable_database_is_a_503_problem_not_a_hang() {
    // Nothing listens on port 1: every connection attempt is refused at once.
    let url =
        DatabaseUrl::Postgres("postgres://postgres@127.0.0.1:1/none?connect_timeout=1".into());
    let db = Db::open_lazy(&url, 2, Duration::from_millis(500));
    let config = helpers::test_config(url);
    let addr = helpers::serve(db, &config, AppSettings::default());
    let client = helpers::client();
    for path in ["/health/ready", "/api/v1/articles", "/api/v1/articles/1"] {
        let started = std::time::Instant::now();
        let res = helpers::send(&client, Method::GET, &format!("{addr}{path}"), &[], None).await;
        res.problem(503, "unavailable");
        assert!(res.header("retry-after").is_some());
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path} took {:?}",
            started.elapsed()
        );
        assert!(
            !res.body.windows(8).any(|w| w == b"refused "),
            "no driver text in the body"
        );
    }
    // Liveness does not depend on the database.
    let live = helpers::send(
        &client,
        Method::GET,
        &format!("{addr}/health/live"),
        &[],
        None,
    )
    .await;
    assert_eq!(live.status, 200);
}

#[actix_web::test]
async fn cors_answers_allowed_origins_only() {
    let options = Options {
        settings: AppSettings {
            cors_origins: vec!["https://tin.example.vn".into()],
            ..AppSettings::default()
        },
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    let preflight = app
        .request(
            Method::OPTIONS,
            "/api/v1/articles",
            &[
                ("Origin", "https://tin.example.vn"),
                ("Access-Control-Request-Method", "GET"),
            ],
            None,
        )
        .await;
    assert_eq!(preflight.status, 200);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://tin.example.vn")
    );
    let simple = app
        .request(
            Method::GET,
            "/api/v1/articles",
            &[("Origin", "https://tin.example.vn")],
            None,
        )
        .await;
    assert_eq!(
        simple.header("access-control-allow-origin"),
        Some("https://tin.example.vn")
    );
    assert!(simple
        .header("access-control-expose-headers")
        .unwrap()
        .to_lowercase()
        .contains("link"));
    let other = app
        .request(
            Method::GET,
            "/api/v1/articles",
            &[("Origin", "https://evil.example")],
            None,
        )
        .await;
    assert_eq!(other.status, 200);
    assert_eq!(other.header("access-control-allow-origin"), None);
}

#[actix_web::test]
async fn the_docs_page_and_the_spec_are_served() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let docs = app.get("/docs/").await;
    assert_eq!(docs.status, 200);
    let html = String::from_utf8_lossy(&docs.body).to_string();
    assert!(html.contains("swagger-ui"));
    // Works with no internet: every script and stylesheet comes from this server.
    let mut assets = 0;
    for attr in ["src=\"", "href=\""] {
        for piece in html.split(attr).skip(1) {
            let target = &piece[..piece.find('"').unwrap()];
            assert!(
                !target.contains("//"),
                "/docs/ loads {target} from elsewhere"
            );
            let res = app
                .get(&format!("/docs/{}", target.trim_start_matches("./")))
                .await;
            assert_eq!(res.status, 200, "{target}");
            assets += 1;
        }
    }
    assert!(assets >= 3);
    let initializer = app.get("/docs/swagger-initializer.js").await;
    assert!(String::from_utf8_lossy(&initializer.body).contains("\"/openapi.json\""));
    // Without the slash, a redirect (read raw: the client would follow it).
    let host = app.addr.trim_start_matches("http://").to_owned();
    let raw = actix_web::web::block(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&host).unwrap();
        write!(
            stream,
            "GET /docs HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).unwrap();
        out
    })
    .await
    .unwrap();
    assert!(raw.starts_with("HTTP/1.1 308"), "{raw}");
    assert!(raw.to_lowercase().contains("location: /docs/"), "{raw}");
    let spec = app.get("/openapi.json").await;
    assert_eq!(spec.status, 200);
    assert_eq!(
        spec.json(),
        serde_json::to_value(bantin::app::openapi_spec()).unwrap()
    );
    let etag = spec.header("etag").unwrap().to_owned();
    let again = app
        .request(
            Method::GET,
            "/openapi.json",
            &[("If-None-Match", &etag)],
            None,
        )
        .await;
    assert_eq!(again.status, 304);
}

/// The committed spec must be what the code generates: regenerate it with
/// `cargo run -- openapi --output openapi/openapi.json`.
#[test]
fn openapi_spec_is_current() {
    let generated = bantin::openapi::to_pretty_json(&bantin::app::openapi_spec());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -- openapi --output openapi/openapi.json`"
    );
}

#[test]
fn every_operation_has_an_id_a_summary_security_and_problem_responses() {
    let spec = serde_json::to_value(bantin::app::openapi_spec()).unwrap();
    assert!(spec["servers"].as_array().is_some_and(|s| !s.is_empty()));
    let mut ids = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: no operationId"));
            assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
            assert!(op["summary"].is_string(), "{method} {path}: no summary");
            assert!(op["security"].is_array(), "{method} {path}: no security");
            for status in ["400", "500", "503"] {
                assert!(
                    op["responses"][status].is_object(),
                    "{method} {path}: no {status}"
                );
            }
        }
    }
}

#[derive(QueryableByName, Debug)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

fn columns(conn: &mut DbConnection) -> BTreeMap<String, BTreeSet<String>> {
    let rows: Vec<Column> = match conn {
        // `search_fts` is each backend's own index of `search_documents` (a table of tsvectors on
        // PostgreSQL, an FTS5 table on SQLite, which keeps it in shadow tables named after it:
        // `search_fts_data`, …): how one backend indexes, not tables of the data model.
        DbConnection::Pg(pg) => sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = 'public' \
             AND table_name <> '__diesel_schema_migrations' AND table_name NOT LIKE 'search_fts%'",
        )
        .load(pg)
        .unwrap(),
        DbConnection::Sqlite(sqlite) => sql_query(
            "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
             AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations' \
             AND m.name NOT LIKE 'search_fts%'",
        )
        .load(sqlite)
        .unwrap(),
    };
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in rows {
        out.entry(c.table_name).or_default().insert(c.column_name);
    }
    out
}

fn migrated_columns(
    backend: Backend,
) -> Option<(BTreeMap<String, BTreeSet<String>>, helpers::TestDatabase)> {
    let (url, guard) = fresh_database(backend)?;
    let db = Db::open(&url, 1, Duration::from_secs(5)).unwrap();
    let mut conn = db.pool().get().unwrap();
    bantin::startup::migrate(&mut conn).unwrap();
    Some((columns(&mut conn), guard))
}

#[test]
fn both_backends_have_the_same_tables_and_columns() {
    let (sqlite, _a) = migrated_columns(Backend::Sqlite).unwrap();
    assert!(sqlite.len() >= 17, "{sqlite:?}");
    assert!(sqlite["articles"].contains("published_at"));
    match migrated_columns(Backend::Postgres) {
        Some((pg, _b)) => assert_eq!(sqlite, pg),
        None => eprintln!("skipped the PostgreSQL side: BANTIN_TEST_POSTGRES_URL is not set"),
    }
}

db_test!(
    async fn the_demo_data_holds_the_source_articles_and_loading_twice_changes_nothing(app) {
        let again = app
            .db
            .run(|conn| bantin::demo::load(conn).map_err(bantin::error::ApiError::internal))
            .await
            .unwrap();
        assert_eq!(again.total(), 0, "{again:?}");
        let dataset = bantin::demo::dataset().unwrap();
        assert_eq!(dataset.articles.len(), 5);
        let list = app.get("/api/v1/articles?count=true").await.json();
        assert_eq!(list["page"]["total"], 5);
        let tuan_chau = app
            .get("/api/v1/articles/btv-thanh-uy-lam-viec-voi-dang-uy-phuong-tuan-chau")
            .await
            .json();
        assert_eq!(tuan_chau["published_at"], "2021-11-07T20:42:00Z");
        assert_eq!(tuan_chau["authors"], serde_json::json!(["Thu Hường", "Văn Hiệp"]));
        assert_eq!(tuan_chau["category"], "kinh tế");
    }
);
