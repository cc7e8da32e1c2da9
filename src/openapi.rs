//! The OpenAPI document: the base declared here, the operations registered with their routes,
//! and the shared parts (servers, security, problem responses) added in one place.

use actix_web::http::Method;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::Required;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ServerBuilder};
use utoipa::OpenApi as _;

use crate::error::{FieldError, Problem, PROBLEM_JSON};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "bantin",
        description = "Tin tức và biên bản làm việc của cấp ủy, chính quyền — the news and working-meeting records of Vietnamese party committees and local governments, as a JSON API.\n\nErrors are `application/problem+json` (RFC 9457) with a stable `code`. Lists are keyset-paginated: follow `page.next_cursor` or the `Link: rel=\"next\"` header. Every GET answers with an `ETag` and honours `If-None-Match`. In request bodies, text is counted in Unicode characters after NFC normalization, and blank text or a control character other than tab and line breaks is refused (each text field's `pattern`).",
        license(name = "MIT", identifier = "MIT"),
        contact(name = "bantin", url = "https://bantin.dev")
    ),
    tags(
        (name = "auth", description = "Bearer tokens for a username and password, and who the caller is."),
        (name = "users", description = "Accounts and their roles: `admin`, `editor`, `viewer` (admin only)."),
        (name = "articles", description = "News reports, as published by the committees' sites."),
        (name = "tags", description = "A newsroom's keywords for its articles: an article lists its tags in order (the first is its primary tag), and `GET /articles?tag=<slug>` finds them."),
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
    components(schemas(Problem, FieldError, crate::people::embed::Attendance))
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
/// `public_url` is `BANTIN_PUBLIC_URL`; without it the server is relative (`/`), so "Try it out"
/// works wherever the document is served from.
pub fn finish(mut api: OpenApi, public_url: Option<&str>) -> OpenApi {
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    api.servers = Some(vec![match public_url {
        Some(url) => ServerBuilder::new()
            .url(url)
            .description(Some("This bantin (`BANTIN_PUBLIC_URL`)"))
            .build(),
        None => ServerBuilder::new()
            .url("/")
            .description(Some("The server this document was fetched from"))
            .build(),
    }]);
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
    components.security_schemes.insert(
        "metrics_token".to_owned(),
        RefOr::T(SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "`BANTIN_METRICS_TOKEN`, when the server sets one: for Prometheus scrapers.",
                ))
                .build(),
        )),
    );
    let mut used = std::collections::BTreeSet::new();
    for (path, item) in api.paths.paths.iter_mut() {
        let has_id = path.contains('{');
        for_each_operation(item, |method, op| {
            add_write_conventions(path, &method, op);
            add_answer_headers(path, &method, op);
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
            if method != Method::GET || (op.security.is_some() && path.starts_with("/api/")) {
                statuses.push("403");
            }
            if method != Method::GET {
                statuses.push("422");
            }
            if op.request_body.is_some() {
                statuses.extend(["413", "415"]);
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
    add_create_bodies(&mut api);
    tighten_request_bodies(&mut api);
    allow_partial_answers(&mut api);
    api
}

/// A read that takes `fields` may answer only part of each record: its record (or each record of
/// its page) is then the whole record or `<Record>Part`, the same properties with only `id`
/// required.
fn allow_partial_answers(api: &mut OpenApi) {
    let mut records = std::collections::BTreeSet::new();
    let mut pages = std::collections::BTreeSet::new();
    for item in api.paths.paths.values_mut() {
        let Some(op) = item.get.as_mut() else {
            continue;
        };
        let takes_fields = op
            .parameters
            .iter()
            .flatten()
            .any(|p| matches!(p, RefOr::T(p) if p.name == "fields"));
        if !takes_fields {
            continue;
        }
        let Some(RefOr::T(answer)) = op.responses.responses.get_mut("200") else {
            continue;
        };
        for content in answer.content.values_mut() {
            let RefOr::T(content) = content else { continue };
            let Some(name) = content.schema.as_ref().and_then(ref_name) else {
                continue;
            };
            if let Some(record) = name.strip_prefix("Page_") {
                records.insert(record.to_owned());
                pages.insert(name);
            } else {
                content.schema = Some(whole_or_part(&name));
                records.insert(name);
            }
        }
    }
    let Some(components) = api.components.as_mut() else {
        return;
    };
    for page in pages {
        let record = page.trim_start_matches("Page_").to_owned();
        if !components.schemas.contains_key(&record) {
            records.remove(&record);
            continue;
        }
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&page) else {
            continue;
        };
        let Some(RefOr::T(Schema::Array(data))) = object.properties.get_mut("data") else {
            continue;
        };
        // The record, declared in place or referred to, becomes the record or its part.
        if let ArrayItems::RefOrSchema(items) = &mut data.items {
            **items = whole_or_part(&record);
        }
    }
    for record in records {
        let Some(RefOr::T(Schema::Object(whole))) = components.schemas.get(&record) else {
            continue;
        };
        let mut part = whole.clone();
        // What names the record: its `id`, else its first field (as `fields` keeps it).
        let key = if whole.properties.contains_key("id") {
            Some("id".to_owned())
        } else {
            whole.properties.keys().next().cloned()
        };
        part.required = key.into_iter().collect();
        part.description = Some(format!(
            "Part of a {record}: what names it (`id`) and the fields `fields` names (and what \
             `include` embeds)."
        ));
        part.example = None;
        components
            .schemas
            .insert(format!("{record}Part"), RefOr::T(Schema::Object(part)));
    }
}

/// The record `name`, or its part.
fn whole_or_part(name: &str) -> RefOr<Schema> {
    RefOr::T(Schema::AnyOf(
        utoipa::openapi::schema::AnyOfBuilder::new()
            .item(Ref::from_schema_name(name))
            .item(Ref::from_schema_name(format!("{name}Part")))
            .build(),
    ))
}

/// The 409 of a create whose `Idempotency-Key` another request is still using.
const IDEMPOTENCY_IN_PROGRESS: &str = "A request with this Idempotency-Key is in progress";

/// What every write under `/api/` shares, declared here once rather than on each operation: a
/// bearer token is needed (unless the operation says otherwise), a change or delete of a record
/// takes `If-Match`, and a create takes `Idempotency-Key`.
fn add_write_conventions(path: &str, method: &Method, op: &mut Operation) {
    if *method == Method::GET || !path.starts_with("/api/") {
        return;
    }
    if op.security.is_none() {
        op.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
    let header = |name: &str, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(description))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    };
    let parameters = op.parameters.get_or_insert_with(Vec::new);
    let has = |parameters: &Vec<RefOr<Parameter>>, name: &str| {
        parameters
            .iter()
            .any(|p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case(name)))
    };
    if matches!(*method, Method::PATCH | Method::DELETE)
        && path.ends_with("{id}")
        && !has(parameters, "If-Match")
    {
        parameters.push(RefOr::T(header(
            "If-Match",
            "The version you read, as `\"3\"`: 412 if the record changed since",
        )));
    }
    if *method == Method::POST
        && op.responses.responses.contains_key("201")
        && !has(parameters, "Idempotency-Key")
    {
        parameters.push(RefOr::T(header(
            "Idempotency-Key",
            "Makes a retried POST safe: the same key and body within 24 h return the first \
             response and create nothing; another body with the same key is a 422",
        )));
        op.responses
            .responses
            .entry("409".to_owned())
            .or_insert_with(|| RefOr::T(problem_response(IDEMPOTENCY_IN_PROGRESS)));
    }
}

