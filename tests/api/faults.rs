//! Faults: a database that goes away and comes back, connections killed under the server, a
//! write cut in the middle, a panicking handler — and `/metrics`, which counts them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::Method;
use actix_web::{web, HttpServer};
use bantin::app::{self, AppSettings, AppState};
use bantin::config::DatabaseUrl;
use bantin::db::{Backend, Db};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::json;

use crate::db_test;
use crate::helpers::{self, TestApp};

/// A TCP proxy in front of PostgreSQL that can be taken down (refusing new connections and
/// cutting the open ones) and brought back, as a database server restart would.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<actix_web::rt::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: std::net::SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let open: Arc<Mutex<Vec<actix_web::rt::task::JoinHandle<()>>>> = Arc::default();
        let (up2, open2) = (up.clone(), open.clone());
        actix_web::rt::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let handle = actix_web::rt::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                open2.lock().unwrap().push(handle);
            }
        });
        Self { port, up, open }
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        for handle in self.open.lock().unwrap().drain(..) {
            handle.abort();
        }
    }

    fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

fn pg_admin_url() -> Option<String> {
    std::env::var("BANTIN_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

#[actix_web::test]
#[cfg_attr(not(postgres_tests), ignore = "BANTIN_TEST_POSTGRES_URL is not set")]
async fn the_database_going_away_is_a_prompt_503_and_bantin_recovers_by_itself() {
    let Some((url, _database)) = helpers::fresh_database(Backend::Postgres) else {
        eprintln!("skipped: BANTIN_TEST_POSTGRES_URL is not set");
        return;
    };
    let DatabaseUrl::Postgres(real) = &url else {
        unreachable!()
    };
    let mut parsed = url::Url::parse(real).unwrap();
    let target = format!(
        "{}:{}",
        parsed.host_str().unwrap(),
        parsed.port().unwrap_or(5432)
    );
    let target: std::net::SocketAddr = tokio::net::lookup_host(target)
        .await
        .unwrap()
        .next()
        .unwrap();
    {
        let mut conn = PgConnection::establish(real).unwrap();
        conn.batch_execute("SELECT 1").unwrap();
        let db = Db::open(&url, 2, Duration::from_secs(1)).unwrap();
        let mut c = db.pool().get().unwrap();
        bantin::startup::migrate(&mut c).unwrap();
        bantin::demo::load(&mut c).unwrap();
    }
    let proxy = Proxy::start(target).await;
    parsed.set_port(Some(proxy.port)).unwrap();
    let via_proxy = DatabaseUrl::Postgres(format!("{parsed}?connect_timeout=2"));
    let timeout = Duration::from_millis(1500);
    let db = Db::open_lazy(&via_proxy, 2, timeout);
    let config = helpers::test_config(via_proxy);
    let addr = helpers::serve(db, &config, AppSettings::default());
    let client = helpers::client();
    let get = |path: &'static str| {
        let (client, addr) = (client.clone(), addr.clone());
        async move { helpers::send(&client, Method::GET, &format!("{addr}{path}"), &[], None).await }
    };
    assert_eq!(get("/health/ready").await.status, 200);
    assert_eq!(get("/api/v1/articles").await.status, 200);

    proxy.down();
    for path in ["/health/ready", "/api/v1/articles", "/api/v1/meetings/1"] {
        let started = Instant::now();
        let res = get(path).await;
        res.problem(503, "unavailable");
        assert!(
            started.elapsed() < timeout + Duration::from_secs(3),
            "{path} took {:?}, beyond the configured timeout",
            started.elapsed()
        );
    }
    assert_eq!(
        get("/health/live").await.status,
        200,
        "liveness does not need the database"
    );

    proxy.up();
    let started = Instant::now();
    loop {
        let res = get("/health/ready").await;
        if res.status == 200 {
            break;
        }
        res.problem(503, "unavailable");
        assert!(started.elapsed() < Duration::from_secs(20), "no recovery");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        get("/api/v1/articles").await.status,
        200,
        "data requests work again, no restart"
    );
    assert_eq!(get("/api/v1/meetings/1").await.status, 200);
}

/// PostgreSQL only: its backends can be terminated from outside.
#[actix_web::test]
#[cfg_attr(not(postgres_tests), ignore = "BANTIN_TEST_POSTGRES_URL is not set")]
async fn connections_killed_under_the_server_cost_at_most_a_503_each() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        eprintln!("skipped: BANTIN_TEST_POSTGRES_URL is not set");
        return;
    };
    let admin_url = pg_admin_url().expect("set with the app");
    assert_eq!(app.get("/api/v1/articles").await.status, 200);
    let name = app.database_name();
    let mut admin = PgConnection::establish(&admin_url).unwrap();
    diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .execute(&mut admin)
        .unwrap();
    let mut failures = 0;
    for _ in 0..12 {
        let res = app.get("/api/v1/articles").await;
        if res.status != 200 {
            res.problem(503, "unavailable");
            failures += 1;
        }
    }
    assert!(
        failures <= 4,
        "each dead pooled connection (4) fails one request at most: {failures}"
    );
    assert_eq!(app.get("/api/v1/articles").await.status, 200);
    assert_eq!(app.get("/health/ready").await.status, 200);
}

