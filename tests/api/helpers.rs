//! Spawns the real App (the builder `main` uses) on 127.0.0.1 with a fresh database per test, on
//! SQLite always and on PostgreSQL when `BANTIN_TEST_POSTGRES_URL` is set.

use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::HeaderMap;
use actix_web::http::Method;
use actix_web::web::{self, Bytes};
use actix_web::HttpServer;
use bantin::app::{self, AppSettings, AppState};
use bantin::config::{Config, DatabaseUrl};
use bantin::db::{Backend, Db};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::Value;

pub const TEST_SECRET: &str = "test-secret-0123456789abcdef-0123456789";

/// Generates one test per backend from one async body taking a [`TestApp`]; `with OPTIONS;`
/// first spawns the apps with those [`Options`] (e.g. a fixed clock).
#[macro_export]
macro_rules! db_test {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        $crate::db_test!(with $crate::helpers::Options::default(); $(#[$meta])* async fn $name($app) $body);
    };
    (with $options:expr; $(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(#[$meta])*
            async fn body($app: $crate::helpers::TestApp) $body

            #[actix_web::test]
            async fn sqlite() {
                body($crate::helpers::TestApp::spawn_with(bantin::db::Backend::Sqlite, $options).await.expect("sqlite app")).await
            }

            #[actix_web::test]
            #[cfg_attr(not(postgres_tests), ignore = "BANTIN_TEST_POSTGRES_URL is not set")]
            async fn postgres() {
                let app = $crate::helpers::TestApp::spawn_with(bantin::db::Backend::Postgres, $options)
                    .await
                    .expect("BANTIN_TEST_POSTGRES_URL is set");
                body(app).await
            }
        }
    };
}

/// A running bantin with its own database.
pub struct TestApp {
    pub addr: String,
    pub db: Db,
    #[allow(dead_code)]
    pub backend: Backend,
    client: awc::Client,
    state: web::Data<AppState>,
    worker: std::cell::RefCell<Option<bantin::sync::webhooks::worker::WorkerHandle>>,
    _database: TestDatabase,
}

/// A database that lives as long as the test: a temporary SQLite file, or a PostgreSQL database
/// created for the test and dropped afterwards.
pub enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ =
                    conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
            }
        }
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Creates an empty database for a test, or `None` for PostgreSQL when it is not configured.
pub fn fresh_database(backend: Backend) -> Option<(DatabaseUrl, TestDatabase)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = DatabaseUrl::Sqlite(dir.path().join("bantin.db"));
            Some((url, TestDatabase::Sqlite(dir)))
        }
        Backend::Postgres => {
            let admin_url = std::env::var("BANTIN_TEST_POSTGRES_URL")
                .ok()
                .filter(|s| !s.is_empty())?;
            let name = format!(
                "bantin_test_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst),
                rand::random::<u32>()
            );
            let mut admin =
                PgConnection::establish(&admin_url).expect("BANTIN_TEST_POSTGRES_URL must connect");
            admin
                .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .expect("create test database");
            let mut url = url::Url::parse(&admin_url).expect("postgres url");
            url.set_path(&name);
            Some((
                DatabaseUrl::Postgres(url.to_string()),
                TestDatabase::Postgres { admin_url, name },
            ))
        }
    }
}

pub fn test_config(url: DatabaseUrl) -> Config {
    let mut config = Config::from_lookup(|name| match name {
        "BANTIN_JWT_SECRET" => Some(TEST_SECRET.to_owned()),
        "BANTIN_POOL_SIZE" => Some("4".to_owned()),
        "BANTIN_DB_TIMEOUT_MS" => Some("3000".to_owned()),
        // Each test that needs the webhook worker starts it (`Options::webhooks`).
        "BANTIN_WEBHOOKS_WORKER" => Some("false".to_owned()),
        "BANTIN_WEBHOOKS_ALLOW_PRIVATE" => Some("true".to_owned()),
        // Tests call fast from one address; the limit has tests of its own.
        "BANTIN_RATE_LIMIT" => Some("0".to_owned()),
        _ => None,
    })
    .expect("test config");
    config.database_url = url;
    config
}

