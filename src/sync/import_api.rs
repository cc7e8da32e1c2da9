//! `POST /import`: a dataset file over HTTP, streamed into the same all-or-nothing import as the
//! `bantin import` command.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::mpsc;

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult, FieldError};

/// The largest dataset accepted over HTTP; larger ones go through `bantin import`.
pub const MAX_IMPORT_BYTES: usize = 512 * 1024 * 1024;

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "imported", "records": 281, "counts": {"articles": 5, "meetings": 5}}))]
pub struct ImportReport {
    /// Always `imported`: a failed import answers 422 and keeps nothing.
    pub status: &'static str,
    pub records: usize,
    /// Records per table.
    pub counts: BTreeMap<String, usize>,
}

/// Reads what the request body sends, chunk by chunk, on the blocking side.
struct ChannelReader {
    rx: mpsc::Receiver<Result<web::Bytes, String>>,
    current: web::Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => self.current = chunk,
                Ok(Err(e)) => return Err(std::io::Error::other(e)),
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

/// Import a dataset
///
/// Admin only. The body is a dataset in the format of `bantin export` (`application/x-ndjson`,
/// one JSON record per line), streamed into an empty database in one transaction: every line is
/// imported, or none. A bad line answers 422 naming it (`errors[].field` is `line N`).
#[utoipa::path(operation_id = "import_dataset", tag = "sync",
    request_body(content = String, content_type = "application/x-ndjson", description = "One record per line, as `bantin export` writes"),
    responses((status = 200, description = "Imported", body = ImportReport),
        (status = 409, description = "The database already holds data", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/x-ndjson", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/import")]
pub async fn import_dataset(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !(content_type.starts_with("application/x-ndjson")
        || content_type.starts_with("application/jsonl"))
    {
        return Err(ApiError::UnsupportedMediaType(
            "send the dataset as application/x-ndjson".into(),
        ));
    }
    let (tx, rx) = mpsc::sync_channel::<Result<web::Bytes, String>>(16);
    let docs_of = state.search_docs;
    let import = state.db.run(move |conn| {
        let mut input = std::io::BufReader::new(ChannelReader {
            rx,
            current: web::Bytes::new(),
        });
        Ok(crate::sync::dataset::import(
            conn,
            &mut input,
            docs_of,
            |_| {},
        ))
    });
    let feed = async move {
        let mut total = 0usize;
        while let Some(chunk) = payload.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    return;
                }
            };
            total += chunk.len();
            if total > MAX_IMPORT_BYTES {
                let _ = tx.send(Err(format!("the body is over {MAX_IMPORT_BYTES} bytes")));
                return;
            }
            // The import side stops reading after an error; a closed channel ends the upload too.
            if web::block({
                let tx = tx.clone();
                move || tx.send(Ok(chunk))
            })
            .await
            .map(|r| r.is_err())
            .unwrap_or(true)
            {
                return;
            }
        }
    };
    let (result, ()) = futures_util::join!(import, feed);
    match result? {
        Ok(counts) => Ok(HttpResponse::Ok().json(ImportReport {
            status: "imported",
            records: counts.values().sum(),
            counts,
        })),
        Err(e) if e.message.contains("already holds content") => Err(ApiError::Conflict(e.message)),
        Err(e) if e.message.contains("over") && e.message.contains("bytes") => {
            Err(ApiError::PayloadTooLarge(e.message))
        }
        Err(e) => Err(ApiError::Validation(vec![FieldError::new(
            e.line
                .map(|l| format!("line {l}"))
                .unwrap_or_else(|| "body".into()),
            e.message,
        )])),
    }
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(import_dataset);
}
