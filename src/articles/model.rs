//! Articles in the database: rows, inserts and the list query.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::fast_text::{FastText, MaybeFastText};
use crate::db::fast_time::{FastTime, MaybeFastTime};
use crate::db::schema::{article_authors, article_meetings, article_tags, articles, tags};
use crate::db::sql::static_sql;
use crate::db::{DbConnection, MultiBackend};
use crate::http::page::{CursorPos, PageRequest};
use crate::search::{self, Doc, Matcher, Resource};

/// Where an article is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    Draft,
    /// Waits for its `published_at`, then becomes `published`; only viewers and up see it before.
    Scheduled,
    Published,
    Archived,
}

impl ArticleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "scheduled" => Some(Self::Scheduled),
            "published" => Some(Self::Published),
            "archived" => Some(Self::Archived),
            _ => None,
        }
    }
}

impl From<ArticleStatus> for String {
    fn from(s: ArticleStatus) -> String {
        s.as_str().to_owned()
    }
}

impl TryFrom<String> for ArticleStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("`{s}` is not an article status"))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub struct ArticleRow {
    /// Given by the database: a row built to be inserted leaves it 0.
    #[diesel(skip_insertion)]
    pub id: i64,
    pub slug: String,
    #[diesel(deserialize_as = FastText)]
    pub title: String,
    #[diesel(deserialize_as = MaybeFastText)]
    pub summary: Option<String>,
    #[diesel(deserialize_as = FastText)]
    pub body: String,
    pub category: Option<String>,
    pub source_name: Option<String>,
    pub source_url: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ArticleStatus,
    #[diesel(deserialize_as = MaybeFastTime)]
    pub published_at: Option<NaiveDateTime>,
    pub cover_media_id: Option<i64>,
    #[diesel(deserialize_as = FastTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = FastTime)]
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// What of an article a read needs: a read that leaves out `body`, or every relation, leaves it
/// out of the SQL too (an empty value takes its place), with one statement for every choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleParts {
    pub body: bool,
    /// Authors, meetings and gallery: the `relations` column.
    pub relations: bool,
}

impl ArticleParts {
    pub const ALL: Self = Self {
        body: true,
        relations: true,
    };
}

/// The columns of an [`ArticleRecord`]: the row and its `relations` column,
/// `[[author, …], [meeting_id, …], [[media_id, caption], …]]`, which the database keeps in step
/// with the relation tables (by triggers; see the `article_relations` migration), so that an
/// article or a page of them is read as rows, in one statement. `body` and `relations` are read
/// only when `parts` asks for them; the choice is a bound parameter, so the statement is the same.
macro_rules! record_columns {
    ($parts:expr) => {{
        use diesel::dsl::case_when;
        use diesel::sql_types::{Bool, Text};
        let parts: ArticleParts = $parts;
        (
            (
                articles::id,
                articles::slug,
                articles::title,
                articles::summary,
                case_when(parts.body.into_sql::<Bool>(), articles::body)
                    .otherwise("".into_sql::<Text>()),
                articles::category,
                articles::source_name,
                articles::source_url,
                articles::status,
                articles::published_at,
                articles::cover_media_id,
                articles::created_at,
                articles::updated_at,
                articles::version,
            ),
            case_when(parts.relations.into_sql::<Bool>(), articles::relations)
                .otherwise(NO_RELATIONS.into_sql::<Text>()),
        )
    }};
}

/// The `relations` of an article read without them.
const NO_RELATIONS: &str = "[[],[],[]]";

/// The orders a list of articles can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, Default)]
pub enum ArticleSort {
    /// Newest publication first (the default); unpublished articles last.
    #[default]
    #[serde(rename = "-published_at")]
    PublishedDesc,
    /// Oldest publication first; unpublished articles last.
    #[serde(rename = "published_at")]
    PublishedAsc,
    /// Most recently changed first.
    #[serde(rename = "-updated_at")]
    UpdatedDesc,
    /// Least recently changed first (the order a mirror follows with `updated_since`).
    #[serde(rename = "updated_at")]
    UpdatedAsc,
}

impl ArticleSort {
    pub fn key(self) -> &'static str {
        match self {
            Self::PublishedDesc => "-published_at",
            Self::PublishedAsc => "published_at",
            Self::UpdatedDesc => "-updated_at",
            Self::UpdatedAsc => "updated_at",
        }
    }

    /// The cursor position of a row under this order.
    pub fn position(self, row: &ArticleRow) -> (serde_json::Value, i64) {
        let t = match self {
            Self::PublishedDesc | Self::PublishedAsc => row.published_at,
            Self::UpdatedDesc | Self::UpdatedAsc => Some(row.updated_at),
        };
        (
            t.map(|t| serde_json::Value::String(crate::time::cursor_text(t)))
                .unwrap_or(serde_json::Value::Null),
            row.id,
        )
    }
}