/// The headers every answer of the API carries, declared once: the record or page a `GET` or a
/// `PATCH` answers, and the record a create answers, carry an `ETag`; a create also its
/// `Location`; a page the `Link` to the next.
fn add_answer_headers(path: &str, method: &Method, op: &mut Operation) {
    if !path.starts_with("/api/") {
        return;
    }
    let status = match *method {
        Method::GET | Method::PATCH => "200",
        Method::POST => "201",
        _ => return,
    };
    let Some(RefOr::T(answer)) = op.responses.responses.get_mut(status) else {
        return;
    };
    let is_page = answer.content.values().any(|c| match c {
        RefOr::T(c) => matches!(&c.schema, Some(RefOr::Ref(r))
            if r.ref_location.starts_with("#/components/schemas/Page_")),
        RefOr::Ref(_) => false,
    });
    let header = |description: Option<&str>| {
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(description)
                .build(),
        )
    };
    let headers = &mut answer.headers;
    headers
        .entry("ETag".to_owned())
        .or_insert_with(|| header(None));
    if status == "201" {
        headers
            .entry("Location".to_owned())
            .or_insert_with(|| header(None));
    }
    if is_page {
        let next = "`<…>; rel=\"next\"` when another page follows";
        headers.insert("Link".to_owned(), header(Some(next)));
    }
}