/// PostgreSQL only: its backends can be terminated from outside.
#[actix_web::test]
#[cfg_attr(not(postgres_tests), ignore = "BANTIN_TEST_POSTGRES_URL is not set")]
async fn a_write_cut_in_the_middle_leaves_nothing_behind() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        eprintln!("skipped: BANTIN_TEST_POSTGRES_URL is not set");
        return;
    };
    let admin_url = pg_admin_url().expect("set with the app");
    let editor = app.user("editor").await.1;
    let name = app.database_name();
    let changes_before = app.count("SELECT COUNT(*) AS n FROM changes").await;
    let docs_before = app
        .count("SELECT COUNT(*) AS n FROM search_documents")
        .await;
    // Hold the authors table so the write stops half-way: the article row inserted, its
    // authors waiting.
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.set_path(&name);
    let mut blocker = PgConnection::establish(url.as_str()).unwrap();
    blocker
        .batch_execute("BEGIN; LOCK TABLE article_authors IN ACCESS EXCLUSIVE MODE;")
        .unwrap();
    let body = json!({"title": "Bản tin bị cắt giữa chừng", "body": "…", "authors": ["Thu Hường"]});
    let write = app.json(Method::POST, "/api/v1/articles", Some(&editor), &body);
    let kill = async {
        let mut admin = PgConnection::establish(&admin_url).unwrap();
        let started = Instant::now();
        loop {
            let killed: Vec<bool> = diesel::sql_query(format!(
                    "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = '{name}' AND wait_event_type = 'Lock'"
                ))
                .load::<Killed>(&mut admin)
                .unwrap()
                .into_iter()
                .map(|k| k.killed)
                .collect();
            if killed.contains(&true) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the write never waited"
            );
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let (res, ()) = futures_util::join!(write, kill);
    blocker.batch_execute("ROLLBACK").unwrap();
    res.problem(503, "unavailable");
    let left = app
        .count("SELECT COUNT(*) AS n FROM articles WHERE title = 'Bản tin bị cắt giữa chừng'")
        .await;
    assert_eq!(left, 0, "no half-written article");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM changes").await,
        changes_before
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM search_documents")
            .await,
        docs_before
    );
    // And the same write goes through afterwards.
    let again = app
        .json(Method::POST, "/api/v1/articles", Some(&editor), &body)
        .await;
    assert_eq!(
        again.status,
        201,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
}

#[derive(diesel::QueryableByName)]
struct Killed {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    killed: bool,
}

