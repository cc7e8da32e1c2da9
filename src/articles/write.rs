//! Creating, changing and deleting articles: validation first, then one transaction that writes
//! the record, its relations and the change-feed row together.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Map, Value};

use super::model::{self, ArticleRow, NewArticleRow};
use crate::db::schema::{
    article_authors, article_media, article_meetings, articles, media, meetings,
};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::write::{BodyReader, IfMatch, Mode, Patch};
use crate::versioned;

crate::versioned!(
    ArticleRow,
    articles,
    Articles,
    "article",
    find = model::find_by_id,
    public = |row| row.status == "published"
);

const FIELDS: &[&str] = &[
    "slug",
    "title",
    "summary",
    "body",
    "category",
    "authors",
    "source_name",
    "source_url",
    "status",
    "published_at",
    "meeting_ids",
    "cover_media_id",
    "media",
];
const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version", "meetings"];
const STATUSES: &[&str] = &["draft", "published", "archived"];

/// One photo of a gallery, as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct GalleryInput {
    pub media_id: i64,
    pub caption: Option<String>,
}

/// A validated article body: every field as absent, null or set.
#[derive(Debug, Default)]
pub struct ArticleInput {
    pub slug: Patch<String>,
    pub title: Patch<String>,
    pub summary: Patch<String>,
    pub body: Patch<String>,
    pub category: Patch<String>,
    pub authors: Patch<Vec<String>>,
    pub source_name: Patch<String>,
    pub source_url: Patch<String>,
    pub status: Patch<&'static str>,
    pub published_at: Patch<NaiveDateTime>,
    pub meeting_ids: Patch<Vec<i64>>,
    pub cover_media_id: Patch<i64>,
    pub media: Patch<Vec<GalleryInput>>,
}

/// Reads a create or patch body, reporting every field problem at once.
pub fn read(obj: Map<String, Value>, mode: Mode) -> ApiResult<ArticleInput> {
    let mut f = BodyReader::new(obj, FIELDS, READ_ONLY, mode);
    let title = f.text("title", 500);
    let body = f.text("body", 500_000);
    let slug = f.text("slug", 200);
    if let Patch::Set(s) = &slug {
        if !is_slug(s) {
            f.error(
                "slug",
                "must be lower-case ASCII letters and digits in words joined by single hyphens",
            );
        }
    }
    let source_url = f.text("source_url", 2000);
    if let Patch::Set(u) = &source_url {
        if !url::Url::parse(u)
            .is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.host().is_some())
        {
            f.error("source_url", "must be an http or https URL");
        }
    }
    let status = f.choice("status", STATUSES);
    let input = ArticleInput {
        title: f.required("title", title),
        body: f.required("body", body),
        status: f.not_null("status", status),
        slug: f.not_null("slug", slug),
        summary: f.text("summary", 5000),
        category: f.text("category", 100),
        authors: f.text_list("authors", 20, 200),
        source_name: f.text("source_name", 200),
        source_url,
        published_at: f.time("published_at"),
        meeting_ids: f.id_list("meeting_ids", 100),
        cover_media_id: f.id("cover_media_id"),
        media: f.object_list("media", 100, |item, _| {
            let media_id = item.id("media_id");
            let media_id = item.required("media_id", media_id);
            let caption = item.text("caption", 1000).into_option();
            media_id
                .into_option()
                .map(|media_id| GalleryInput { media_id, caption })
        }),
    };
    f.finish()?;
    Ok(input)
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// 422 naming each referenced record that does not exist.
fn check_references(conn: &mut DbConnection, input: &ArticleInput) -> ApiResult<()> {
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

fn replace_relations(conn: &mut DbConnection, id: i64, input: &ArticleInput) -> ApiResult<()> {
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

/// Creates an article; call inside a transaction.
pub fn create(conn: &mut DbConnection, input: ArticleInput) -> ApiResult<ArticleRow> {
    check_references(conn, &input)?;
    let title = input.title.clone().into_option().unwrap_or_default();
    let slug = match &input.slug {
        Patch::Set(s) => {
            slug_taken(conn, s, None)?;
            s.clone()
        }
        _ => unique_slug(conn, &title)?,
    };
    let status = input.status.clone().into_option().unwrap_or("draft");
    let now = crate::time::now();
    let published_at = match (status, input.published_at.clone().into_option()) {
        ("published", None) => Some(now),
        (_, given) => given,
    };
    let row: ArticleRow = diesel::insert_into(articles::table)
        .values(NewArticleRow {
            slug,
            title,
            summary: input.summary.clone().into_option(),
            body: input.body.clone().into_option().unwrap_or_default(),
            category: input.category.clone().into_option(),
            source_name: input.source_name.clone().into_option(),
            source_url: input.source_url.clone().into_option(),
            status: status.to_owned(),
            published_at,
            cover_media_id: input.cover_media_id.clone().into_option(),
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .returning(<ArticleRow as Selectable<crate::db::MultiBackend>>::construct_selection())
        .get_result(conn)?;
    replace_relations(conn, row.id, &input)?;
    // The relations are kept in the row by triggers: read it again.
    let row = versioned::load(conn, row.id)?;
    versioned::created(conn, row)
}

/// Applies a merge patch; call inside a transaction.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    input: ArticleInput,
) -> ApiResult<ArticleRow> {
    versioned::update(conn, id, if_match, |conn, current: &ArticleRow, next| {
        check_references(conn, &input)?;
        if let Patch::Set(s) = &input.slug {
            slug_taken(conn, s, Some(id))?;
        }
        let now = crate::time::now();
        let status = input
            .status
            .clone()
            .into_option()
            .unwrap_or(current.status.as_str())
            .to_owned();
        let mut published_at = input.published_at.clone().apply(current.published_at);
        if status == "published" && published_at.is_none() {
            published_at = Some(now);
        }
        let written = diesel::update(
            articles::table
                .find(id)
                .filter(articles::version.eq(current.version)),
        )
        .set((
            articles::slug.eq(input
                .slug
                .clone()
                .into_option()
                .unwrap_or(current.slug.clone())),
            articles::title.eq(input
                .title
                .clone()
                .into_option()
                .unwrap_or(current.title.clone())),
            articles::summary.eq(input.summary.clone().apply(current.summary.clone())),
            articles::body.eq(input
                .body
                .clone()
                .into_option()
                .unwrap_or(current.body.clone())),
            articles::category.eq(input.category.clone().apply(current.category.clone())),
            articles::source_name.eq(input.source_name.clone().apply(current.source_name.clone())),
            articles::source_url.eq(input.source_url.clone().apply(current.source_url.clone())),
            articles::status.eq(&status),
            articles::published_at.eq(published_at),
            articles::cover_media_id.eq(input.cover_media_id.clone().apply(current.cover_media_id)),
            articles::updated_at.eq(now),
            articles::version.eq(next),
        ))
        .execute(conn)?;
        if written > 0 {
            replace_relations(conn, id, &input)?;
        }
        Ok(written)
    })
}

/// Deletes an article, leaving a tombstone in the change feed; call inside a transaction.
pub fn delete(conn: &mut DbConnection, id: i64, if_match: Option<IfMatch>) -> ApiResult<()> {
    versioned::delete(conn, id, if_match, |_, _: &ArticleRow| Ok(()))?;
    Ok(())
}
