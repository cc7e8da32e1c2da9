//! The media resource over HTTP: uploads, records, and the files themselves.

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, web, HttpMessage, HttpRequest, HttpResponse};
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::model::{self, FileRow, MediaFilter, MediaRow, MediaSort};
use super::process::{self, Variant};
use super::store::FileKey;
use super::write;
use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::etag::Tag;
use crate::http::idempotency::{self, Created, IdempotencyKey};
use crate::http::page::{KeysetPlan, Page};
use crate::http::query::StrictQuery;
use crate::http::write::Mode;

pub use super::embed::*;

/// A file for the spec: the raw bytes of an image.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct ImageFile(pub Vec<u8>);

/// The form of a `multipart/form-data` upload: the image in `file`, and the text fields of
/// [`MediaBody`].
pub struct MediaUpload;

impl utoipa::PartialSchema for MediaUpload {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
        let file = ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Binary,
            )))
            .description(Some(
                "The image: JPEG, PNG or WebP, at most 10 MiB and 40 megapixels.",
            ));
        let mut form = match <MediaBody as utoipa::PartialSchema>::schema() {
            utoipa::openapi::RefOr::T(Schema::Object(object)) => object,
            _ => utoipa::openapi::schema::Object::new(),
        };
        form.description = Some("The form of a `multipart/form-data` upload.".to_owned());
        form.properties
            .shift_insert(0, "file".to_owned(), file.into());
        form.required = vec!["file".to_owned()];
        utoipa::openapi::RefOr::T(Schema::Object(form))
    }
}

impl ToSchema for MediaUpload {}

pub use super::write::MediaBody;

/// An upload as received, before its bytes are looked at.
struct Upload {
    bytes: Bytes,
    /// The format the raw body's `Content-Type` declares (none for a form).
    declared: Option<image::ImageFormat>,
    text: MediaBody,
}

/// Room for a form's boundaries and text fields beside a file of the largest size.
const FORM_OVERHEAD: usize = 64 * 1024;

async fn read_body(req: &HttpRequest, mut payload: web::Payload, limit: usize) -> ApiResult<Bytes> {
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "the file is larger than {} MiB",
            process::MAX_BYTES / (1024 * 1024)
        ))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut buf = BytesMut::with_capacity(declared.unwrap_or(64 * 1024).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("the body could not be read: {e}")))?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

async fn read_upload(req: &HttpRequest, payload: web::Payload) -> ApiResult<Upload> {
    let unsupported = || {
        ApiError::UnsupportedMediaType(
            "send the image as the body with Content-Type image/jpeg, image/png or image/webp, or as the `file` field of multipart/form-data".into(),
        )
    };
    let mime = req
        .mime_type()
        .map_err(|_| unsupported())?
        .ok_or_else(unsupported)?;
    let essence = mime.essence_str().to_owned();
    if let Some(format) = process::format_of_content_type(&essence) {
        let bytes = read_body(req, payload, process::MAX_BYTES).await?;
        return Ok(Upload {
            bytes,
            declared: Some(format),
            text: write::read(Map::new(), Mode::Create)?,
        });
    }
    if essence != "multipart/form-data" {
        return Err(unsupported());
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| ApiError::bad_request(format!("the form has no boundary: {e}")))?;
    let body = read_body(req, payload, process::MAX_BYTES + FORM_OVERHEAD).await?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let bad_form = |e: multer::Error| ApiError::bad_request(format!("the form is malformed: {e}"));
    let mut file: Option<Bytes> = None;
    let mut text = Map::new();
    let mut errors = Vec::new();
    while let Some(field) = form.next_field().await.map_err(bad_form)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" if file.is_some() => errors.push(FieldError::new("file", "is sent twice")),
            "file" => file = Some(field.bytes().await.map_err(bad_form)?),
            "caption" | "alt_text" | "credit" => {
                let value = field.text().await.map_err(bad_form)?;
                text.insert(name, Value::String(value));
            }
            _ => errors.push(FieldError::new(
                name,
                "is not a field of an upload; allowed: file, caption, alt_text, credit",
            )),
        }
    }
    let text = match write::read(text, Mode::Create) {
        Ok(t) => Some(t),
        Err(ApiError::Validation(more)) => {
            errors.extend(more);
            None
        }
        Err(e) => return Err(e),
    };
    match (&file, text) {
        (Some(f), Some(text)) if errors.is_empty() => {
            if f.len() > process::MAX_BYTES {
                return Err(ApiError::PayloadTooLarge(format!(
                    "the file is larger than {} MiB",
                    process::MAX_BYTES / (1024 * 1024)
                )));
            }
            Ok(Upload {
                bytes: f.clone(),
                declared: None,
                text,
            })
        }
        _ => {
            if file.is_none() {
                errors.insert(0, FieldError::new("file", "is required"));
            }
            Err(ApiError::Validation(errors))
        }
    }
}

