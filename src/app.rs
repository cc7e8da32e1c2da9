//! Builds the App — middleware, routes, shared data — the same way for `main` and the tests.

use std::sync::Arc;

use actix_cors::Cors;
use actix_router::ResourceDef;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::{from_fn, Compress};
use actix_web::{get, web, App, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::AppExt;

use crate::auth::token::TokenKeys;
use crate::config::Config;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{json_response, Tag};
use crate::http::page::CursorKey;

/// What every handler shares. Nothing in it is per-server state: servers stay interchangeable.
pub struct AppState {
    pub db: Db,
    pub cursor_key: CursorKey,
    pub tokens: TokenKeys,
    /// "Now" and "today in Vietnam"; fixed in tests.
    pub clock: crate::time::Clock,
    pub webhooks: crate::config::WebhookSettings,
    pub metrics: Arc<crate::http::metrics::Metrics>,
    /// Per-client request limit (`BANTIN_RATE_LIMIT`); none when 0.
    pub rate_limiter: Option<Arc<crate::http::limits::RateLimiter>>,
    /// How long a read may take (`BANTIN_REQUEST_TIMEOUT_MS`); none when 0.
    pub request_timeout: Option<std::time::Duration>,
    /// Where the bytes of media files are kept (`BANTIN_MEDIA_STORE`).
    pub media: Arc<dyn crate::media::store::MediaStore>,
    /// The proxies whose `X-Forwarded-For` names the client (`BANTIN_TRUSTED_PROXIES`).
    pub trusted_proxies: crate::http::client::TrustedProxies,
    /// The base of every absolute URL written into an answer: `BANTIN_PUBLIC_URL`, else the bind
    /// address. Never taken from a request's headers.
    pub public_base: String,
    /// The bearer token `/metrics` asks for (`BANTIN_METRICS_TOKEN`).
    pub metrics_token: Option<crate::config::Secret>,
    /// The newsroom's site, for the links to articles written for readers.
    pub site: Arc<crate::site::Site>,
    /// The most documents a list filtered beyond the search index examines per request
    /// ([`crate::search::MAX_EXAMINED`]; smaller in tests).
    pub search_examine_limit: i64,
    /// Reads the search documents of every searched resource ([`crate::startup::search_docs`]).
    pub search_docs: crate::search::DocsOf,
    /// Signs and checks the links that preview an article.
    pub preview: crate::articles::preview::PreviewKeys,
    /// What the scheduler of this server did, for `/metrics`.
    pub scheduler: Arc<crate::articles::scheduler::SchedulerStats>,
}

impl AppState {
    /// The state with media bytes kept in the database; see [`AppState::with_media`].
    pub fn new(db: Db, config: &Config) -> Self {
        let public_base = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", config.bind));
        Self {
            media: Arc::new(crate::media::store::DbStore::new(db.clone())),
            db,
            cursor_key: CursorKey::derive(config.jwt_secret.expose()),
            tokens: TokenKeys::new(config.jwt_secret.expose(), config.token_ttl.as_secs()),
            clock: crate::time::Clock::System,
            webhooks: config.webhooks.clone(),
            metrics: Arc::default(),
            rate_limiter: crate::http::limits::RateLimiter::new(config.rate_limit).map(Arc::new),
            request_timeout: Some(config.request_timeout).filter(|t| !t.is_zero()),
            trusted_proxies: config.trusted_proxies.clone(),
            public_base: public_base.clone(),
            site: Arc::new(crate::site::Site {
                article_url: config.site_article_url.clone(),
                api_base: public_base,
                name: config.site_name.clone(),
                language: config.site_language.clone(),
                jsonld_body: config.jsonld_body,
            }),
            metrics_token: config.metrics_token.clone(),
            search_examine_limit: crate::search::MAX_EXAMINED,
            search_docs: crate::startup::search_docs,
            preview: crate::articles::preview::PreviewKeys::derive(config.jwt_secret.expose()),
            scheduler: Arc::default(),
        }
    }

    /// Keeps media bytes in `store` instead.
    pub fn with_media(mut self, store: Arc<dyn crate::media::store::MediaStore>) -> Self {
        self.media = store;
        self
    }
}

/// The spec exactly as the running App serves it, without a database.
pub fn openapi_spec() -> utoipa::openapi::OpenApi {
    let (_, api) = routes(App::new().into_utoipa_app()).split_for_parts();
    crate::openapi::finish(api, None)
}

/// Every documented route, registered once for both the App and its spec.
fn routes<T>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(crate::openapi::base())
        .service(
            utoipa_actix_web::scope("/api/v1")
                .configure(crate::auth::api::configure)
                .configure(crate::users::api::configure)
                .configure(crate::articles::api::configure)
                .configure(crate::tags::api::configure)
                .configure(crate::media::api::configure)
                .configure(crate::meetings::api::configure)
                .configure(crate::attendees::api::configure)
                .configure(crate::organizations::api::configure)
                .configure(crate::people::api::configure)
                .configure(crate::sync::change_feed::configure)
                .configure(crate::sync::import_api::configure)
                .configure(crate::sync::webhooks::configure)
                .configure(crate::directives::api::configure)
                .configure(crate::targets::api::configure)
                .configure(crate::search::api::configure),
        )
        .configure(crate::sync::syndication::configure)
        .configure(crate::sync::sitemaps::configure)
        .service(health_live)
        .service(health_ready)
        .service(crate::http::metrics::metrics)
}