impl crate::http::page::ListOrder<ArticleRecord> for ArticleSort {
    fn position(self, record: &ArticleRecord) -> (serde_json::Value, i64) {
        ArticleSort::position(self, &record.row)
    }
}

/// The filters of `GET /articles`, already validated.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Only these statuses may be seen by the caller (anonymous callers: published only).
    pub visible: Option<Vec<&'static str>>,
    pub status: Option<ArticleStatus>,
    pub category: Option<String>,
    pub meeting_id: Option<i64>,
    pub published_from: Option<NaiveDateTime>,
    pub published_before: Option<NaiveDateTime>,
    pub updated_since: Option<NaiveDateTime>,
    /// Only articles that match `q` (in the orders other than best match).
    pub search: Option<Matcher>,
    /// Only articles carrying any of these tags (by slug).
    pub tags: Option<Vec<String>>,
}

type Boxed<'a> = articles::BoxedQuery<'a, MultiBackend>;

impl ArticleFilter {
    fn apply<'a>(&self, mut q: Boxed<'a>) -> Boxed<'a> {
        if let Some(visible) = &self.visible {
            // One status (an anonymous caller's) as `=`: SQLite cannot cache a statement
            // holding `IN (…)`, and this is the list anonymous readers ask for.
            q = match visible.as_slice() {
                [one] => q.filter(articles::status.eq(*one)),
                many => q.filter(articles::status.eq_any(many.to_vec())),
            };
        }
        if let Some(status) = self.status {
            q = q.filter(articles::status.eq(status.as_str()));
        }
        if let Some(category) = &self.category {
            q = q.filter(articles::category.eq(category.clone()));
        }
        if let Some(meeting_id) = self.meeting_id {
            q = q.filter(
                articles::id.eq_any(
                    article_meetings::table
                        .filter(article_meetings::meeting_id.eq(meeting_id))
                        .select(article_meetings::article_id),
                ),
            );
        }
        if let Some(from) = self.published_from {
            q = q.filter(articles::published_at.ge(from));
        }
        if let Some(before) = self.published_before {
            q = q.filter(articles::published_at.lt(before));
        }
        if let Some(since) = self.updated_since {
            q = q.filter(articles::updated_at.ge(since));
        }
        if let Some(m) = &self.search {
            q = q.filter(articles::id.eq_any(m.ids(Resource::Articles)));
        }
        if let Some(slugs) = &self.tags {
            q = q.filter(
                articles::id.eq_any(
                    article_tags::table
                        .inner_join(tags::table)
                        .filter(tags::slug.eq_any(slugs.clone()))
                        .select(article_tags::article_id),
                ),
            );
        }
        q
    }
}

impl search::ListFilter for ArticleFilter {
    /// Only published articles may be seen.
    fn public_only(&self) -> bool {
        self.visible.is_some()
    }

    fn narrows(&self) -> bool {
        self.status.is_some()
            || self.category.is_some()
            || self.meeting_id.is_some()
            || self.published_from.is_some()
            || self.published_before.is_some()
            || self.updated_since.is_some()
            || self.search.is_some()
            || self.tags.is_some()
    }

    fn allowed(&self, conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
        self.apply(articles::table.into_boxed())
            .filter(articles::id.eq_any(ids))
            .select(articles::id)
            .load(conn)
    }

    fn count_matching(&self, conn: &mut DbConnection, m: &Matcher) -> QueryResult<i64> {
        let mut filter = self.clone();
        filter.search = Some(m.clone());
        filter
            .apply(articles::table.into_boxed())
            .count()
            .get_result(conn)
    }
}

