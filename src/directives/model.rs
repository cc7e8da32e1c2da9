//! Directives in the database.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{directive_assignees, directives};
use crate::db::DbConnection;
use crate::search::{Doc, Resource};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = directives)]
pub struct NewDirectiveRow {
    pub meeting_id: i64,
    pub ordinal: Option<i32>,
    pub text: String,
    pub issued_by_person_id: Option<i64>,
    pub lead_organization_id: Option<i64>,
    pub source_document: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub status: String,
    pub completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = directive_assignees)]
pub struct NewDirectiveAssignee {
    pub directive_id: i64,
    pub organization_id: i64,
    pub position: i32,
}

/// The search document of a directive: its text; the source document (the conclusion notice).
/// Whatever writes directives keeps the index in step, inside its transaction, like every other
/// resource: `crate::search::refresh(conn, Resource::Directives, &[id])` after a create or an
/// update, `crate::search::remove(conn, Resource::Directives, id)` after a delete.
pub fn search_doc(
    id: i64,
    text: &str,
    source_document: Option<&str>,
    updated_at: NaiveDateTime,
) -> Doc {
    Doc {
        resource: Resource::Directives,
        id,
        title: text.to_owned(),
        body: Doc::join([source_document]),
        public: true,
        recency: updated_at,
    }
}

/// The search documents of the directives in `ids` that exist.
pub fn search_docs(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Doc>> {
    let rows: Vec<(i64, String, Option<String>, NaiveDateTime)> = directives::table
        .filter(directives::id.eq_any(ids))
        .select((
            directives::id,
            directives::text,
            directives::source_document,
            directives::updated_at,
        ))
        .load(conn)?;
    Ok(rows
        .iter()
        .map(|(id, text, source, updated_at)| search_doc(*id, text, source.as_deref(), *updated_at))
        .collect())
}
