//! The tags resource over HTTP.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use super::model::{self, TagFilter, TagSort};
use super::write;
use crate::app::AppState;
use crate::error::ApiResult;
use crate::http::etag::Tag as ETag;
use crate::http::idempotency::Created;
use crate::http::page::{KeysetPlan, Page};
use crate::http::query::StrictQuery;
use crate::http::write::{JsonObject, Mode};

pub use super::embed::*;

crate::list_query! {
    /// Query parameters of `GET /tags`.
    pub struct ListTagsQuery {
        /// Order of the list: `name` (the default, ignoring case and diacritics) or `-updated_at`.
        #[param(inline)]
        pub sort: Option<TagSort>,
        /// Words in the name, ignoring case and Vietnamese diacritics (`đ` as `d`); all must
        /// occur. At most 200 characters.
        #[param(example = "chuyen doi")]
        pub q: Option<String>,
    }
}

/// List tags
///
/// By name by default; `q` finds tags by the words of their name.
#[utoipa::path(operation_id = "list_tags", tag = "tags", params(ListTagsQuery),
    responses((status = 200, description = "A page of tags", body = Page<Tag>)))]
#[get("/tags")]
pub async fn list_tags(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: StrictQuery<ListTagsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    if q.q.as_deref().is_some_and(|t| t.chars().count() > 200) {
        return Err(crate::error::ApiError::bad_param(
            "q",
            "is longer than 200 characters",
        ));
    }
    let sort = q.sort.unwrap_or_default();
    let plan = KeysetPlan::new::<Tag>(&state.cursor_key, ("tags", sort.key()), &q)?;
    let filter = TagFilter {
        words: q
            .q
            .as_deref()
            .map(|t| {
                crate::text::fold(t)
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    };
    let finish = |_: &mut _, rows: Vec<_>| Ok(rows.into_iter().map(Tag::from).collect());
    let to = (&req, &state.db);
    plan.answer(to, (filter, sort), model::list, finish).await
}

crate::get_handler!(
    /// Get a tag
    ///
    /// Anyone may read it.
    get_tag, "/tags/{id}", tag = "tags", id = "The tag's id", response = Tag, "The tag",
    read = |conn, id| {
        model::find(conn, id)?
            .map(Tag::from)
            .ok_or_else(|| crate::error::ApiError::not_found(format!("no tag {id}")))
    },
    etag = |tag: &Tag| ETag::Version(tag.version),
);

crate::create_handler!(
    /// Create a tag
    ///
    /// Editor role or above. The slug is folded from the name when not given.
    create_tag, "/tags", tag = "tags", body = write::TagBody,
    example = {"name": "Chuyển đổi số", "description": "Chính quyền số, kinh tế số, xã hội số"},
    response = Tag, conflict = "The slug is taken, or a request with this Idempotency-Key is in progress",
    read = |b| write::read(JsonObject(b), Mode::Create),
    write = |conn, input| {
        let tag = Tag::from(write::create(conn, input)?);
        Created::at(format!("/api/v1/tags/{}", tag.id), tag.version, &tag)
    },
);

crate::update_handler!(
    /// Change a tag
    ///
    /// Editor role or above. A JSON merge patch; a new name reaches the search at once.
    update_tag, "/tags/{id}", tag = "tags", id = "The tag's id", body = write::TagBody,
    example = {"description": "Chuyển đổi số trong cơ quan Đảng"},
    response = Tag, "The changed tag", conflict = "The slug is taken",
    read = |body| write::read(body, Mode::Patch),
    write = |conn, id, if_match, input| Ok(Tag::from(write::update(conn, id, if_match, input)?)),
    etag = |tag| ETag::Version(tag.version),
);

crate::delete_handler!(
    /// Delete a tag
    ///
    /// Editor role or above. Refused with 409, naming them, while articles carry it.
    delete_tag, "/tags/{id}", tag = "tags", id = "The tag's id", conflict = "Still in use"
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_tags)
        .service(create_tag)
        .service(get_tag)
        .service(update_tag)
        .service(delete_tag);
}