db_test!(
    async fn a_panicking_handler_is_a_500_problem_and_the_server_goes_on(app) {
        let state = web::Data::new(AppState::new(app.db.clone(), &helpers::test_config(DatabaseUrl::Sqlite("unused.db".into()))));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let server = HttpServer::new(move || {
            app::build(state.clone(), &AppSettings::default())
                .route("/boom", web::get().to(|| async { panic!("boom") as &'static str }))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        actix_web::rt::spawn(server);
        let client = helpers::client();
        for _ in 0..3 {
            let res = helpers::send(&client, Method::GET, &format!("{addr}/boom"), &[], None).await;
            let body = res.problem(500, "internal");
            assert!(!body.to_string().contains("boom"), "no panic text: {body}");
        }
        let ok = helpers::send(&client, Method::GET, &format!("{addr}/api/v1/articles"), &[], None).await;
        assert_eq!(ok.status, 200);
        let _ = app;
    }
);

db_test!(
    async fn metrics_count_requests_by_route_and_status(app) {
        for path in ["/api/v1/articles/1", "/api/v1/articles/2", "/api/v1/articles/999999", "/nowhere"] {
            app.get(path).await;
        }
        let res = app.get("/metrics").await;
        assert_eq!(res.status, 200);
        assert!(res.header("content-type").unwrap().starts_with("text/plain"));
        let text = String::from_utf8(res.body.to_vec()).unwrap();
        let value = |series: &str| -> f64 {
            text.lines()
                .find_map(|l| l.strip_prefix(series).map(|v| v.trim().parse::<f64>().unwrap()))
                .unwrap_or_else(|| panic!("no {series} in\n{text}"))
        };
        assert_eq!(value(r#"bantin_http_requests_total{route="/api/v1/articles/{id}",method="GET",status="200"}"#), 2.0);
        assert_eq!(value(r#"bantin_http_requests_total{route="/api/v1/articles/{id}",method="GET",status="404"}"#), 1.0);
        assert_eq!(value(r#"bantin_http_requests_total{route="unmatched",method="GET",status="404"}"#), 1.0);
        assert_eq!(value(r#"bantin_http_request_duration_seconds_count{route="/api/v1/articles/{id}",method="GET",status="200"}"#), 2.0);
        assert_eq!(value(r#"bantin_http_request_duration_seconds_bucket{route="/api/v1/articles/{id}",method="GET",status="200",le="+Inf"}"#), 2.0);
        assert!(value("bantin_db_pool_max_connections ") >= 1.0);
        assert!(value("bantin_db_pool_connections ") >= 1.0);
        assert_eq!(value("bantin_db_errors_total "), 0.0);
        assert!(!text.contains("/api/v1/articles/1\""), "raw paths never become labels");
    }
);

/// SIGTERM: the request in flight is answered, new connections are refused, and the process
/// exits cleanly within a bound.
#[actix_web::test]
async fn sigterm_drains_the_request_in_flight_and_stops() {
    use diesel::SqliteConnection;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("drain.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_bantin"))
        .arg("serve")
        .env(
            "BANTIN_DATABASE_URL",
            format!("sqlite://{}", file.display()),
        )
        .env("BANTIN_JWT_SECRET", helpers::TEST_SECRET)
        .env("BANTIN_BIND", format!("127.0.0.1:{port}"))
        .env("BANTIN_WORKERS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = helpers::client();
    let started = Instant::now();
    loop {
        let ready = client.get(format!("{base}/health/ready")).send().await;
        if ready.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never ready");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }

    // Hold the database's write lock so that a failed login (which records the failure) waits.
    let mut holder = SqliteConnection::establish(file.to_str().unwrap()).unwrap();
    holder.batch_execute("BEGIN IMMEDIATE").unwrap();
    let token_url = format!("{base}/api/v1/auth/token");
    let login = async {
        let sent = Instant::now();
        let res = helpers::send(
            &client,
            Method::POST,
            &token_url,
            &[("Content-Type", "application/json")],
            Some(r#"{"username": "khong-co", "password": "sai mật khẩu rồi"}"#.into()),
        )
        .await;
        (res, sent.elapsed())
    };
    let terminate_then_release = async {
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        let term = Command::new("kill")
            .args(["-TERM", &server.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        // New connections are no longer taken.
        let refused = std::net::TcpStream::connect(("127.0.0.1", port));
        holder.batch_execute("COMMIT").unwrap();
        refused.is_err()
    };
    let ((res, took), refused) = futures_util::join!(login, terminate_then_release);
    res.problem(401, "unauthorized");
    assert!(
        took >= Duration::from_millis(900),
        "the login was in flight at SIGTERM: {took:?}"
    );
    assert!(refused, "the listener closes at SIGTERM");
    let stopping = Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(stopping.elapsed() < Duration::from_secs(10), "did not stop");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
}
