//! Writing tags: reading a body, and the create, change and delete of the versioned write path.

use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{self, TagRow};
use crate::db::schema::tags;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::write::{IfMatch, JsonObject, Mode, Patch};
use crate::versioned;

crate::versioned!(TagRow, tags, Tags, "tag", find = model::find);

/// The writable fields of a tag.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TagBody {
    /// Required on create.
    #[schema(value_type = String, required = true, example = "Chuyển đổi số", min_length = 1,
        max_length = 100)]
    pub name: Patch<String>,
    /// Lower-case ASCII words joined by hyphens; folded from the name when not given.
    #[schema(value_type = String, min_length = 1, max_length = 100,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Patch<String>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 1000)]
    pub description: Patch<String>,
}

pub fn read(body: JsonObject, mode: Mode) -> ApiResult<TagBody> {
    const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version"];
    let mut body = crate::http::body::read::<TagBody>(body.0, mode, READ_ONLY);
    if matches!(&body.value.slug, Patch::Set(s) if !crate::text::is_slug(s)) {
        body.error(
            "slug",
            "must be lower-case ASCII letters and digits in words joined by single hyphens",
        );
    }
    if matches!(&body.value.name, Patch::Set(n) if crate::text::slugify(n).is_empty())
        && body.value.slug.is_absent()
    {
        body.error("slug", "cannot be made from this name: give one");
    }
    body.finish()
}

/// 409 when another tag has `slug`.
fn slug_free(conn: &mut DbConnection, slug: &str, except: Option<i64>) -> ApiResult<()> {
    let other: Option<i64> = tags::table
        .filter(tags::slug.eq(slug))
        .select(tags::id)
        .first(conn)
        .optional()?;
    match other {
        Some(id) if Some(id) != except => Err(ApiError::Conflict(format!(
            "the slug `{slug}` is used by tag {id}"
        ))),
        _ => Ok(()),
    }
}

/// Creates a tag; call inside a transaction.
pub fn create(conn: &mut DbConnection, input: TagBody) -> ApiResult<TagRow> {
    let name = input.name.into_option().unwrap_or_default();
    let slug = input
        .slug
        .into_option()
        .unwrap_or_else(|| crate::text::slugify(&name));
    slug_free(conn, &slug, None)?;
    let now = crate::time::now();
    versioned::create(
        conn,
        TagRow {
            id: 0,
            name_folded: crate::text::fold(&name),
            name,
            slug,
            description: input.description.into_option(),
            created_at: now,
            updated_at: now,
            version: 1,
        },
    )
}

/// Applies a merge patch; a new name reaches the search documents of its articles. Call inside a
/// transaction.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    input: TagBody,
) -> ApiResult<TagRow> {
    let now = crate::time::now();
    let renamed = !input.name.is_absent();
    let row = versioned::update(conn, id, if_match, now, |conn, _, next: &mut TagRow| {
        if let Patch::Set(slug) = &input.slug {
            slug_free(conn, slug, Some(id))?;
        }
        input.name.set(&mut next.name);
        next.name_folded = crate::text::fold(&next.name);
        input.slug.set(&mut next.slug);
        input.description.patch(&mut next.description);
        Ok(())
    })?;
    if renamed {
        let articles = model::article_ids(conn, id)?;
        let docs = crate::articles::model::search_docs(conn, &articles)?;
        crate::search::refresh(conn, crate::search::Resource::Articles, &articles, &docs)?;
    }
    Ok(row)
}

/// Deletes a tag no article carries (409 naming those that do); call inside a transaction.
pub fn delete(conn: &mut DbConnection, id: i64, if_match: Option<IfMatch>) -> ApiResult<()> {
    versioned::delete(conn, id, if_match, |conn, _: &TagRow| {
        let articles = model::article_ids(conn, id)?;
        crate::db::refs::in_use_by_articles("tag", id, &articles)
    })?;
    Ok(())
}
