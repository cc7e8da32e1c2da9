//! People in the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db::schema::people;
use crate::db::{DbConnection, MultiBackend};
use crate::http::page::PageRequest;
use crate::search::{self, Doc, Matcher, Resource};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = people, treat_none_as_null = true)]
pub struct PersonRow {
    /// Given by the database: a row built to be inserted leaves it 0.
    #[diesel(skip_insertion)]
    pub id: i64,
    pub full_name: String,
    pub current_title: Option<String>,
    pub organization_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// Orders of the people list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, Default)]
pub enum PersonSort {
    /// By full name (the default).
    #[default]
    #[serde(rename = "full_name")]
    NameAsc,
    #[serde(rename = "-full_name")]
    NameDesc,
    #[serde(rename = "updated_at")]
    UpdatedAsc,
    #[serde(rename = "-updated_at")]
    UpdatedDesc,
}

impl PersonSort {
    pub fn key(self) -> &'static str {
        match self {
            Self::NameAsc => "full_name",
            Self::NameDesc => "-full_name",
            Self::UpdatedAsc => "updated_at",
            Self::UpdatedDesc => "-updated_at",
        }
    }
}

impl crate::http::page::ListOrder<PersonRow> for PersonSort {
    fn position(self, row: &PersonRow) -> (serde_json::Value, i64) {
        let v = match self {
            Self::NameAsc | Self::NameDesc => row.full_name.clone(),
            Self::UpdatedAsc | Self::UpdatedDesc => crate::time::cursor_text(row.updated_at),
        };
        (serde_json::Value::String(v), row.id)
    }
}

#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    pub organization_id: Option<i64>,
    pub updated_since: Option<NaiveDateTime>,
    /// Only people who match `q` (in the orders other than best match).
    pub search: Option<Matcher>,
}

type Boxed<'a> = people::BoxedQuery<'a, MultiBackend>;

impl PersonFilter {
    fn apply<'a>(&self, mut q: Boxed<'a>) -> Boxed<'a> {
        if let Some(org) = self.organization_id {
            q = q.filter(people::organization_id.eq(org));
        }
        if let Some(since) = self.updated_since {
            q = q.filter(people::updated_at.ge(since));
        }
        if let Some(m) = &self.search {
            q = q.filter(people::id.eq_any(m.ids(Resource::People)));
        }
        q
    }
}

impl search::ListFilter for PersonFilter {
    fn narrows(&self) -> bool {
        self.organization_id.is_some() || self.updated_since.is_some() || self.search.is_some()
    }

    fn allowed(&self, conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
        self.apply(people::table.into_boxed())
            .filter(people::id.eq_any(ids))
            .select(people::id)
            .load(conn)
    }

    fn count_matching(&self, conn: &mut DbConnection, m: &Matcher) -> QueryResult<i64> {
        let mut filter = self.clone();
        filter.search = Some(m.clone());
        filter
            .apply(people::table.into_boxed())
            .count()
            .get_result(conn)
    }
}

pub fn list(
    conn: &mut DbConnection,
    filter: &PersonFilter,
    sort: PersonSort,
    page: &PageRequest,
) -> QueryResult<(Vec<PersonRow>, Option<i64>)> {
    let total = if page.count {
        Some(
            filter
                .apply(people::table.into_boxed())
                .count()
                .get_result(conn)?,
        )
    } else {
        None
    };
    let mut q = filter.apply(people::table.into_boxed());
    let after = page
        .after
        .as_ref()
        .map(|c| (c.value.as_str().unwrap_or_default().to_owned(), c.id));
    q = match sort {
        PersonSort::NameAsc | PersonSort::NameDesc => {
            let asc = sort == PersonSort::NameAsc;
            if let Some((name, id)) = after {
                q = if asc {
                    q.filter(crate::keyset!(people::full_name, people::id, name, id, gt))
                } else {
                    q.filter(crate::keyset!(people::full_name, people::id, name, id, lt))
                };
            }
            if asc {
                q.order((people::full_name.asc(), people::id.asc()))
            } else {
                q.order((people::full_name.desc(), people::id.desc()))
            }
        }
        PersonSort::UpdatedAsc | PersonSort::UpdatedDesc => {
            let asc = sort == PersonSort::UpdatedAsc;
            if let Some((t, id)) =
                after.and_then(|(v, id)| crate::time::parse_cursor_text(&v).map(|t| (t, id)))
            {
                q = if asc {
                    q.filter(crate::keyset!(people::updated_at, people::id, t, id, gt))
                } else {
                    q.filter(crate::keyset!(people::updated_at, people::id, t, id, lt))
                };
            }
            if asc {
                q.order((people::updated_at.asc(), people::id.asc()))
            } else {
                q.order((people::updated_at.desc(), people::id.desc()))
            }
        }
    };
    let rows = q
        .select(PersonRow::as_select())
        .limit(page.fetch())
        .load(conn)?;
    Ok((rows, total))
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<PersonRow>> {
    people::table
        .find(id)
        .select(PersonRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<PersonRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    people::table
        .filter(people::id.eq_any(ids))
        .select(PersonRow::as_select())
        .load(conn)
}

/// The search document of a person: the full name; the current title.
pub fn search_doc(row: &PersonRow) -> Doc {
    Doc {
        resource: Resource::People,
        id: row.id,
        title: row.full_name.clone(),
        body: Doc::join([row.current_title.as_deref()]),
        public: true,
        recency: row.updated_at,
    }
}

/// The search documents of the people in `ids` that exist.
pub fn search_docs(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Doc>> {
    Ok(find_many(conn, ids)?.iter().map(search_doc).collect())
}
