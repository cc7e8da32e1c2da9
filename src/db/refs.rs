//! References between records, checked before writing so that a missing record is a 422 naming
//! the field, never a 500 from a foreign key.

use diesel::prelude::*;

use super::schema::{articles, media, meetings, organizations, people};
use super::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};

/// The kinds of record a field may point to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Organization,
    Person,
    Meeting,
    Media,
    Article,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Person => "person",
            Self::Meeting => "meeting",
            Self::Media => "media",
            Self::Article => "article",
        }
    }

    /// Which of `ids` exist.
    fn existing(self, conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
        match self {
            Self::Organization => organizations::table
                .filter(organizations::id.eq_any(ids))
                .select(organizations::id)
                .load(conn),
            Self::Person => people::table
                .filter(people::id.eq_any(ids))
                .select(people::id)
                .load(conn),
            Self::Meeting => meetings::table
                .filter(meetings::id.eq_any(ids))
                .select(meetings::id)
                .load(conn),
            Self::Media => media::table
                .filter(media::id.eq_any(ids))
                .select(media::id)
                .load(conn),
            Self::Article => articles::table
                .filter(articles::id.eq_any(ids))
                .select(articles::id)
                .load(conn),
        }
    }
}

/// The references a write makes, collected field by field and checked together.
#[derive(Debug, Default)]
pub struct Refs(Vec<(String, Kind, i64)>);

impl Refs {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn one(&mut self, field: &str, kind: Kind, id: Option<i64>) -> &mut Self {
        if let Some(id) = id {
            self.0.push((field.to_owned(), kind, id));
        }
        self
    }

    pub fn many(&mut self, field: &str, kind: Kind, ids: Option<&[i64]>) -> &mut Self {
        for (i, id) in ids.unwrap_or_default().iter().enumerate() {
            self.0.push((format!("{field}[{i}]"), kind, *id));
        }
        self
    }

    /// 422 with one entry per field that points to nothing.
    pub fn check(&self, conn: &mut DbConnection) -> ApiResult<()> {
        let mut errors = Vec::new();
        for kind in [
            Kind::Organization,
            Kind::Person,
            Kind::Meeting,
            Kind::Media,
            Kind::Article,
        ] {
            let ids: Vec<i64> = self
                .0
                .iter()
                .filter(|(_, k, _)| *k == kind)
                .map(|(_, _, id)| *id)
                .collect();
            if ids.is_empty() {
                continue;
            }
            let found = kind.existing(conn, &ids)?;
            for (field, k, id) in &self.0 {
                if *k == kind && !found.contains(id) {
                    errors.push(FieldError::new(
                        field.clone(),
                        format!("no {} {id}", kind.noun()),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            errors.sort_by_key(|e| self.0.iter().position(|(f, _, _)| *f == e.field));
            Err(ApiError::Validation(errors))
        }
    }
}

/// Where records point at each kind, for the 409 of a delete: what the message calls them, and
/// the table and columns that point (a row counts once however many of its columns do).
const POINTERS: &[(Kind, &str, &str, &[&str])] = &[
    (
        Kind::Organization,
        "meetings",
        "meeting_organizations",
        &["organization_id"],
    ),
    (Kind::Organization, "people", "people", &["organization_id"]),
    (
        Kind::Organization,
        "attendees",
        "attendees",
        &["organization_id"],
    ),
    (
        Kind::Organization,
        "directives",
        "directives",
        &["lead_organization_id"],
    ),
    (
        Kind::Organization,
        "directives",
        "directive_assignees",
        &["organization_id"],
    ),
    (
        Kind::Organization,
        "targets",
        "targets",
        &["organization_id"],
    ),
    (
        Kind::Organization,
        "organizations (as parent or successor)",
        "organizations",
        &["parent_id", "successor_id"],
    ),
    (Kind::Person, "attendees", "attendees", &["person_id"]),
    (
        Kind::Person,
        "meetings (as chair)",
        "meetings",
        &["chair_person_id"],
    ),
    (
        Kind::Person,
        "directives",
        "directives",
        &["issued_by_person_id"],
    ),
    (Kind::Meeting, "directives", "directives", &["meeting_id"]),
    (Kind::Meeting, "targets", "targets", &["meeting_id"]),
    (
        Kind::Meeting,
        "articles",
        "article_meetings",
        &["meeting_id"],
    ),
];

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// 409 naming what still points at record `id` of `kind`, or `Ok` when nothing does.
pub fn check_unused(conn: &mut DbConnection, kind: Kind, id: i64) -> ApiResult<()> {
    let mut uses: Vec<(&str, i64)> = Vec::new();
    for (_, label, table, columns) in POINTERS.iter().filter(|(k, ..)| *k == kind) {
        let pointing: Vec<String> = columns.iter().map(|c| format!("{c} = $1")).collect();
        // Table and column names are the constants above; the id is bound.
        let count: Count = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM {table} WHERE {}",
            pointing.join(" OR ")
        ))
        .bind::<diesel::sql_types::BigInt, _>(id)
        .get_result(conn)?;
        match uses.iter_mut().find(|(l, _)| l == label) {
            Some((_, n)) => *n += count.n,
            None => uses.push((label, count.n)),
        }
    }
    in_use_error(kind.noun(), id, &uses)
}

/// The 409 of a delete of record `id` of kind `what` while the articles `articles` still show it,
/// naming them.
pub fn in_use_by_articles(what: &str, id: i64, articles: &[i64]) -> ApiResult<()> {
    let list = articles
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let noun = if articles.len() == 1 {
        format!("article ({list})")
    } else {
        format!("articles ({list})")
    };
    in_use_error(what, id, &[(noun.as_str(), articles.len() as i64)])
}

/// What still uses a record, for the 409 of a delete: `("meetings", 3)` and so on.
pub fn in_use_error(what: &str, id: i64, uses: &[(&str, i64)]) -> ApiResult<()> {
    let used: Vec<String> = uses
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{n} {name}"))
        .collect();
    if used.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "{what} {id} is still used by {}; change or delete those first",
            used.join(", ")
        )))
    }
}