/// One page of records (plus one, to detect a next page) and, when asked, the total.
pub fn list(
    conn: &mut DbConnection,
    filter: &ArticleFilter,
    sort: ArticleSort,
    page: &PageRequest,
    parts: ArticleParts,
) -> QueryResult<(Vec<ArticleRecord>, Option<i64>)> {
    let total = if page.count {
        Some(
            filter
                .apply(articles::table.into_boxed())
                .count()
                .get_result(conn)?,
        )
    } else {
        None
    };
    let mut q = filter.apply(articles::table.into_boxed());
    let after = page.after.as_ref().map(|c| (time_of(c), c.id));
    q = match sort {
        ArticleSort::PublishedDesc => {
            if let Some((t, id)) = after {
                q = q.filter(crate::keyset_nullable!(
                    articles::published_at,
                    articles::id,
                    t,
                    id,
                    lt
                ));
            }
            // Undated articles last, spelled as NULLS LAST so that both backends walk a
            // (published_at, id) index instead of sorting the table.
            q.order(static_sql::<Bool>(
                "articles.published_at DESC NULLS LAST, articles.id DESC",
            ))
        }
        ArticleSort::PublishedAsc => {
            if let Some((t, id)) = after {
                q = q.filter(crate::keyset_nullable!(
                    articles::published_at,
                    articles::id,
                    t,
                    id,
                    gt
                ));
            }
            q.order((
                articles::published_at.is_null().asc(),
                articles::published_at.asc(),
                articles::id.asc(),
            ))
        }
        ArticleSort::UpdatedDesc => {
            if let Some((Some(t), id)) = after {
                q = q.filter(crate::keyset!(
                    articles::updated_at,
                    articles::id,
                    t,
                    id,
                    lt
                ));
            }
            q.order((articles::updated_at.desc(), articles::id.desc()))
        }
        ArticleSort::UpdatedAsc => {
            if let Some((Some(t), id)) = after {
                q = q.filter(crate::keyset!(
                    articles::updated_at,
                    articles::id,
                    t,
                    id,
                    gt
                ));
            }
            q.order((articles::updated_at.asc(), articles::id.asc()))
        }
    };
    let rows = q
        .select(record_columns!(parts))
        .limit(page.fetch())
        .load(conn)?;
    Ok((ArticleRecord::parse_all(rows)?, total))
}

fn time_of(c: &CursorPos) -> Option<NaiveDateTime> {
    c.value.as_str().and_then(crate::time::parse_cursor_text)
}