/// What a test asks of the App it spawns.
#[derive(Default, Clone)]
pub struct Options {
    pub no_demo: bool,
    pub settings: AppSettings,
    /// Fixes "now" (and so "today in Vietnam") for the server.
    pub clock: bantin::time::Clock,
    /// Where media bytes are kept; the database when `None`.
    pub media_store: Option<bantin::media::store::StoreSetting>,
    /// Webhook settings in place of the test defaults (no worker, private addresses allowed);
    /// with `worker: true` the server runs the delivery worker.
    pub webhooks: Option<bantin::config::WebhookSettings>,
    /// Requests a second per client, in place of the tests' no limit.
    pub rate_limit: Option<u32>,
    /// The read time limit, in place of the default.
    pub request_timeout: Option<Duration>,
    /// `BANTIN_TRUSTED_PROXIES`.
    pub trusted_proxies: Option<&'static str>,
    /// `BANTIN_METRICS_TOKEN`.
    pub metrics_token: Option<&'static str>,
    /// `BANTIN_PUBLIC_URL` (the spec's server and the base of absolute links).
    pub public_url: Option<&'static str>,
    /// The most documents a narrowed search list examines per request.
    pub search_examine_limit: Option<i64>,
    /// `BANTIN_SITE_ARTICLE_URL`.
    pub site_article_url: Option<&'static str>,
    /// `BANTIN_SITE_NAME`.
    pub site_name: Option<&'static str>,
    /// `BANTIN_JSONLD_BODY=true`.
    pub jsonld_body: bool,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop_worker();
    }
}

impl TestApp {
    /// The App on a fresh, migrated database holding the demo data.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, Options::default()).await
    }

    pub async fn spawn_with(backend: Backend, options: Options) -> Option<Self> {
        let (url, database) = fresh_database(backend)?;
        let config = test_config(url);
        let db =
            Db::open(&config.database_url, config.pool_size, config.db_timeout).expect("open db");
        {
            let mut conn = db.pool().get().expect("conn");
            bantin::startup::migrate(&mut conn).expect("migrate");
            if !options.no_demo {
                bantin::demo::load(&mut conn).expect("demo");
            }
        }
        let mut state = AppState::new(db.clone(), &config);
        state.clock = options.clock;
        if let Some(setting) = &options.media_store {
            state =
                state.with_media(bantin::media::store::open(setting, &db).expect("media store"));
        }
        if let Some(webhooks) = options.webhooks {
            state.webhooks = webhooks;
        }
        if let Some(rate) = options.rate_limit {
            state.rate_limiter = bantin::http::limits::RateLimiter::new(rate).map(Arc::new);
        }
        if let Some(timeout) = options.request_timeout {
            state.request_timeout = Some(timeout);
        }
        if let Some(proxies) = options.trusted_proxies {
            state.trusted_proxies =
                bantin::http::client::TrustedProxies::parse(proxies).expect("proxies");
        }
        if let Some(token) = options.metrics_token {
            state.metrics_token = Some(bantin::config::Secret::new(token.as_bytes().to_vec()));
        }
        let mut settings = options.settings;
        if let Some(url) = options.public_url {
            state.public_base = url.to_owned();
            settings.public_url = Some(url.to_owned());
        }
        if let Some(n) = options.search_examine_limit {
            state.search_examine_limit = n;
        }
        let mut site = (*state.site).clone();
        site.api_base = state.public_base.clone();
        if let Some(template) = options.site_article_url {
            site.article_url =
                Some(bantin::site::ArticleUrlTemplate::parse(template).expect("template"));
        }
        if let Some(name) = options.site_name {
            site.name = name.to_owned();
        }
        site.jsonld_body = options.jsonld_body;
        state.site = Arc::new(site);
        let state = web::Data::new(state);
        let addr = serve_state(state.clone(), settings);
        let worker = state
            .webhooks
            .worker
            .then(|| bantin::sync::webhooks::worker::spawn(state.clone()));
        Some(Self {
            addr,
            db,
            backend,
            client: client(),
            state,
            worker: std::cell::RefCell::new(worker),
            _database: database,
        })
    }

    /// The PostgreSQL database's name (empty on SQLite).
    #[allow(dead_code)]
    pub fn database_name(&self) -> String {
        match &self._database {
            TestDatabase::Postgres { name, .. } => name.clone(),
            TestDatabase::Sqlite(_) => String::new(),
        }
    }

    /// Stops the webhook worker, as a server shutting down would.
    #[allow(dead_code)]
    pub fn stop_worker(&self) {
        if let Some(worker) = self.worker.borrow_mut().take() {
            worker.stop();
        }
    }

    /// Another server's webhook worker on the same database.
    #[allow(dead_code)]
    pub fn extra_worker(&self) -> bantin::sync::webhooks::worker::WorkerHandle {
        bantin::sync::webhooks::worker::spawn(self.state.clone())
    }

    /// Starts a new webhook worker on the same database, as a server starting would.
    #[allow(dead_code)]
    pub fn start_worker(&self) {
        self.stop_worker();
        *self.worker.borrow_mut() = Some(bantin::sync::webhooks::worker::spawn(self.state.clone()));
    }

    /// Starts this server's scheduler, as `bantin serve` does.
    #[allow(dead_code)]
    pub fn spawn_scheduler(&self) -> bantin::articles::scheduler::SchedulerHandle {
        bantin::articles::scheduler::spawn(self.state.clone())
    }

    /// One round of the scheduler of this server, or of another on the same database.
    #[allow(dead_code)]
    pub async fn scheduler_round(&self) -> usize {
        bantin::articles::scheduler::round(&self.state)
            .await
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.request(Method::GET, path, &[], None).await
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Bytes>,
    ) -> Resp {
        send(&self.client, method, &self.url(path), headers, body).await
    }
}

