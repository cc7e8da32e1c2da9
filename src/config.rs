//! Typed settings, read once from `BANTIN_*` environment variables.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use rand::RngCore;

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the database lives, parsed from `BANTIN_DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                return Err(
                    "the sqlite URL names no file (expected sqlite://path/to/file.db)".into(),
                );
            }
            return Ok(Self::Sqlite(PathBuf::from(rest)));
        }
        Err("expected a URL starting with postgres:// or sqlite://".into())
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Postgres(url) => write!(f, "Postgres({})", redact_url(url)),
            Self::Sqlite(path) => write!(f, "Sqlite({})", path.display()),
        }
    }
}

/// Hides the password in a connection URL.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("redacted"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "<unparseable url>".to_owned(),
    }
}

/// A setting that could not be used: names the variable and says why.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn err(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

/// Every setting of the service.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub bind: SocketAddr,
    pub jwt_secret: Secret,
    /// True when the JWT secret was generated and kept beside the embedded database.
    pub jwt_secret_generated: bool,
    pub token_ttl: Duration,
    pub cors_origins: Vec<String>,
    pub pool_size: u32,
    pub db_timeout: Duration,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub workers: usize,
    /// Where media bytes are kept (`BANTIN_MEDIA_STORE`).
    pub media_store: StoreSetting,
    pub webhooks: WebhookSettings,
    /// Requests a second each client address may make (bursts of twice that); 0 for no limit.
    pub rate_limit: u32,
    /// How long a read may take before it is answered 503; zero for no limit.
    pub request_timeout: Duration,
    /// The base of every absolute URL bantin writes (`BANTIN_PUBLIC_URL`), without a trailing
    /// slash; `None` when unset.
    pub public_url: Option<String>,
    /// The proxies whose `X-Forwarded-For` names the client (`BANTIN_TRUSTED_PROXIES`).
    pub trusted_proxies: crate::http::client::TrustedProxies,
    /// The bearer token `/metrics` asks for (`BANTIN_METRICS_TOKEN`); open when `None`.
    pub metrics_token: Option<Secret>,
    /// The page of an article on the newsroom's site (`BANTIN_SITE_ARTICLE_URL`).
    pub site_article_url: Option<crate::site::ArticleUrlTemplate>,
    /// The publisher's name (`BANTIN_SITE_NAME`).
    pub site_name: String,
    /// The articles' language (`BANTIN_SITE_LANGUAGE`).
    pub site_language: String,
    /// Whether an article's JSON-LD carries its body (`BANTIN_JSONLD_BODY`).
    pub jsonld_body: bool,
}

/// How webhook deliveries are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Whether this server runs the delivery worker.
    pub worker: bool,
    /// Whether subscriber URLs may point at loopback and private addresses (tests, closed networks).
    pub allow_private: bool,
    /// The longest a subscriber may take to answer one delivery.
    pub timeout: Duration,
    /// The wait after the first failed attempt; each later wait doubles (at most an hour), with
    /// jitter.
    pub retry_base: Duration,
    /// How long a delivery is retried before it is marked failed and its subscriber disabled.
    pub retry_window: Duration,
    /// How often an idle worker looks for new changes.
    pub poll: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            worker: true,
            allow_private: false,
            timeout: Duration::from_secs(10),
            retry_base: Duration::from_secs(10),
            retry_window: Duration::from_secs(24 * 3600),
            poll: Duration::from_secs(1),
        }
    }
}

/// The variables read by [`Config::from_env`], with their defaults, for `--help` and the README.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://bantin.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const MIN_SECRET_BYTES: usize = 32;
pub const MIN_METRICS_TOKEN_BYTES: usize = 16;

/// `BANTIN_PUBLIC_URL`: an absolute http(s) URL with a host and nothing after its path, kept
/// without a trailing slash (`https://api.tinhuy.example.vn`, `https://tinhuy.example.vn/bantin`).
pub fn parse_public_url(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw).map_err(|e| {
        format!("`{raw}` is not an absolute URL such as https://api.example.vn ({e})")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("`{raw}` must be an http or https URL with a host"));
    }
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(format!(
            "`{raw}` must hold no query, fragment, user name or password"
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl Config {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let raw_url = get("BANTIN_DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let database_url =
            DatabaseUrl::parse(raw_url.trim()).map_err(|m| err("BANTIN_DATABASE_URL", m))?;

        let bind_raw = get("BANTIN_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let bind: SocketAddr = bind_raw.trim().parse().map_err(|_| {
            err(
                "BANTIN_BIND",
                format!("`{bind_raw}` is not an address:port such as 127.0.0.1:8080"),
            )
        })?;

        let (jwt_secret, jwt_secret_generated) = match get("BANTIN_JWT_SECRET") {
            Some(s) if s.len() >= MIN_SECRET_BYTES => (Secret::new(s.into_bytes()), false),
            Some(_) => {
                return Err(err(
                    "BANTIN_JWT_SECRET",
                    format!("must be at least {MIN_SECRET_BYTES} bytes long"),
                ))
            }
            None => match &database_url {
                DatabaseUrl::Sqlite(path) => (load_or_make_secret(path)?, true),
                DatabaseUrl::Postgres(_) => {
                    return Err(err(
                        "BANTIN_JWT_SECRET",
                        format!(
                            "is required with PostgreSQL (at least {MIN_SECRET_BYTES} random bytes, shared by every server)"
                        ),
                    ))
                }
            },
        };

        let token_ttl = Duration::from_secs(parse_num(
            get("BANTIN_TOKEN_TTL"),
            "BANTIN_TOKEN_TTL",
            3600,
            60,
            7 * 24 * 3600,
        )?);

        let cors_origins = get("BANTIN_CORS_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().trim_end_matches('/').to_owned())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        for origin in &cors_origins {
            if origin != "*"
                && url::Url::parse(origin)
                    .map(|u| u.host().is_none())
                    .unwrap_or(true)
            {
                return Err(err(
                    "BANTIN_CORS_ORIGINS",
                    format!("`{origin}` is not an origin such as https://tin.example.vn (or *)"),
                ));
            }
        }

        let pool_size = parse_num(get("BANTIN_POOL_SIZE"), "BANTIN_POOL_SIZE", 10, 1, 1000)? as u32;
        let db_timeout = Duration::from_millis(parse_num(
            get("BANTIN_DB_TIMEOUT_MS"),
            "BANTIN_DB_TIMEOUT_MS",
            5000,
            100,
            600_000,
        )?);
        let default_workers = std::thread::available_parallelism()
            .map(|n| n.get() as u64)
            .unwrap_or(2);
        let workers = parse_num(
            get("BANTIN_WORKERS"),
            "BANTIN_WORKERS",
            default_workers,
            1,
            256,
        )? as usize;

        let log_filter = get("BANTIN_LOG").unwrap_or_else(|| "info".to_owned());
        if tracing_subscriber::EnvFilter::try_new(&log_filter).is_err() {
            return Err(err(
                "BANTIN_LOG",
                format!("`{log_filter}` is not a log filter such as info or bantin=debug,info"),
            ));
        }
        let log_format = match get("BANTIN_LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(err(
                    "BANTIN_LOG_FORMAT",
                    format!("`{other}` is neither text nor json"),
                ))
            }
        };

        let webhooks = WebhookSettings {
            worker: parse_bool(
                get("BANTIN_WEBHOOKS_WORKER"),
                "BANTIN_WEBHOOKS_WORKER",
                true,
            )?,
            allow_private: parse_bool(
                get("BANTIN_WEBHOOKS_ALLOW_PRIVATE"),
                "BANTIN_WEBHOOKS_ALLOW_PRIVATE",
                false,
            )?,
            timeout: Duration::from_millis(parse_num(
                get("BANTIN_WEBHOOKS_TIMEOUT_MS"),
                "BANTIN_WEBHOOKS_TIMEOUT_MS",
                10_000,
                100,
                120_000,
            )?),
            retry_base: Duration::from_millis(parse_num(
                get("BANTIN_WEBHOOKS_RETRY_BASE_MS"),
                "BANTIN_WEBHOOKS_RETRY_BASE_MS",
                10_000,
                10,
                3_600_000,
            )?),
            retry_window: Duration::from_secs(parse_num(
                get("BANTIN_WEBHOOKS_RETRY_WINDOW"),
                "BANTIN_WEBHOOKS_RETRY_WINDOW",
                24 * 3600,
                1,
                30 * 24 * 3600,
            )?),
            poll: Duration::from_millis(parse_num(
                get("BANTIN_WEBHOOKS_POLL_MS"),
                "BANTIN_WEBHOOKS_POLL_MS",
                1000,
                10,
                600_000,
            )?),
        };
        let media_store = StoreSetting::parse(&get("BANTIN_MEDIA_STORE").unwrap_or_default(), get)
            .map_err(|m| err("BANTIN_MEDIA_STORE", m))?;

        let rate_limit = parse_num(
            get("BANTIN_RATE_LIMIT"),
            "BANTIN_RATE_LIMIT",
            100,
            0,
            1_000_000,
        )? as u32;
        let request_timeout = Duration::from_millis(parse_num(
            get("BANTIN_REQUEST_TIMEOUT_MS"),
            "BANTIN_REQUEST_TIMEOUT_MS",
            30_000,
            0,
            3_600_000,
        )?);

        let public_url = get("BANTIN_PUBLIC_URL")
            .map(|raw| parse_public_url(raw.trim()))
            .transpose()
            .map_err(|m| err("BANTIN_PUBLIC_URL", m))?;
        let trusted_proxies = crate::http::client::TrustedProxies::parse(
            &get("BANTIN_TRUSTED_PROXIES").unwrap_or_default(),
        )
        .map_err(|m| err("BANTIN_TRUSTED_PROXIES", m))?;
        let metrics_token = match get("BANTIN_METRICS_TOKEN") {
            None => None,
            Some(t) if t.trim().len() >= MIN_METRICS_TOKEN_BYTES && t.trim().is_ascii() => {
                Some(Secret::new(t.trim().as_bytes().to_vec()))
            }
            Some(_) => {
                return Err(err(
                    "BANTIN_METRICS_TOKEN",
                    format!("must be at least {MIN_METRICS_TOKEN_BYTES} ASCII characters"),
                ))
            }
        };

        let site_article_url = get("BANTIN_SITE_ARTICLE_URL")
            .map(|raw| crate::site::ArticleUrlTemplate::parse(&raw))
            .transpose()
            .map_err(|m| err("BANTIN_SITE_ARTICLE_URL", m))?;
        let site_name = get("BANTIN_SITE_NAME")
            .map(|raw| crate::site::parse_label(&raw))
            .transpose()
            .map_err(|m| err("BANTIN_SITE_NAME", m))?
            .unwrap_or_else(|| crate::site::DEFAULT_NAME.to_owned());
        let site_language = get("BANTIN_SITE_LANGUAGE")
            .map(|raw| crate::site::parse_language(&raw))
            .transpose()
            .map_err(|m| err("BANTIN_SITE_LANGUAGE", m))?
            .unwrap_or_else(|| crate::site::DEFAULT_LANGUAGE.to_owned());

        let jsonld_body = parse_bool(get("BANTIN_JSONLD_BODY"), "BANTIN_JSONLD_BODY", false)?;

        Ok(Self {
            jsonld_body,
            site_article_url,
            site_name,
            site_language,
            public_url,
            trusted_proxies,
            metrics_token,
            media_store,
            database_url,
            bind,
            jwt_secret,
            jwt_secret_generated,
            token_ttl,
            cors_origins,
            pool_size,
            db_timeout,
            log_filter,
            log_format,
            workers,
            webhooks,
            rate_limit,
            request_timeout,
        })
    }
}