/// Settings the App itself needs beyond the state.
#[derive(Debug, Clone, Default)]
pub struct AppSettings {
    pub cors_origins: Vec<String>,
    /// `BANTIN_PUBLIC_URL`: the server the served spec names (relative when unset).
    pub public_url: Option<String>,
}

impl From<&Config> for AppSettings {
    fn from(c: &Config) -> Self {
        Self {
            cors_origins: c.cors_origins.clone(),
            public_url: c.public_url.clone(),
        }
    }
}

/// The largest JSON body accepted.
pub const MAX_JSON_BODY: usize = 1024 * 1024;

/// The App with every route, the spec and the middleware stack.
pub fn build(
    state: web::Data<AppState>,
    settings: &AppSettings,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let app = App::new()
        .app_data(state)
        .app_data(json_config())
        .app_data(path_config())
        .into_utoipa_app();
    let (app, api) = routes(app).split_for_parts();
    let api = crate::openapi::finish(api, settings.public_url.as_deref());
    let routes = web::Data::new(RouteTable::from_spec(&api));
    let spec = web::Data::new(Spec(Arc::new(api)));
    app.app_data(routes)
        .app_data(spec)
        .service(openapi_json)
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/docs/"))
                    .finish()
            }),
        )
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::new(["/openapi.json"])),
        )
        .default_service(web::to(no_route))
        .wrap(from_fn(crate::http::caching::cache_control))
        .wrap(cors(&settings.cors_origins))
        .wrap(from_fn(crate::http::limits::limits))
        .wrap(from_fn(crate::http::problems::problems))
        .wrap(from_fn(crate::http::metrics::track))
        .wrap(Compress::default())
        .wrap(tracing_actix_web::TracingLogger::<
            crate::telemetry::RequestSpan,
        >::new())
}

/// The generated spec, built once.
pub struct Spec(pub Arc<utoipa::openapi::OpenApi>);

/// The OpenAPI document, generated from the code.
#[get("/openapi.json")]
async fn openapi_json(req: HttpRequest, spec: web::Data<Spec>) -> ApiResult<HttpResponse> {
    json_response(&req, StatusCode::OK, &*spec.0, Tag::Body)
}

/// Every path the API serves, with its methods: tells a 405 from a 404.
struct RouteTable(Vec<(ResourceDef, Vec<Method>)>);

impl RouteTable {
    fn from_spec(api: &utoipa::openapi::OpenApi) -> Self {
        let mut table = Vec::new();
        for (path, item) in api.paths.paths.iter() {
            let methods = crate::openapi::methods_of(item);
            table.push((ResourceDef::new(path.as_str()), methods));
        }
        Self(table)
    }
}

async fn no_route(req: HttpRequest, routes: web::Data<RouteTable>) -> HttpResponse {
    let path = req.path();
    for (def, methods) in &routes.0 {
        if def.is_match(path) {
            let allow = methods
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            let mut res = actix_web::ResponseError::error_response(&ApiError::MethodNotAllowed);
            if let Ok(v) = header::HeaderValue::from_str(&allow) {
                res.headers_mut().insert(header::ALLOW, v);
            }
            return res;
        }
    }
    actix_web::ResponseError::error_response(&ApiError::not_found(format!("no route for {path}")))
}

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_JSON_BODY)
        .content_type_required(true)
        .content_type(|mime| {
            mime.essence_str() == "application/json"
                || mime.essence_str() == "application/merge-patch+json"
        })
        .error_handler(|err, _req| json_error(err).into())
}

/// A JSON body the extractor refused, as the right problem.
pub fn json_error(err: actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::OverflowKnownLength { length, limit } => ApiError::PayloadTooLarge(format!(
            "the body has {length} bytes; at most {limit} are accepted"
        )),
        E::Overflow { limit } => {
            ApiError::PayloadTooLarge(format!("the body is larger than {limit} bytes"))
        }
        E::ContentType => ApiError::UnsupportedMediaType(
            "send the body as application/json or application/merge-patch+json".into(),
        ),
        E::Deserialize(e) if e.is_data() => {
            ApiError::Validation(vec![crate::error::FieldError::new("body", e.to_string())])
        }
        E::Deserialize(e) => ApiError::bad_request(format!("the body is not valid JSON: {e}")),
        other => ApiError::bad_request(format!("the body could not be read: {other}")),
    }
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        ApiError::bad_request(format!("a path segment is not valid: {err}")).into()
    })
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600)
        // A request from another origin still gets its answer; the browser enforces CORS.
        .block_on_origin_mismatch(false);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// The state of a health check.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when live, `ready` when the database answers.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness
///
/// 200 while the process serves requests; it does not touch the database.
#[utoipa::path(operation_id = "health_live", tag = "operations",
    responses((status = 200, description = "The process is alive", body = Health)))]
#[get("/health/live")]
async fn health_live() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Readiness
///
/// 200 when the database answers and its schema is current; 503 problem+json otherwise.
#[utoipa::path(operation_id = "health_ready", tag = "operations",
    responses((status = 200, description = "Ready to serve", body = Health)))]
#[get("/health/ready")]
async fn health_ready(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let current = state
        .db
        .run(|conn| crate::db::migrate::is_current(conn).map_err(ApiError::Unavailable))
        .await?;
    if !current {
        return Err(ApiError::Unavailable("migrations are pending".into()));
    }
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}