fn media_response(status: StatusCode, media: &Media) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::build(status)
        .content_type("application/json")
        .insert_header((header::LOCATION, format!("/api/v1/media/{}", media.id)))
        .insert_header((header::ETAG, format!("\"{}\"", media.version)))
        .body(serde_json::to_vec(media)?))
}

/// A random id below 2^53 (and above 2^32, so it never looks like a small sequential one).
fn random_id() -> i64 {
    use rand::Rng;
    rand::thread_rng().gen_range((1_i64 << 32)..(1_i64 << 53))
}

/// Upload an image
///
/// Editor role or above. Send the image as the raw body (`Content-Type: image/jpeg`, `image/png`
/// or `image/webp`), or as the `file` field of a `multipart/form-data` form with `caption`,
/// `alt_text` and `credit`. The format is read from the bytes: anything but JPEG, PNG or WebP
/// (an SVG, a GIF, a file whose bytes do not match its declared type) is a 415. At most 10 MiB
/// (413) and 40 megapixels (422, read from the image header before any pixel is decoded).
/// EXIF (with any GPS position), XMP and comments are removed, and the orientation is applied:
/// the original is re-encoded (a JPEG at quality 90, a PNG as PNG, a WebP as lossless WebP).
/// Three JPEG variants are made once, here: `thumb` (320 px wide), `medium` (800), `large` (1600),
/// never upscaled. Uploading the same bytes again answers 200 with the existing record, unchanged.
#[utoipa::path(operation_id = "create_media", tag = "media",
    request_body(content(
        (ImageFile = "image/jpeg"),
        (ImageFile = "image/png"),
        (ImageFile = "image/webp"),
        (MediaUpload = "multipart/form-data")
    ), description = "The image, as the raw body or as a form"),
    responses((status = 201, description = "Created", body = Media),
        (status = 200, description = "These bytes were uploaded before: the existing record", body = Media, headers(("Location" = String), ("ETag" = String))),
        (status = 415, description = "Not a JPEG, PNG or WebP image, or not the type declared", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/media")]
pub async fn create_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Editor)?;
    let upload = read_upload(&req, payload).await?;
    let format = process::sniff(&upload.bytes).ok_or_else(|| {
        ApiError::UnsupportedMediaType(
            "the file is not a JPEG, PNG or WebP image (its type is read from its bytes)".into(),
        )
    })?;
    if let Some(declared) = upload.declared.filter(|d| *d != format) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the body is declared as {} but its bytes are {}",
            process::content_type(declared),
            process::content_type(format)
        )));
    }
    let sha256 = process::sha256_hex(&upload.bytes);
    // The request, for Idempotency-Key: the same bytes with the same texts.
    let scope = format!("{}:POST /media", caller.user_id().unwrap_or_default());
    let raw = serde_json::json!({
        "sha256": sha256,
        "caption": upload.text.caption.as_set(),
        "alt_text": upload.text.alt_text.as_set(),
        "credit": upload.text.credit.as_set(),
    });
    if key.0.is_some() {
        let (scope, key, raw) = (scope.clone(), key.0.clone(), raw.clone());
        let first = state
            .db
            .run(move |conn| idempotency::replay(conn, &scope, key.as_deref(), &raw))
            .await?;
        if let Some(first) = first {
            return Ok(first.into_response(true));
        }
    }
    let existing = {
        let sha256 = sha256.clone();
        state
            .db
            .run(move |conn| {
                model::find_by_sha256(conn, &sha256)?
                    .map(|row| load_one(conn, row))
                    .transpose()
            })
            .await?
    };
    if let Some(media) = existing {
        return media_response(StatusCode::OK, &media);
    }
    let bytes = upload.bytes.clone();
    let processed = web::block(move || process::process(&bytes, format)).await??;

    let id = random_id();
    let mut kept = Vec::new();
    for file in &processed.files {
        let key = FileKey::new(id, file.variant);
        if let Err(e) = state.media.put(key, file.bytes.clone()).await {
            forget(&state, &kept).await;
            return Err(e);
        }
        kept.push(key);
    }
    let now = crate::time::now();
    let original = processed.original();
    let row = MediaRow {
        id,
        kind: "image".into(),
        content_type: original.content_type.into(),
        byte_size: original.bytes.len() as i64,
        width: original.width as i32,
        height: original.height as i32,
        caption: upload.text.caption.into_option(),
        alt_text: upload.text.alt_text.into_option(),
        credit: upload.text.credit.into_option(),
        sha256: processed.upload_sha256.clone(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let files: Vec<FileRow> = processed
        .files
        .iter()
        .map(|f| FileRow {
            media_id: id,
            variant: f.variant.as_str().into(),
            content_type: f.content_type.into(),
            width: f.width as i32,
            height: f.height as i32,
            byte_size: f.bytes.len() as i64,
            sha256: f.sha256.clone(),
        })
        .collect();
    let outcome = state
        .db
        .write(move |conn| {
            // Another upload of the same bytes may have committed meanwhile.
            if let Some(row) = model::find_by_sha256(conn, &row.sha256)? {
                return Ok(Stored::Existing(Box::new(load_one(conn, row)?)));
            }
            let (created, _) = idempotency::once(conn, &scope, key.0.as_deref(), &raw, |conn| {
                let row = write::create(conn, row, &files)?;
                let media = Media::from_rows(row, files)?;
                Created::at(format!("/api/v1/media/{}", media.id), media.version, &media)
            })?;
            Ok(Stored::Created(created))
        })
        .await;
    match outcome {
        Ok(Stored::Created(created)) => Ok(created.into_response(false)),
        Ok(Stored::Existing(media)) => {
            forget(&state, &kept).await;
            media_response(StatusCode::OK, &media)
        }
        Err(e) => {
            forget(&state, &kept).await;
            Err(e)
        }
    }
}

/// What the upload's transaction came to.
enum Stored {
    Created(Created),
    /// The same bytes, uploaded meanwhile by another request.
    Existing(Box<Media>),
}

/// Removes files from the store, logging (not failing on) what cannot be removed.
async fn forget(state: &AppState, keys: &[FileKey]) {
    for key in keys {
        if let Err(e) = state.media.delete(*key).await {
            tracing::warn!(file = %key.path(), error = %e, "media file left in the store");
        }
    }
}

crate::list_query! {
    /// Query parameters of `GET /media`.
    pub struct ListMediaQuery {
        /// Order of the list. Default `-created_at` (newest upload first).
        #[param(inline)]
        pub sort: Option<MediaSort>,
        /// Only records changed at or after this RFC 3339 time.
        #[param(example = "2021-11-07T20:42:00Z")]
        pub updated_since: Option<DateTime<Utc>>,
    }
}

/// List media
///
/// Viewer role or above: the list would reveal the ids of images that only unpublished articles
/// show, which are otherwise unguessable.
#[utoipa::path(operation_id = "list_media", tag = "media",
    params(ListMediaQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of media records", body = Page<Media>)))]
#[get("/media")]
pub async fn list_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: StrictQuery<ListMediaQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Viewer)?;
    let q = query.into_inner();
    let sort = q.sort.unwrap_or_default();
    let plan = KeysetPlan::new::<Media>(&state.cursor_key, ("media", sort.key()), &q)?;
    let filter = MediaFilter {
        updated_since: q.updated_since.map(|t| t.naive_utc()),
    };
    let finish = |conn: &mut _, rows: Vec<MediaRow>| {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut files = model::files_of(conn, &ids)?;
        rows.into_iter()
            .map(|row| {
                let f = files.remove(&row.id).unwrap_or_default();
                Media::from_rows(row, f)
            })
            .collect()
    };
    let to = (&req, &state.db);
    plan.answer(to, (filter, sort), model::list, finish).await
}

