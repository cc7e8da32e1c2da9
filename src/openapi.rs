//! The OpenAPI document: the base declared here, the operations registered with their routes,
//! and the shared parts (servers, security, problem responses) added in one place.

use actix_web::http::Method;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ServerBuilder};
use utoipa::OpenApi as _;

use crate::error::{FieldError, Problem, PROBLEM_JSON};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "bantin",
        description = "Tin tức và biên bản làm việc của cấp ủy, chính quyền — the news and working-meeting records of Vietnamese party committees and local governments, as a JSON API.\n\nErrors are `application/problem+json` (RFC 9457) with a stable `code`. Lists are keyset-paginated: follow `page.next_cursor` or the `Link: rel=\"next\"` header. Every GET answers with an `ETag` and honours `If-None-Match`.",
        license(name = "MIT", identifier = "MIT"),
        contact(name = "bantin", url = "https://bantin.dev")
    ),
    tags(
        (name = "auth", description = "Bearer tokens for a username and password, and who the caller is."),
        (name = "users", description = "Accounts and their roles: `admin`, `editor`, `viewer` (admin only)."),
        (name = "articles", description = "News reports, as published by the committees' sites."),
        (name = "directives", description = "Tasks given at meetings (the numbered conclusions): who leads, who co-ordinates, by when, how each stands today (`progress`), their progress updates, and the summary leaders read."),
        (name = "targets", description = "Targets (\"chỉ tiêu\") reported at meetings: plan, actual, percent of plan and whether each was met, and the per-organization, per-period counts reports quote (\"12/14 chỉ tiêu đạt và vượt\")."),
        (name = "media", description = "Photos for articles: uploads (raw body or form), their records with captions, and the files themselves — the cleaned original and resized JPEG variants, cached for a year."),
        (name = "meetings", description = "Working sessions and other meetings, with host and counterpart bodies."),
        (name = "attendees", description = "Who attended a meeting, in which role, with the title held there."),
        (name = "organizations", description = "Party committees, people's committees, agencies; with their history after mergers."),
        (name = "people", description = "People named in the reports."),
        (name = "sync", description = "The change feed that mirrors follow."),
        (name = "webhooks", description = "Subscribers that receive every change as a signed POST (Standard Webhooks), with retries and a record of every delivery attempt (admin only)."),
        (name = "search", description = "Full-text search across resources that ignores case and Vietnamese diacritics (`tuan chau` finds “Tuần Châu”, `dang uy` finds “Đảng ủy”)."),
        (name = "operations", description = "Health checks for load balancers and orchestrators.")
    ),
    components(schemas(Problem, FieldError, crate::people::api::Attendance))
)]
struct BaseDoc;

/// The part of the spec declared by hand.
pub fn base() -> OpenApi {
    BaseDoc::openapi()
}

/// Problem responses shared by operations, by status.
const PROBLEMS: &[(&str, &str, &str)] = &[
    ("400", "BadRequest", "The request is malformed: an unknown or invalid query parameter, a tampered cursor, or malformed JSON."),
    ("401", "Unauthorized", "A bearer token is required, or the one given is not valid."),
    ("403", "Forbidden", "The caller's role may not do this."),
    ("404", "NotFound", "No such record (or it is not visible to the caller)."),
    ("409", "Conflict", "The request conflicts with the current state."),
    ("412", "PreconditionFailed", "`If-Match` does not match the current version."),
    ("413", "PayloadTooLarge", "The body is larger than the limit."),
    ("414", "UriTooLong", "The path and query are over 8 KiB."),
    ("415", "UnsupportedMediaType", "The body's content type is not accepted."),
    ("422", "ValidationFailed", "The body is not valid: one entry per field at fault."),
    ("429", "TooManyRequests", "Too many requests from this client (`BANTIN_RATE_LIMIT`): wait for `Retry-After` seconds."),
    ("431", "HeadersTooLarge", "The request headers are over 16 KiB."),
    ("500", "InternalError", "An unexpected error; quote the `request_id` when reporting it."),
    ("503", "Unavailable", "The database cannot be reached right now, or a read took longer than `BANTIN_REQUEST_TIMEOUT_MS`; try again after `Retry-After`."),
];

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .build()
}

/// Adds what every operation shares.
pub fn finish(mut api: OpenApi) -> OpenApi {
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    api.servers = Some(vec![ServerBuilder::new()
        .url("http://127.0.0.1:8080")
        .description(Some("A local bantin (`cargo run`)"))
        .build()]);
    let components = api.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        "bearer".to_owned(),
        RefOr::T(SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("A token from `POST /api/v1/auth/token`."))
                .build(),
        )),
    );
    let mut used = std::collections::BTreeSet::new();
    for (path, item) in api.paths.paths.iter_mut() {
        let has_id = path.contains('{');
        for_each_operation(item, |method, op| {
            let mut statuses = vec!["400", "414", "431", "500", "503"];
            if !(path.starts_with("/health/") || path == "/metrics") {
                statuses.push("429");
            }
            if path.starts_with("/api/") {
                // A missing token where one is needed, or a bad one anywhere.
                statuses.push("401");
            }
            if has_id {
                statuses.push("404");
            }
            if method != Method::GET || op.security.is_some() {
                statuses.push("403");
            }
            if method != Method::GET {
                statuses.push("422");
            }
            if op.request_body.is_some() {
                statuses.push("415");
            }
            let takes_if_match = op
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case("If-Match")));
            if takes_if_match {
                statuses.push("412");
            }
            for status in statuses {
                if let Some((_, name, _)) = PROBLEMS.iter().find(|(s, _, _)| *s == status) {
                    used.insert(*name);
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
                }
            }
            if op.security.is_none() {
                // Public unless the operation declared otherwise; a token still widens what is seen.
                op.security = Some(vec![
                    SecurityRequirement::default(),
                    SecurityRequirement::new("bearer", Vec::<String>::new()),
                ]);
            }
        });
    }
    let components = api.components.get_or_insert_with(Default::default);
    for (_, name, description) in PROBLEMS.iter().filter(|(_, n, _)| used.contains(n)) {
        components
            .responses
            .insert((*name).to_owned(), RefOr::T(problem_response(description)));
    }
    api
}

fn for_each_operation(item: &mut PathItem, mut f: impl FnMut(Method, &mut Operation)) {
    let slots: [(Method, &mut Option<Operation>); 5] = [
        (Method::GET, &mut item.get),
        (Method::POST, &mut item.post),
        (Method::PUT, &mut item.put),
        (Method::PATCH, &mut item.patch),
        (Method::DELETE, &mut item.delete),
    ];
    for (method, op) in slots {
        if let Some(op) = op.as_mut() {
            f(method, op);
        }
    }
}

/// The methods a path serves, for the `Allow` header of a 405.
pub fn methods_of(item: &PathItem) -> Vec<Method> {
    let mut methods = Vec::new();
    for (method, present) in [
        (Method::GET, item.get.is_some()),
        (Method::POST, item.post.is_some()),
        (Method::PUT, item.put.is_some()),
        (Method::PATCH, item.patch.is_some()),
        (Method::DELETE, item.delete.is_some()),
    ] {
        if present {
            methods.push(method);
        }
    }
    methods
}

/// The spec as the committed `openapi/openapi.json` holds it.
pub fn to_pretty_json(api: &OpenApi) -> String {
    let mut s = serde_json::to_string_pretty(api).unwrap_or_default();
    s.push('\n');
    s
}