/// A create whose body is its resource's body as declared, with the fields it requires, less the
/// ones the path gives; the declared body without `required` is what a patch takes.
struct CreateBody {
    path: &'static str,
    /// The resource's body schema.
    base: &'static str,
    /// The schema made for the create.
    name: &'static str,
    from_path: &'static [&'static str],
    description: &'static str,
}

const CREATE_BODIES: &[CreateBody] = &[
    CreateBody {
        path: "/api/v1/articles",
        base: "ArticleBody",
        name: "NewArticle",
        from_path: &[],
        description: "A new article.",
    },
    CreateBody {
        path: "/api/v1/tags",
        base: "TagBody",
        name: "NewTag",
        from_path: &[],
        description: "A new tag.",
    },
    CreateBody {
        path: "/api/v1/meetings",
        base: "MeetingBody",
        name: "NewMeeting",
        from_path: &[],
        description: "A new meeting.",
    },
    CreateBody {
        path: "/api/v1/attendees",
        base: "AttendeeBody",
        name: "NewAttendee",
        from_path: &[],
        description: "A new attendance: who attended which meeting.",
    },
    CreateBody {
        path: "/api/v1/meetings/{id}/attendees",
        base: "AttendeeBody",
        name: "NewMeetingAttendee",
        from_path: &["meeting_id"],
        description: "A new attendance at the meeting in the path.",
    },
    CreateBody {
        path: "/api/v1/organizations",
        base: "OrganizationBody",
        name: "NewOrganization",
        from_path: &[],
        description: "A new organization.",
    },
    CreateBody {
        path: "/api/v1/people",
        base: "PersonBody",
        name: "NewPerson",
        from_path: &[],
        description: "A new person.",
    },
    CreateBody {
        path: "/api/v1/directives",
        base: "DirectiveBody",
        name: "NewDirective",
        from_path: &[],
        description: "A new directive.",
    },
    CreateBody {
        path: "/api/v1/meetings/{id}/directives",
        base: "DirectiveBody",
        name: "NewMeetingDirective",
        from_path: &["meeting_id"],
        description: "A new directive of the meeting in the path.",
    },
    CreateBody {
        path: "/api/v1/webhooks",
        base: "WebhookChanges",
        name: "NewWebhook",
        from_path: &[],
        description: "A new webhook.",
    },
    CreateBody {
        path: "/api/v1/targets",
        base: "TargetBody",
        name: "NewTarget",
        from_path: &[],
        description: "A new target.",
    },
];

/// Fields a patch of a resource does not take, though its body schema names them (fixed once
/// created).
const FIXED_AFTER_CREATE: &[(&str, &str, &[&str])] = &[(
    "/api/v1/attendees/{id}",
    "AttendeeChanges",
    &["meeting_id", "person_id"],
)];

/// Gives each create its own body schema, with the fields it requires, so that clients and
/// fuzzers know what a create needs; and gives a patch that takes fewer fields its own.
fn add_create_bodies(api: &mut OpenApi) {
    let components = api.components.get_or_insert_with(Default::default);
    let mut derived = Vec::new();
    for create in CREATE_BODIES {
        let Some(RefOr::T(Schema::Object(base))) = components.schemas.get(create.base) else {
            continue;
        };
        let mut schema = base.clone();
        schema.description = Some(create.description.to_owned());
        for name in create.from_path {
            schema.properties.shift_remove(*name);
        }
        schema
            .required
            .retain(|field| !create.from_path.contains(&field.as_str()));
        derived.push((create.path, Method::POST, create.name, schema));
    }
    // What a patch takes: the same fields, none of them required.
    for create in CREATE_BODIES {
        if let Some(RefOr::T(Schema::Object(base))) = components.schemas.get_mut(create.base) {
            base.required.clear();
        }
    }
    for (path, name, fixed) in FIXED_AFTER_CREATE {
        let Some(base_name) = request_schema_of(api, path, Method::PATCH) else {
            continue;
        };
        let components = api.components.get_or_insert_with(Default::default);
        let Some(RefOr::T(Schema::Object(base))) = components.schemas.get(&base_name) else {
            continue;
        };
        let mut schema = base.clone();
        for field in *fixed {
            schema.properties.shift_remove(*field);
        }
        schema.description = Some(format!(
            "Changes to the record (a JSON merge patch); {} are fixed once it is created.",
            fixed
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        ));
        derived.push((*path, Method::PATCH, *name, schema));
    }
    for (path, method, name, schema) in derived {
        let Some(item) = api.paths.paths.get_mut(path) else {
            continue;
        };
        for_each_operation(item, |m, op| {
            if m != method {
                return;
            }
            for content in op.request_body.iter_mut().flat_map(body_contents_mut) {
                content.schema = Some(RefOr::Ref(Ref::from_schema_name(name)));
            }
        });
        let components = api.components.get_or_insert_with(Default::default);
        components
            .schemas
            .insert(name.to_owned(), RefOr::T(Schema::Object(schema)));
    }
    // A base no operation takes any more (every use was given its own) leaves the spec.
    let still_used = request_schemas(api);
    let components = api.components.get_or_insert_with(Default::default);
    for create in CREATE_BODIES {
        if !still_used.contains(create.base) {
            components.schemas.remove(create.base);
        }
    }
}