fn parse_bool(raw: Option<String>, var: &'static str, default: bool) -> Result<bool, ConfigError> {
    match raw.as_deref().map(str::trim) {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(other) => Err(err(var, format!("`{other}` is neither true nor false"))),
    }
}

fn parse_num(
    raw: Option<String>,
    var: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ConfigError> {
    let Some(raw) = raw else { return Ok(default) };
    let n: u64 = raw
        .trim()
        .parse()
        .map_err(|_| err(var, format!("`{raw}` is not a whole number")))?;
    if !(min..=max).contains(&n) {
        return Err(err(var, format!("{n} is outside {min}..={max}")));
    }
    Ok(n)
}

/// The embedded database keeps its generated signing secret in a file beside it, so tokens and
/// cursors survive a restart.
fn load_or_make_secret(db_path: &std::path::Path) -> Result<Secret, ConfigError> {
    let mut path = db_path.as_os_str().to_owned();
    path.push(".secret");
    let path = PathBuf::from(path);
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= MIN_SECRET_BYTES => return Ok(Secret::new(bytes)),
        Ok(_) => {
            return Err(err(
                "BANTIN_JWT_SECRET",
                format!(
                    "the kept secret {} is too short; remove it to make a new one",
                    path.display()
                ),
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(err(
                "BANTIN_JWT_SECRET",
                format!("cannot read {}: {e}", path.display()),
            ))
        }
    }
    let mut bytes = [0u8; 48];
    rand::thread_rng().fill_bytes(&mut bytes);
    let encoded = hex::encode(bytes).into_bytes();
    write_private(&path, &encoded).map_err(|e| {
        err(
            "BANTIN_JWT_SECRET",
            format!("cannot keep a generated secret at {}: {e}", path.display()),
        )
    })?;
    Ok(Secret::new(encoded))
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The parsed `BANTIN_MEDIA_STORE` setting.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreSetting {
    Db,
    File(PathBuf),
    S3 {
        bucket: String,
        prefix: String,
        /// `AWS_*` settings from the environment, as `(lower-case name, value)`.
        options: Vec<(String, String)>,
    },
}

/// The `AWS_*` variables passed to the S3 client.
pub const AWS_VARIABLES: &[&str] = &[
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ALLOW_HTTP",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
];

impl fmt::Debug for StoreSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Db => f.write_str("Db"),
            Self::File(p) => write!(f, "File({})", p.display()),
            Self::S3 {
                bucket,
                prefix,
                options,
            } => {
                let names: Vec<&str> = options.iter().map(|(k, _)| k.as_str()).collect();
                write!(f, "S3(s3://{bucket}/{prefix}, set: {names:?})")
            }
        }
    }
}

