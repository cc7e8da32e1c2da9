//! Tags in the database.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db::schema::{article_tags, tags};
use crate::db::{DbConnection, MultiBackend};
use crate::http::page::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = tags, treat_none_as_null = true)]
pub struct TagRow {
    /// Given by the database: a row built to be inserted leaves it 0.
    #[diesel(skip_insertion)]
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    /// The name folded (no case, no diacritics), which `q` matches.
    pub name_folded: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// Orders of the tag list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, Default)]
pub enum TagSort {
    /// By name, ignoring case and diacritics (the default).
    #[default]
    #[serde(rename = "name")]
    NameAsc,
    #[serde(rename = "-updated_at")]
    UpdatedDesc,
}

impl TagSort {
    pub fn key(self) -> &'static str {
        match self {
            Self::NameAsc => "name",
            Self::UpdatedDesc => "-updated_at",
        }
    }
}

impl crate::http::page::ListOrder<TagRow> for TagSort {
    fn position(self, row: &TagRow) -> (serde_json::Value, i64) {
        let v = match self {
            Self::NameAsc => row.name_folded.clone(),
            Self::UpdatedDesc => crate::time::cursor_text(row.updated_at),
        };
        (serde_json::Value::String(v), row.id)
    }
}

/// The filters of `GET /tags`.
#[derive(Debug, Clone, Default)]
pub struct TagFilter {
    /// Folded words that must each occur in the folded name.
    pub words: Vec<String>,
}

/// One page of tags (plus one) and, when asked, the total.
pub fn list(
    conn: &mut DbConnection,
    filter: &TagFilter,
    sort: TagSort,
    page: &PageRequest,
) -> QueryResult<(Vec<TagRow>, Option<i64>)> {
    let filtered = || {
        let mut q = tags::table.into_boxed::<MultiBackend>();
        for word in &filter.words {
            q = q.filter(
                tags::name_folded
                    .like(format!("%{}%", escape_like(word)))
                    .escape('\\'),
            );
        }
        q
    };
    let total = if page.count {
        Some(filtered().count().get_result(conn)?)
    } else {
        None
    };
    let mut q = filtered();
    let after = page.after.as_ref();
    q = match sort {
        TagSort::NameAsc => {
            if let Some(c) = after {
                let v = c.value.as_str().unwrap_or_default().to_owned();
                q = q.filter(
                    tags::name_folded
                        .gt(v.clone())
                        .or(tags::name_folded.eq(v).and(tags::id.gt(c.id))),
                );
            }
            q.order((tags::name_folded.asc(), tags::id.asc()))
        }
        TagSort::UpdatedDesc => {
            if let Some(t) =
                after.and_then(|c| c.value.as_str().and_then(crate::time::parse_cursor_text))
            {
                let id = after.map_or(0, |c| c.id);
                q = q.filter(crate::keyset!(tags::updated_at, tags::id, t, id, lt));
            }
            q.order((tags::updated_at.desc(), tags::id.desc()))
        }
    };
    let rows = q
        .select(TagRow::as_select())
        .limit(page.fetch())
        .load(conn)?;
    Ok((rows, total))
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<TagRow>> {
    tags::table
        .find(id)
        .select(TagRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<TagRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    tags::table
        .filter(tags::id.eq_any(ids))
        .select(TagRow::as_select())
        .load(conn)
}

/// The names of each article's tags, in order (one query).
pub fn names_of_articles(
    conn: &mut DbConnection,
    article_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    if article_ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(i64, String)> = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq_any(article_ids))
        .order((article_tags::article_id, article_tags::position))
        .select((article_tags::article_id, tags::name))
        .load(conn)?;
    for (article, name) in rows {
        out.entry(article).or_default().push(name);
    }
    Ok(out)
}

/// The articles that carry tag `id`, by id.
pub fn article_ids(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<i64>> {
    article_tags::table
        .filter(article_tags::tag_id.eq(id))
        .order(article_tags::article_id)
        .select(article_tags::article_id)
        .load(conn)
}
