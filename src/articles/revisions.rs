//! Revisions: every version of an article as it was written, kept whole (its fields as the API
//! showed them), so that any version can be read again and restored.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::embed::Article;
use super::model;
use crate::db::schema::{article_revisions, users};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = article_revisions)]
pub struct RevisionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub article_id: i64,
    pub version: i64,
    pub changed_at: NaiveDateTime,
    pub changed_by_user_id: Option<i64>,
    /// The [`Article`] as JSON, without embeds.
    pub content: String,
}

/// One version of an article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Revision {
    /// The article's version this was.
    #[schema(example = 3)]
    pub version: i64,
    /// When this version was written.
    pub changed_at: DateTime<Utc>,
    /// Who wrote it: the user's display name (else their username); `null` when not known (a
    /// version written before revisions were kept, or by bantin itself at start-up).
    #[schema(example = "Thu Hường")]
    pub changed_by: Option<String>,
    /// The article's fields as they were in this version.
    pub article: serde_json::Value,
}

/// Keeps the article `id` as it now is, written by `user`, unless its version is kept already
/// (called before a write, it keeps the version about to be replaced when an article written
/// before revisions were kept has none). Call inside the write's transaction.
pub fn keep(conn: &mut DbConnection, id: i64, user: Option<i64>) -> ApiResult<()> {
    let Some(record) = model::find_records(conn, &[id])?.pop() else {
        return Ok(());
    };
    let (article, content) = kept(record)?;
    let kept: i64 = article_revisions::table
        .filter(article_revisions::article_id.eq(id))
        .filter(article_revisions::version.eq(article.version))
        .count()
        .get_result(conn)?;
    if kept > 0 {
        return Ok(());
    }
    let row = RevisionRow {
        id: 0,
        article_id: id,
        version: article.version,
        changed_at: article.updated_at.naive_utc(),
        changed_by_user_id: user,
        content: serde_json::to_string(&content)?,
    };
    diesel::insert_into(article_revisions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A page of the article's versions, newest first, after the version `before` (exclusive) when
/// given: the current one (kept or not) first, then every kept one. Reads `fetch` at most.
pub fn page(
    conn: &mut DbConnection,
    id: i64,
    before: Option<i64>,
    fetch: i64,
) -> ApiResult<Vec<Revision>> {
    let mut q = article_revisions::table
        .filter(article_revisions::article_id.eq(id))
        .order(article_revisions::version.desc())
        .select(RevisionRow::as_select())
        .limit(fetch)
        .into_boxed::<crate::db::MultiBackend>();
    if let Some(before) = before {
        q = q.filter(article_revisions::version.lt(before));
    }
    let rows = q.load(conn)?;
    let mut revisions = to_revisions(conn, rows)?;
    if before.is_none() {
        if let Some(current) = unkept_current(conn, id, revisions.first().map(|r| r.version))? {
            revisions.insert(0, current);
            revisions.truncate(usize::try_from(fetch).unwrap_or(usize::MAX));
        }
    }
    Ok(revisions)
}

/// How many versions the article has: those kept, and the current one when it is not.
pub fn count(conn: &mut DbConnection, id: i64) -> ApiResult<i64> {
    let (kept, newest): (i64, Option<i64>) = article_revisions::table
        .filter(article_revisions::article_id.eq(id))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(article_revisions::version),
        ))
        .first(conn)?;
    Ok(kept + i64::from(unkept_current(conn, id, newest)?.is_some()))
}

/// One version of the article, or 404.
pub fn find(conn: &mut DbConnection, id: i64, version: i64) -> ApiResult<Revision> {
    let row: Option<RevisionRow> = article_revisions::table
        .filter(article_revisions::article_id.eq(id))
        .filter(article_revisions::version.eq(version))
        .select(RevisionRow::as_select())
        .first(conn)
        .optional()?;
    let found = match row {
        Some(row) => to_revisions(conn, vec![row])?.pop(),
        None => unkept_current(conn, id, None)?.filter(|c| c.version == version),
    };
    found.ok_or_else(|| ApiError::not_found(format!("no version {version} of article {id}")))
}

/// The article as it now is, when its version is newer than `newest_kept` (so not kept yet).
fn unkept_current(
    conn: &mut DbConnection,
    id: i64,
    newest_kept: Option<i64>,
) -> ApiResult<Option<Revision>> {
    let Some(record) = model::find_records(conn, &[id])?.pop() else {
        return Ok(None);
    };
    let (current, content) = kept(record)?;
    if newest_kept.is_some_and(|v| v >= current.version) {
        return Ok(None);
    }
    Ok(Some(Revision {
        version: current.version,
        changed_at: current.updated_at,
        changed_by: None,
        article: content,
    }))
}

/// An article as a revision keeps it: its fields, but not `url`, which follows the site's
/// settings rather than the article.
fn kept(record: model::ArticleRecord) -> ApiResult<(Article, serde_json::Value)> {
    let article = Article::from_record(record, &crate::site::Site::default());
    let mut content = serde_json::to_value(&article)?;
    if let Some(fields) = content.as_object_mut() {
        fields.remove("url");
    }
    Ok((article, content))
}

fn to_revisions(conn: &mut DbConnection, rows: Vec<RevisionRow>) -> ApiResult<Vec<Revision>> {
    let mut user_ids: Vec<i64> = rows.iter().filter_map(|r| r.changed_by_user_id).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let names: HashMap<i64, String> = users::table
        .filter(users::id.eq_any(&user_ids))
        .select((users::id, users::display_name, users::username))
        .load::<(i64, Option<String>, String)>(conn)?
        .into_iter()
        .map(|(id, display, username)| (id, display.unwrap_or(username)))
        .collect();
    rows.into_iter()
        .map(|row| {
            Ok(Revision {
                version: row.version,
                changed_at: crate::time::utc(row.changed_at),
                changed_by: row.changed_by_user_id.and_then(|u| names.get(&u).cloned()),
                article: serde_json::from_str(&row.content)?,
            })
        })
        .collect()
}

crate::fielded!(Revision);
