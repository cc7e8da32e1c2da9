//! Creating, changing and deleting articles: validation first, then one transaction that writes
//! the record, its relations and the change-feed row together.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Map, Value};

use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{self, ArticleRow, ArticleStatus, GalleryItem};
use super::revisions;
use crate::db::schema::{
    article_authors, article_media, article_meetings, article_tags, articles, media, meetings, tags,
};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::write::{IfMatch, Mode, Patch};
use crate::versioned;

crate::versioned!(
    ArticleRow,
    articles,
    Articles,
    "article",
    find = model::find_by_id,
    public = |row| row.status == ArticleStatus::Published,
    search = model::search_docs
);

crate::text_item!(
    /// An author's name.
    AuthorName,
    200
);

/// The writable fields of an article (for create; for a patch every field is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ArticleBody {
    /// Required on create; at most 500 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500)]
    pub title: Patch<String>,
    /// Lower-case ASCII words joined by hyphens; made from the title when not given.
    #[schema(value_type = String, min_length = 1, max_length = 200,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Patch<String>,
    /// The lead paragraph; at most 5,000 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 5000)]
    pub summary: Patch<String>,
    /// Required on create.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500000)]
    pub body: Patch<String>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100)]
    pub category: Patch<String>,
    /// At most 20 names.
    #[schema(value_type = Option<Vec<AuthorName>>, max_items = 20)]
    pub authors: Patch<Vec<String>>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub source_name: Patch<String>,
    /// An http(s) URL.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000,
        pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#]+([/?#]\\S*)?$")]
    pub source_url: Patch<String>,
    /// Default `draft`. `scheduled` needs a `published_at` in the future: the article is
    /// published then (anonymous readers see it only from that time).
    #[schema(value_type = ArticleStatus)]
    pub status: Patch<ArticleStatus>,
    /// Defaults to now when the article is published without one.
    #[schema(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub published_at: Patch<NaiveDateTime>,
    /// Meetings the article reports on; each must exist.
    #[schema(value_type = Option<std::collections::BTreeSet<i64>>, max_items = 100)]
    pub meeting_ids: Patch<Vec<i64>>,
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub cover_media_id: Patch<i64>,
    /// The gallery, in order.
    #[schema(value_type = Option<Vec<GalleryItem>>, max_items = 100)]
    pub media: Patch<Vec<GalleryItem>>,
    /// The article's tags in order (the first is its primary tag); each must exist, once.
    #[schema(value_type = Option<Vec<i64>>, max_items = 20)]
    pub tag_ids: Patch<Vec<i64>>,
}

/// Reads a create or patch body, reporting every field problem at once.
pub fn read(obj: Map<String, Value>, mode: Mode) -> ApiResult<ArticleBody> {
    const READ_ONLY: &[&str] = &[
        "id",
        "created_at",
        "updated_at",
        "version",
        "meetings",
        "tags",
    ];
    let mut body = crate::http::body::read::<ArticleBody>(obj, mode, READ_ONLY);
    if let Patch::Set(ids) = &body.value.tag_ids {
        let mut seen = std::collections::HashSet::new();
        if let Some(i) = ids.iter().position(|id| !seen.insert(*id)) {
            body.error(format!("tag_ids[{i}]"), "is given twice");
        }
    }
    if matches!(&body.value.slug, Patch::Set(s) if !crate::text::is_slug(s)) {
        body.error(
            "slug",
            "must be lower-case ASCII letters and digits in words joined by single hyphens",
        );
    }
    if let Patch::Set(u) = &body.value.source_url {
        if !url::Url::parse(u)
            .is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.host().is_some())
        {
            body.error("source_url", "must be an http or https URL");
        }
    }
    body.finish()
}