crate::get_handler!(
    /// Get a media record
    ///
    /// Anyone who has the id may read it, whatever the state of the articles that show it.
    get_media, "/media/{id}", tag = "media", id = "The media id", response = Media,
    "The record",
    read = |conn, id| {
        let row = model::find(conn, id)?.ok_or_else(|| not_found(id))?;
        load_one(conn, row)
    },
    etag = |media: &Media| Tag::Version(media.version),
);

/// The files that can be asked for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VariantName {
    Original,
    Thumb,
    Medium,
    Large,
}

/// Get a media file
///
/// The image itself: `original` (the upload with its metadata removed, in its own format) or a
/// JPEG variant, `thumb` (320 px wide at most), `medium` (800) or `large` (1600). Served to anyone
/// who has the id, also for images that only unpublished articles show. A file never changes:
/// it has a strong `ETag` (`If-None-Match` gives a 304) and may be cached for a year.
#[utoipa::path(operation_id = "get_media_file", tag = "media",
    params(("id" = i64, Path, description = "The media id"),
        ("variant" = inline(VariantName), Path, description = "Which file")),
    responses((status = 200, description = "The image",
        content(
            (ImageFile = "image/jpeg"),
            (ImageFile = "image/png"),
            (ImageFile = "image/webp")
        ),
        headers(("ETag" = String, description = "Strong: the file's SHA-256"),
            ("Cache-Control" = String, description = "`public, max-age=31536000, immutable`"),
            ("Content-Security-Policy" = String, description = "`default-src 'none'; sandbox`: nothing in the file may run"))),
        (status = 304, description = "The client's copy is current")))]