/// Starts a server for `db` on a free port and returns its base URL.
pub fn serve(db: Db, config: &Config, settings: AppSettings) -> String {
    serve_with_clock(db, config, settings, bantin::time::Clock::System)
}

pub fn serve_with_clock(
    db: Db,
    config: &Config,
    settings: AppSettings,
    clock: bantin::time::Clock,
) -> String {
    let mut state = AppState::new(db, config);
    state.clock = clock;
    serve_state(web::Data::new(state), settings)
}

/// Starts a server for `state` on a free port and returns its base URL.
pub fn serve_state(state: web::Data<AppState>, settings: AppSettings) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = format!("http://{}", listener.local_addr().expect("addr"));
    let server = HttpServer::new(move || app::build(state.clone(), &settings))
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
    actix_web::rt::spawn(server);
    addr
}

pub fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish()
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status and code, and returns its body.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let body = self.json();
        assert_eq!(body["status"], status);
        assert_eq!(body["code"], code, "{body}");
        assert!(body["type"].as_str().is_some_and(|t| t.ends_with(code)));
        assert!(body["title"].is_string());
        let request_id = body["request_id"].as_str().expect("request_id");
        assert_eq!(Some(request_id), self.header("x-request-id"));
        body
    }
}

pub async fn send(
    client: &awc::Client,
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Bytes>,
) -> Resp {
    let mut req = client.request(method, url);
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let mut res = match body {
        Some(b) => req.send_body(b).await,
        None => req.send().await,
    }
    .unwrap_or_else(|e| panic!("request to {url} failed: {e}"));
    let body = res.body().limit(64 * 1024 * 1024).await.expect("body");
    Resp {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body,
    }
}

pub const PASSWORD: &str = "mật khẩu thật dài 2021";

impl TestApp {
    /// Creates a user with `role` straight in the database and logs in as them over HTTP.
    pub async fn user(&self, role: &str) -> (i64, String) {
        let username = format!("{role}-{}", COUNTER.fetch_add(1, Ordering::SeqCst));
        let id = self.create_user(&username, role).await;
        (id, self.login(&username, PASSWORD).await)
    }