pub fn find_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ArticleRow>> {
    articles::table
        .find(id)
        .select(ArticleRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<ArticleRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    articles::table
        .filter(articles::id.eq_any(ids))
        .select(ArticleRow::as_select())
        .load(conn)
}

/// The publication time of the scheduled article most overdue at `now`, if any is.
pub fn oldest_overdue(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    articles::table
        .filter(articles::status.eq(ArticleStatus::Scheduled.as_str()))
        .filter(articles::published_at.le(now))
        .select(diesel::dsl::min(articles::published_at))
        .first(conn)
}

/// By numeric id, or else by slug.
pub fn find_by_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<ArticleRow>> {
    match key.parse::<i64>() {
        Ok(id) => find_by_id(conn, id),
        Err(_) => find_by_slug(conn, key),
    }
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<ArticleRow>> {
    articles::table
        .filter(articles::slug.eq(slug))
        .select(ArticleRow::as_select())
        .first(conn)
        .optional()
}

/// The search document of an article: its title; summary, body, authors and tags. Public once
/// published; newest by publication (or creation, for drafts).
pub fn search_doc(row: &ArticleRow, authors: &[String], tags: &[String]) -> Doc {
    let authors = authors.join(", ");
    let tags = tags.join(", ");
    Doc {
        resource: Resource::Articles,
        id: row.id,
        title: row.title.clone(),
        body: Doc::join([
            row.summary.as_deref(),
            Some(row.body.as_str()),
            Some(authors.as_str()),
            (!tags.is_empty()).then_some(tags.as_str()),
        ]),
        public: row.status == ArticleStatus::Published,
        recency: row.published_at.unwrap_or(row.created_at),
    }
}

/// The search documents of the articles in `ids` that exist (two queries).
pub fn search_docs(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Doc>> {
    let rows = find_many(conn, ids)?;
    let authors = load_authors(conn, ids)?;
    let tags = crate::tags::model::names_of_articles(conn, ids)?;
    Ok(rows
        .iter()
        .map(|row| {
            search_doc(
                row,
                authors.get(&row.id).map_or(&[], Vec::as_slice),
                tags.get(&row.id).map_or(&[], Vec::as_slice),
            )
        })
        .collect())
}

/// One photo of an article's gallery.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct GalleryItem {
    /// The media record.
    #[schema(minimum = 1)]
    pub media_id: i64,
    /// The caption shown under the photo in this article.
    #[schema(example = "Toàn cảnh buổi làm việc", min_length = 1, max_length = 1000)]
    pub caption: Option<String>,
}

/// What an article row points to: its authors, the meetings it reports on and its gallery, each
/// in order.
#[derive(Debug, Default, Deserialize)]
pub struct ArticleRelations {
    pub authors: Vec<String>,
    pub meeting_ids: Vec<i64>,
    pub media: Vec<GalleryItem>,
    pub tag_ids: Vec<i64>,
}

/// An article row read together with its relations, in one statement.
#[derive(Debug)]
pub struct ArticleRecord {
    pub row: ArticleRow,
    pub relations: ArticleRelations,
}

/// `[[author, …], [meeting_id, …], [[media_id, caption], …], [tag_id, …]]`; a row written before
/// tags has no fourth list.
#[derive(Deserialize)]
struct RelationsJson(
    Vec<String>,
    Vec<i64>,
    Vec<(i64, Option<String>)>,
    #[serde(default)] Vec<i64>,
);

impl ArticleRecord {
    fn parse((row, FastText(relations)): (ArticleRow, FastText)) -> QueryResult<Self> {
        let RelationsJson(authors, meeting_ids, media, tag_ids) = serde_json::from_str(&relations)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
        Ok(Self {
            row,
            relations: ArticleRelations {
                authors,
                meeting_ids,
                media: media
                    .into_iter()
                    .map(|(media_id, caption)| GalleryItem { media_id, caption })
                    .collect(),
                tag_ids,
            },
        })
    }

    /// Reads records from rows selected with [`record_columns`].
    pub fn parse_all(rows: Vec<(ArticleRow, FastText)>) -> QueryResult<Vec<Self>> {
        rows.into_iter().map(Self::parse).collect()
    }
}

/// Articles by id with their relations, in one statement (in no particular order).
pub fn find_records(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<ArticleRecord>> {
    find_parts(conn, ids, ArticleParts::ALL)
}

/// Articles by id with what `parts` asks for, in one statement (in no particular order).
pub fn find_parts(
    conn: &mut DbConnection,
    ids: &[i64],
    parts: ArticleParts,
) -> QueryResult<Vec<ArticleRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = crate::on_backend!(conn, |c| articles::table
        .filter(articles::id.eq_any(ids))
        .select(record_columns!(parts))
        .load(c)?);
    ArticleRecord::parse_all(rows)
}

/// One article with what `parts` asks for, by numeric id or else by slug, in one statement.
pub fn find_record_by_key(
    conn: &mut DbConnection,
    key: &str,
    parts: ArticleParts,
) -> QueryResult<Option<ArticleRecord>> {
    // Statements of static type: cached by type, their SQL never written out again, and run on
    // the backend's own connection.
    let row: Option<(ArticleRow, FastText)> = match key.parse::<i64>() {
        Ok(id) => crate::on_backend!(conn, |c| articles::table
            .find(id)
            .select(record_columns!(parts))
            .first(c)
            .optional()?),
        Err(_) => crate::on_backend!(conn, |c| articles::table
            .filter(articles::slug.eq(key))
            .select(record_columns!(parts))
            .first(c)
            .optional()?),
    };
    row.map(ArticleRecord::parse).transpose()
}

/// The authors of each article in `ids`, in order (one query).
pub fn load_authors(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<String>>> {
    let mut authors: HashMap<i64, Vec<String>> = HashMap::new();
    let names: Vec<(i64, String)> = article_authors::table
        .filter(article_authors::article_id.eq_any(ids))
        .order((article_authors::article_id, article_authors::position))
        .select((article_authors::article_id, article_authors::name))
        .load(conn)?;
    for (id, name) in names {
        authors.entry(id).or_default().push(name);
    }
    Ok(authors)
}

/// Ids of the articles about each of `meeting_ids` that the caller may see.
pub fn ids_by_meeting(
    conn: &mut DbConnection,
    meeting_ids: &[i64],
    visible: Option<&[&'static str]>,
) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    if meeting_ids.is_empty() {
        return Ok(out);
    }
    let mut q = article_meetings::table
        .inner_join(articles::table)
        .filter(article_meetings::meeting_id.eq_any(meeting_ids))
        .select((article_meetings::meeting_id, articles::id))
        .order((article_meetings::meeting_id, articles::id))
        .into_boxed::<MultiBackend>();
    if let Some(visible) = visible {
        q = q.filter(articles::status.eq_any(visible.to_vec()));
    }
    for (meeting_id, article_id) in q.load::<(i64, i64)>(conn)? {
        out.entry(meeting_id).or_default().push(article_id);
    }
    Ok(out)
}

#[cfg(test)]
mod statement_tests {
    use diesel::prelude::*;
    use diesel::query_builder::QueryId;

    use super::*;

    fn has_static_id<T: QueryId>(_: &T) -> bool {
        T::query_id().is_some()
    }

    #[test]
    fn the_read_by_id_is_cached_by_its_type() {
        let by_id = articles::table
            .find(1_i64)
            .select(record_columns!(ArticleParts {
                body: false,
                relations: true
            }))
            .limit(1);
        assert!(has_static_id(&by_id));
        // Text fixed only at run time has none: its SQL is written out for each execution.
        let literal = articles::table
            .find(1_i64)
            .select(static_sql::<diesel::sql_types::Text>("''"));
        assert!(!has_static_id(&literal));
    }
}