/// 422 naming each referenced record that does not exist.
fn check_references(conn: &mut DbConnection, input: &ArticleBody) -> ApiResult<()> {
    let mut errors = Vec::new();
    if let Patch::Set(ids) = &input.meeting_ids {
        let found: Vec<i64> = meetings::table
            .filter(meetings::id.eq_any(ids))
            .select(meetings::id)
            .load(conn)?;
        for (i, id) in ids.iter().enumerate() {
            if !found.contains(id) {
                errors.push(FieldError::new(
                    format!("meeting_ids[{i}]"),
                    format!("no meeting {id}"),
                ));
            }
        }
    }
    let mut media_ids: Vec<(String, i64)> = Vec::new();
    if let Patch::Set(id) = input.cover_media_id {
        media_ids.push(("cover_media_id".into(), id));
    }
    if let Patch::Set(items) = &input.media {
        media_ids.extend(
            items
                .iter()
                .enumerate()
                .map(|(i, m)| (format!("media[{i}].media_id"), m.media_id)),
        );
    }
    if !media_ids.is_empty() {
        let wanted: Vec<i64> = media_ids.iter().map(|(_, id)| *id).collect();
        let found: Vec<i64> = media::table
            .filter(media::id.eq_any(&wanted))
            .select(media::id)
            .load(conn)?;
        for (field, id) in media_ids {
            if !found.contains(&id) {
                errors.push(FieldError::new(field, format!("no media {id}")));
            }
        }
    }
    if let Patch::Set(ids) = &input.tag_ids {
        let found: Vec<i64> = tags::table
            .filter(tags::id.eq_any(ids))
            .select(tags::id)
            .load(conn)?;
        for (i, id) in ids.iter().enumerate() {
            if !found.contains(id) {
                errors.push(FieldError::new(
                    format!("tag_ids[{i}]"),
                    format!("no tag {id}"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// A slug from the title, made unique with `-2`, `-3`, … when taken.
fn unique_slug(conn: &mut DbConnection, title: &str) -> ApiResult<String> {
    let mut base = crate::text::slugify(title);
    base.truncate(180);
    let base = base.trim_end_matches('-').to_owned();
    let base = if base.is_empty() {
        "bai-viet".to_owned()
    } else {
        base
    };
    let taken: Vec<String> = articles::table
        .filter(
            articles::slug
                .eq(&base)
                .or(articles::slug.like(format!("{base}-%"))),
        )
        .select(articles::slug)
        .load(conn)?;
    if !taken.contains(&base) {
        return Ok(base);
    }
    let mut n = 2;
    while taken.contains(&format!("{base}-{n}")) {
        n += 1;
    }
    Ok(format!("{base}-{n}"))
}

fn slug_taken(conn: &mut DbConnection, slug: &str, except: Option<i64>) -> ApiResult<()> {
    let other: Option<i64> = articles::table
        .filter(articles::slug.eq(slug))
        .select(articles::id)
        .first(conn)
        .optional()?;
    match other {
        Some(id) if Some(id) != except => Err(ApiError::Conflict(format!(
            "the slug `{slug}` is used by article {id}"
        ))),
        _ => Ok(()),
    }
}

fn replace_relations(conn: &mut DbConnection, id: i64, input: &ArticleBody) -> ApiResult<()> {
    if !input.authors.is_absent() {
        diesel::delete(article_authors::table.filter(article_authors::article_id.eq(id)))
            .execute(conn)?;
        if let Patch::Set(names) = &input.authors {
            for (position, name) in names.iter().enumerate() {
                diesel::insert_into(article_authors::table)
                    .values((
                        article_authors::article_id.eq(id),
                        article_authors::position.eq(position as i32),
                        article_authors::name.eq(name),
                    ))
                    .execute(conn)?;
            }
        }
    }
    if !input.meeting_ids.is_absent() {
        diesel::delete(article_meetings::table.filter(article_meetings::article_id.eq(id)))
            .execute(conn)?;
        if let Patch::Set(ids) = &input.meeting_ids {
            for (position, meeting_id) in ids.iter().enumerate() {
                diesel::insert_into(article_meetings::table)
                    .values((
                        article_meetings::article_id.eq(id),
                        article_meetings::meeting_id.eq(meeting_id),
                        article_meetings::position.eq(position as i32),
                    ))
                    .execute(conn)?;
            }
        }
    }
    if !input.tag_ids.is_absent() {
        diesel::delete(article_tags::table.filter(article_tags::article_id.eq(id)))
            .execute(conn)?;
        if let Patch::Set(ids) = &input.tag_ids {
            for (position, tag_id) in ids.iter().enumerate() {
                diesel::insert_into(article_tags::table)
                    .values((
                        article_tags::article_id.eq(id),
                        article_tags::tag_id.eq(tag_id),
                        article_tags::position.eq(position as i32),
                    ))
                    .execute(conn)?;
            }
        }
    }
    if !input.media.is_absent() {
        diesel::delete(article_media::table.filter(article_media::article_id.eq(id)))
            .execute(conn)?;
        if let Patch::Set(items) = &input.media {
            for (position, item) in items.iter().enumerate() {
                diesel::insert_into(article_media::table)
                    .values((
                        article_media::article_id.eq(id),
                        article_media::position.eq(position as i32),
                        article_media::media_id.eq(item.media_id),
                        article_media::caption.eq(&item.caption),
                    ))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

/// Creates an article, written by `user`; a published one without `published_at` is published
/// now. Call inside a transaction.
pub fn create(
    conn: &mut DbConnection,
    input: ArticleBody,
    user: Option<i64>,
) -> ApiResult<ArticleRow> {
    check_references(conn, &input)?;
    let title = input.title.clone().into_option().unwrap_or_default();
    let slug = match &input.slug {
        Patch::Set(s) => {
            slug_taken(conn, s, None)?;
            s.clone()
        }
        _ => unique_slug(conn, &title)?,
    };
    let status = input
        .status
        .clone()
        .into_option()
        .unwrap_or(ArticleStatus::Draft);
    let now = crate::time::now();
    let published_at = match (status, input.published_at.clone().into_option()) {
        (ArticleStatus::Published, None) => Some(now),
        (_, given) => given,
    };
    check_schedule(status, published_at, now)?;
    let row: ArticleRow = versioned::insert(
        conn,
        ArticleRow {
            id: 0,
            slug,
            title,
            summary: input.summary.clone().into_option(),
            body: input.body.clone().into_option().unwrap_or_default(),
            category: input.category.clone().into_option(),
            source_name: input.source_name.clone().into_option(),
            source_url: input.source_url.clone().into_option(),
            status,
            published_at,
            cover_media_id: input.cover_media_id.clone().into_option(),
            created_at: now,
            updated_at: now,
            version: 1,
        },
    )?;
    replace_relations(conn, row.id, &input)?;
    // The relations are kept in the row by triggers: read it again.
    let row: ArticleRow = versioned::load(conn, row.id)?;
    let row = versioned::created(conn, row)?;
    revisions::keep(conn, row.id, user)?;
    Ok(row)
}

/// A scheduled article needs a publication time still to come: 422 otherwise.
fn check_schedule(
    status: ArticleStatus,
    published_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    if status == ArticleStatus::Scheduled && published_at.is_none_or(|at| at <= now) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "published_at",
            "a scheduled article needs a publication time in the future",
        )]));
    }
    Ok(())
}

/// Publishes the scheduled articles whose time has come (at most `limit`, earliest first), each
/// as an ordinary change in its own transaction: a new version, a revision, the change feed
/// (so webhooks fire), and its search document made public. Another server doing the same at
/// once loses the race on the version and skips it, so each is published exactly once. Returns
/// the publication time of each article this call published.
pub fn publish_due(
    db: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> ApiResult<Vec<NaiveDateTime>> {
    let due: Vec<i64> = articles::table
        .filter(articles::status.eq(ArticleStatus::Scheduled.as_str()))
        .filter(articles::published_at.le(now))
        .order((articles::published_at, articles::id))
        .select(articles::id)
        .limit(limit)
        .load(db)?;
    let mut published = Vec::new();
    for id in due {
        let done = crate::db::transaction(db, |conn| {
            revisions::keep(conn, id, None)?;
            let mut due_at = None;
            let row =
                versioned::update(conn, id, None, now, |_, current, next: &mut ArticleRow| {
                    if current.status != ArticleStatus::Scheduled
                        || current.published_at.is_none_or(|at| at > now)
                    {
                        return Err(ApiError::Conflict("no longer due".into()));
                    }
                    due_at = current.published_at;
                    next.status = ArticleStatus::Published;
                    Ok(())
                })?;
            revisions::keep(conn, row.id, None)?;
            Ok(due_at)
        });
        match done {
            Ok(Some(at)) => published.push(at),
            Ok(None) => {}
            // Published or changed meanwhile, here or by another server.
            Err(
                ApiError::Conflict(_) | ApiError::PreconditionFailed(_) | ApiError::NotFound(_),
            ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(published)
}

/// Dates every published article that has no `published_at` (stored before every publication was
/// dated, or imported so): the day of its first meeting at 07:00 in Vietnam (00:00 UTC), else
/// when it was created. Each is a change like any other (a new version, in the change feed).
/// Returns how many. Call inside a transaction.
pub fn date_undated(conn: &mut DbConnection) -> ApiResult<usize> {
    let undated: Vec<(i64, NaiveDateTime)> = articles::table
        .filter(articles::status.eq(ArticleStatus::Published.as_str()))
        .filter(articles::published_at.is_null())
        .select((articles::id, articles::created_at))
        .load(conn)?;
    for (id, created_at) in &undated {
        let first_meeting: Option<chrono::NaiveDate> = article_meetings::table
            .inner_join(meetings::table)
            .filter(article_meetings::article_id.eq(id))
            .order(article_meetings::position)
            .select(meetings::date)
            .first(conn)
            .optional()?;
        let at = first_meeting.map_or(*created_at, |day| day.and_time(chrono::NaiveTime::MIN));
        let now = crate::time::now();
        revisions::keep(conn, *id, None)?;
        versioned::update(conn, *id, None, now, |_, _, next: &mut ArticleRow| {
            next.published_at = Some(at);
            Ok(())
        })?;
        revisions::keep(conn, *id, None)?;
    }
    Ok(undated.len())
}

/// Applies a merge patch written by `user`, keeping the version it replaces and the new one
/// among the revisions; call inside a transaction.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    input: ArticleBody,
    user: Option<i64>,
) -> ApiResult<ArticleRow> {
    let now = crate::time::now();
    revisions::keep(conn, id, None)?;
    let row = versioned::update(conn, id, if_match, now, |conn, _, next: &mut ArticleRow| {
        check_references(conn, &input)?;
        if let Patch::Set(s) = &input.slug {
            slug_taken(conn, s, Some(id))?;
        }
        input.status.clone().set(&mut next.status);
        input.published_at.clone().patch(&mut next.published_at);
        if next.status == ArticleStatus::Published && next.published_at.is_none() {
            next.published_at = Some(now);
        }
        // The time is checked when the schedule is written, not on every later change.
        if !input.status.is_absent() || !input.published_at.is_absent() {
            check_schedule(next.status, next.published_at, now)?;
        }
        input.slug.clone().set(&mut next.slug);
        input.title.clone().set(&mut next.title);
        input.summary.clone().patch(&mut next.summary);
        input.body.clone().set(&mut next.body);
        input.category.clone().patch(&mut next.category);
        input.source_name.clone().patch(&mut next.source_name);
        input.source_url.clone().patch(&mut next.source_url);
        input.cover_media_id.clone().patch(&mut next.cover_media_id);
        replace_relations(conn, id, &input)
    })?;
    revisions::keep(conn, id, user)?;
    Ok(row)
}

/// The content of a revision as a patch that restores it: everything an editor writes except the
/// slug (links to the article keep working), the status and the publication time, which stay
/// as they are now.
pub fn restoring(article: &serde_json::Value) -> ApiResult<ArticleBody> {
    const RESTORED: &[&str] = &[
        "title",
        "summary",
        "body",
        "category",
        "authors",
        "source_name",
        "source_url",
        "meeting_ids",
        "cover_media_id",
        "media",
        "tag_ids",
    ];
    let mut patch = Map::new();
    for field in RESTORED {
        // A field the version did not have yet (it predates the field) is left as it is.
        let Some(mut value) = article.get(*field).cloned() else {
            continue;
        };
        if *field == "media" {
            // The gallery as written: each photo's id and caption.
            if let Value::Array(items) = &mut value {
                for item in items {
                    if let Value::Object(photo) = item {
                        photo.retain(|k, _| k == "media_id" || k == "caption");
                    }
                }
            }
        }
        patch.insert((*field).to_owned(), value);
    }
    read(patch, Mode::Patch)
}

/// Deletes an article, leaving a tombstone in the change feed; call inside a transaction.
pub fn delete(conn: &mut DbConnection, id: i64, if_match: Option<IfMatch>) -> ApiResult<()> {
    versioned::delete(conn, id, if_match, |_, _: &ArticleRow| Ok(()))?;
    Ok(())
}