    pub async fn create_user(&self, username: &str, role: &str) -> i64 {
        let hash = bantin::auth::password::hash(PASSWORD).unwrap();
        let role = bantin::auth::Role::parse(role).expect("a known role");
        let username = username.to_owned();
        self.db
            .run(move |conn| Ok(bantin::users::model::create(conn, username, None, hash, role)?.id))
            .await
            .unwrap()
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let res = self
            .json(
                Method::POST,
                "/api/v1/auth/token",
                None,
                &serde_json::json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(
            res.status,
            200,
            "login: {}",
            String::from_utf8_lossy(&res.body)
        );
        res.json()["access_token"].as_str().unwrap().to_owned()
    }

    /// Sends a JSON body, with a bearer token when given.
    pub async fn json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Resp {
        self.json_with(method, path, token, body, &[]).await
    }

    pub async fn json_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Resp {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut all: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
        if let Some(a) = &auth {
            all.push(("Authorization", a));
        }
        all.extend_from_slice(headers);
        self.request(
            method,
            path,
            &all,
            Some(Bytes::from(serde_json::to_vec(body).unwrap())),
        )
        .await
    }

    /// GET with a bearer token.
    pub async fn get_as(&self, path: &str, token: &str) -> Resp {
        let auth = format!("Bearer {token}");
        self.request(Method::GET, path, &[("Authorization", &auth)], None)
            .await
    }

    /// Runs a query on the test's database.
    pub async fn count(&self, sql: &'static str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.db
            .run(move |conn| {
                use diesel::RunQueryDsl;
                Ok(diesel::sql_query(sql).get_result::<N>(conn)?.n)
            })
            .await
            .unwrap()
    }
}

impl TestApp {
    /// Adds a held meeting on `date` (YYYY-MM-DD) straight to the database.
    pub async fn insert_meeting(&self, title: &str, date: &str) -> i64 {
        use bantin::db::schema::meetings;
        use diesel::RunQueryDsl;
        let now = bantin::time::now();
        use bantin::meetings::model::{MeetingKind, MeetingStatus};
        let row = bantin::meetings::model::MeetingRow {
            id: 0,
            title: title.to_owned(),
            kind: MeetingKind::WorkingSession,
            date: date.parse().expect("a YYYY-MM-DD date"),
            part_of_day: None,
            starts_at: None,
            location: None,
            chair_person_id: None,
            topic: None,
            period_label: None,
            summary: None,
            status: MeetingStatus::Held,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.db
            .run(move |conn| {
                Ok(diesel::insert_into(meetings::table)
                    .values(row)
                    .returning(meetings::id)
                    .get_result::<i64>(conn)?)
            })
            .await
            .unwrap()
    }

    /// Adds an organization straight to the database.
    pub async fn insert_organization(&self, name: &str, parent_id: Option<i64>) -> i64 {
        use bantin::db::schema::organizations;
        use diesel::RunQueryDsl;
        let now = bantin::time::now();
        use bantin::organizations::model::{OrgKind, OrgLevel};
        let row = bantin::organizations::model::OrgRow {
            id: 0,
            name: name.to_owned(),
            short_name: None,
            kind: OrgKind::PartyCommittee,
            level: OrgLevel::Commune,
            parent_id,
            locality: None,
            valid_from: None,
            valid_to: None,
            successor_id: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.db
            .run(move |conn| {
                Ok(diesel::insert_into(organizations::table)
                    .values(row)
                    .returning(organizations::id)
                    .get_result::<i64>(conn)?)
            })
            .await
            .unwrap()
    }

    /// Follows `next_cursor` (through the `Link` header) from `first` to the last page and returns
    /// every record in the order served.
    pub async fn walk(&self, first: &str) -> Vec<Value> {
        let mut seen = Vec::new();
        let mut path = first.to_owned();
        for _ in 0..1000 {
            let res = self.get(&path).await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            let body = res.json();
            seen.extend(body["data"].as_array().unwrap().iter().cloned());
            if body["page"]["next_cursor"].is_null() {
                assert!(res.header("link").is_none());
                return seen;
            }
            let link = res
                .header("link")
                .expect("a Link header when another page follows");
            path = link[1..link.find('>').unwrap()].to_owned();
        }
        panic!("the cursor walk did not end");
    }
}

/// The `id` of each record of a list body (`{"data": [...]}`) or of a list of records.
/// The `field` of each entry of a problem's `errors`, in order.
pub fn problem_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("a problem with errors")
        .iter()
        .map(|e| e["field"].as_str().expect("a field").to_owned())
        .collect()
}

pub fn ids_of(v: &Value) -> Vec<i64> {
    v.get("data")
        .unwrap_or(v)
        .as_array()
        .expect("an array of records")
        .iter()
        .map(|r| r["id"].as_i64().expect("an id"))
        .collect()
}