impl StoreSetting {
    /// Parses `db`, `file:///absolute/path` or `s3://bucket/prefix`; `lookup` reads the `AWS_*`
    /// variables for S3.
    pub fn parse(raw: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() || raw == "db" {
            return Ok(Self::Db);
        }
        let url = url::Url::parse(raw)
            .map_err(|_| format!("`{raw}` is not db, file:///path or s3://bucket/prefix"))?;
        match url.scheme() {
            "file" => {
                let path = url
                    .to_file_path()
                    .map_err(|_| format!("`{raw}` does not name an absolute local directory"))?;
                Ok(Self::File(path))
            }
            "s3" => {
                let bucket = url.host_str().unwrap_or_default().to_owned();
                if bucket.is_empty() {
                    return Err(format!("`{raw}` names no bucket (s3://bucket/prefix)"));
                }
                let prefix = url.path().trim_matches('/').to_owned();
                let options = AWS_VARIABLES
                    .iter()
                    .filter_map(|name| {
                        lookup(name)
                            .filter(|v| !v.trim().is_empty())
                            .map(|v| (name.to_ascii_lowercase(), v.trim().to_owned()))
                    })
                    .collect();
                Ok(Self::S3 {
                    bucket,
                    prefix,
                    options,
                })
            }
            other => Err(format!(
                "the scheme `{other}` is not db, file:///path or s3://bucket/prefix"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn webhook_settings_have_defaults_and_bad_values_name_their_variable() {
        let c = config(&[("BANTIN_JWT_SECRET", SECRET)]).unwrap();
        assert_eq!(c.webhooks, WebhookSettings::default());
        assert!(!c.webhooks.allow_private);
        let c = config(&[
            ("BANTIN_JWT_SECRET", SECRET),
            ("BANTIN_WEBHOOKS_ALLOW_PRIVATE", "true"),
            ("BANTIN_WEBHOOKS_RETRY_WINDOW", "60"),
        ])
        .unwrap();
        assert!(c.webhooks.allow_private);
        assert_eq!(c.webhooks.retry_window, Duration::from_secs(60));
        for (var, value) in [
            ("BANTIN_WEBHOOKS_ALLOW_PRIVATE", "maybe"),
            ("BANTIN_WEBHOOKS_WORKER", "2"),
            ("BANTIN_WEBHOOKS_TIMEOUT_MS", "ten"),
            ("BANTIN_WEBHOOKS_RETRY_WINDOW", "0"),
            ("BANTIN_RATE_LIMIT", "-1"),
            ("BANTIN_REQUEST_TIMEOUT_MS", "soon"),
        ] {
            let err = config(&[("BANTIN_JWT_SECRET", SECRET), (var, value)]).unwrap_err();
            assert_eq!(err.var, var);
        }
    }

    #[test]
    fn public_url_proxies_and_metrics_token_are_checked() {
        let c = config(&[("BANTIN_JWT_SECRET", SECRET)]).unwrap();
        assert_eq!(c.public_url, None);
        assert!(c.trusted_proxies.is_empty());
        assert!(c.metrics_token.is_none());
        let c = config(&[
            ("BANTIN_JWT_SECRET", SECRET),
            ("BANTIN_PUBLIC_URL", "https://api.tinhuy.example.vn/"),
            ("BANTIN_TRUSTED_PROXIES", "10.0.0.0/8, ::1"),
            ("BANTIN_METRICS_TOKEN", "scrape-0123456789abcdef"),
        ])
        .unwrap();
        assert_eq!(
            c.public_url.as_deref(),
            Some("https://api.tinhuy.example.vn")
        );
        assert!(!c.trusted_proxies.is_empty());
        assert!(c.metrics_token.is_some());
        for (var, value) in [
            ("BANTIN_PUBLIC_URL", "api.example.vn"),
            ("BANTIN_PUBLIC_URL", "ftp://api.example.vn"),
            ("BANTIN_PUBLIC_URL", "https://api.example.vn/?x=1"),
            ("BANTIN_TRUSTED_PROXIES", "10.0.0.0/40"),
            ("BANTIN_METRICS_TOKEN", "short"),
        ] {
            let e = config(&[("BANTIN_JWT_SECRET", SECRET), (var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{value}");
        }
    }

    #[test]
    fn the_site_settings_are_checked() {
        let c = config(&[("BANTIN_JWT_SECRET", SECRET)]).unwrap();
        assert_eq!(c.site_article_url, None);
        assert_eq!(c.site_name, "bantin");
        assert_eq!(c.site_language, "vi");
        let c = config(&[
            ("BANTIN_JWT_SECRET", SECRET),
            (
                "BANTIN_SITE_ARTICLE_URL",
                "https://tinhuy.example.vn/tin-tuc/{slug}",
            ),
            ("BANTIN_SITE_NAME", " Cổng thông tin Thành ủy Thái Nguyên "),
            ("BANTIN_SITE_LANGUAGE", "en-US"),
        ])
        .unwrap();
        assert!(c.site_article_url.is_some());
        assert_eq!(c.site_name, "Cổng thông tin Thành ủy Thái Nguyên");
        assert_eq!(c.site_language, "en-US");
        for (var, value) in [
            (
                "BANTIN_SITE_ARTICLE_URL",
                "https://tinhuy.example.vn/tin-tuc",
            ),
            ("BANTIN_SITE_ARTICLE_URL", "/tin-tuc/{slug}"),
            ("BANTIN_SITE_ARTICLE_URL", "javascript:alert({id})"),
            ("BANTIN_SITE_NAME", "a\u{7}b"),
            ("BANTIN_SITE_LANGUAGE", "tiếng Việt"),
            ("BANTIN_JSONLD_BODY", "sometimes"),
        ] {
            let e = config(&[("BANTIN_JWT_SECRET", SECRET), (var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{value}");
        }
    }

    #[test]
    fn a_bad_bind_address_names_the_variable() {
        let e = config(&[("BANTIN_BIND", "localhost"), ("BANTIN_JWT_SECRET", SECRET)]).unwrap_err();
        assert_eq!(e.var, "BANTIN_BIND");
    }

    #[test]
    fn an_unknown_database_scheme_is_refused() {
        let e = config(&[
            ("BANTIN_DATABASE_URL", "mysql://x"),
            ("BANTIN_JWT_SECRET", SECRET),
        ])
        .unwrap_err();
        assert_eq!(e.var, "BANTIN_DATABASE_URL");
    }

    #[test]
    fn postgres_needs_a_secret_and_a_short_one_is_refused() {
        let e = config(&[("BANTIN_DATABASE_URL", "postgres://x@h/db")]).unwrap_err();
        assert_eq!(e.var, "BANTIN_JWT_SECRET");
        let e = config(&[("BANTIN_JWT_SECRET", "short")]).unwrap_err();
        assert_eq!(e.var, "BANTIN_JWT_SECRET");
    }

    #[test]
    fn numbers_out_of_range_and_bad_formats_are_refused() {
        for (var, value) in [
            ("BANTIN_POOL_SIZE", "0"),
            ("BANTIN_POOL_SIZE", "many"),
            ("BANTIN_LOG_FORMAT", "xml"),
            ("BANTIN_CORS_ORIGINS", "not an origin"),
            ("BANTIN_DB_TIMEOUT_MS", "5"),
        ] {
            let e = config(&[(var, value), ("BANTIN_JWT_SECRET", SECRET)]).unwrap_err();
            assert_eq!(e.var, var, "{value}");
        }
    }

    #[test]
    fn the_embedded_default_keeps_a_generated_secret_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/x.db", dir.path().display());
        let first = config(&[("BANTIN_DATABASE_URL", &url)]).unwrap();
        let second = config(&[("BANTIN_DATABASE_URL", &url)]).unwrap();
        assert!(first.jwt_secret_generated);
        assert_eq!(first.jwt_secret.expose(), second.jwt_secret.expose());
        assert!(
            !format!("{first:?}").contains(std::str::from_utf8(first.jwt_secret.expose()).unwrap())
        );
    }

    #[test]
    fn database_passwords_are_redacted_in_debug_output() {
        let c = config(&[
            ("BANTIN_DATABASE_URL", "postgres://u:hunter2@db/x"),
            ("BANTIN_JWT_SECRET", SECRET),
        ])
        .unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