/// The schema an operation's JSON body refers to.
fn request_schema_of(api: &mut OpenApi, path: &str, method: Method) -> Option<String> {
    let mut found = None;
    let item = api.paths.paths.get_mut(path)?;
    for_each_operation(item, |m, op| {
        if m == method {
            found = op
                .request_body
                .iter_mut()
                .flat_map(body_contents_mut)
                .find_map(|c| ref_name(c.schema.as_ref()?));
        }
    });
    found
}

/// The contents of a request body declared in place (every body here is).
fn body_contents_mut(body: &mut RefOr<RequestBody>) -> impl Iterator<Item = &mut Content> {
    match body {
        RefOr::T(body) => Some(body.content.values_mut()),
        RefOr::Ref(_) => None,
    }
    .into_iter()
    .flatten()
    .filter_map(|content| match content {
        RefOr::T(content) => Some(content),
        RefOr::Ref(_) => None,
    })
}

fn ref_name(schema: &RefOr<Schema>) -> Option<String> {
    match schema {
        RefOr::Ref(r) => r.ref_location.rsplit('/').next().map(str::to_owned),
        RefOr::T(_) => None,
    }
}

/// The schemas request bodies refer to, and the ones those refer to in turn.
fn request_schemas(api: &mut OpenApi) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    for item in api.paths.paths.values_mut() {
        for_each_operation(item, |_, op| {
            for content in op.request_body.iter_mut().flat_map(body_contents_mut) {
                names.extend(content.schema.as_ref().and_then(ref_name));
            }
        });
    }
    let Some(components) = api.components.as_ref() else {
        return names;
    };
    let mut todo: Vec<String> = names.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get(&name) else {
            continue;
        };
        for property in object.properties.values() {
            let inner = match property {
                RefOr::T(Schema::Array(array)) => match &array.items {
                    ArrayItems::RefOrSchema(items) => items.as_ref(),
                    ArrayItems::False => continue,
                },
                other => other,
            };
            if let Some(found) = ref_name(inner) {
                if names.insert(found.clone()) {
                    todo.push(found);
                }
            }
        }
    }
    names
}

/// Request bodies refuse fields they do not know, and their text fields take the text rule.
fn tighten_request_bodies(api: &mut OpenApi) {
    let names = request_schemas(api);
    let components = api.components.get_or_insert_with(Default::default);
    for name in names {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&name) else {
            continue;
        };
        if object.properties.is_empty() {
            continue;
        }
        object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        for property in object.properties.values_mut() {
            // An absent field keeps (patch) or takes the documented default (create): the
            // `null` a body struct's `serde(default)` shows here means neither.
            match property {
                RefOr::T(Schema::Object(field)) => {
                    if field.max_length.is_some()
                        && field.pattern.is_none()
                        && field.format.is_none()
                    {
                        field.pattern = Some(crate::http::write::TEXT_PATTERN.to_owned());
                    }
                    field.default = field.default.take().filter(|d| !d.is_null());
                }
                RefOr::T(Schema::Array(field)) => {
                    field.default = field.default.take().filter(|d| !d.is_null());
                }
                RefOr::T(Schema::OneOf(field)) => {
                    field.default = field.default.take().filter(|d| !d.is_null());
                }
                RefOr::Ref(field) => field.default = field.default.take().filter(|d| !d.is_null()),
                _ => {}
            }
        }
    }
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