#[get("/media/{id}/{variant}")]
pub async fn get_media_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> ApiResult<HttpResponse> {
    let (id, name) = path.into_inner();
    let variant = Variant::parse(&name).ok_or_else(|| {
        ApiError::not_found(format!(
            "no file `{name}`; the files are original, thumb, medium and large"
        ))
    })?;
    let file = state
        .db
        .run(move |conn| Ok(model::file(conn, id, variant.as_str())?))
        .await?
        .ok_or_else(|| not_found(id))?;
    let etag = format!("\"{}\"", file.sha256);
    if crate::http::etag::if_none_match(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, IMMUTABLE))
            .finish());
    }
    let bytes = state
        .media
        .get(FileKey::new(id, variant))
        .await?
        .ok_or_else(|| {
            ApiError::internal(format!("the media store has no bytes for {id}/{name}"))
        })?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, IMMUTABLE))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            crate::http::caching::STORED_FILE_CSP,
        ))
        .body(bytes))
}

crate::update_handler!(
    /// Change a media record
    ///
    /// Editor role or above. A JSON merge patch of `caption`, `alt_text` and `credit` (`null`
    /// clears); the image itself cannot change — upload another.
    update_media, "/media/{id}", tag = "media", id = "The media id", body = MediaBody,
    example = {"caption": "Toàn cảnh buổi làm việc", "credit": null},
    response = Media, "The changed record",
    read = |body| write::read(body.0, Mode::Patch),
    write = |conn, id, if_match, input| {
        let row = write::update(conn, id, if_match, input)?;
        load_one(conn, row)
    },
    etag = |media| Tag::Version(media.version),
);

/// Delete a media record
///
/// Editor role or above. A record that an article still shows (as its cover or in its gallery)
/// is a 409 naming those articles. The files go with the record.
#[utoipa::path(operation_id = "delete_media", tag = "media",
    params(("id" = i64, Path, description = "The media id")),
    responses((status = 204, description = "Deleted"),
        (status = 409, description = "Articles still show it", body = crate::error::Problem, content_type = "application/problem+json")))]
#[delete("/media/{id}")]
pub async fn delete_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let res = crate::http::write::delete(&req, &state, &caller, move |conn, if_match| {
        write::delete(conn, id, if_match)
    })
    .await?;
    let keys: Vec<FileKey> = Variant::ALL
        .into_iter()
        .map(|v| FileKey::new(id, v))
        .collect();
    forget(&state, &keys).await;
    Ok(res)
}

/// Registers the routes (and their spec) of this resource.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_media)
        .service(create_media)
        .service(get_media)
        .service(update_media)
        .service(delete_media)
        .service(get_media_file);
}
