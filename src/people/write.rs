//! Writing people: reading a body, and the create, change and delete of the versioned write path.

use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{self, PersonRow};
use crate::db::refs::{self, Kind, Refs};
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::http::write::{IfMatch, JsonObject, Mode, Patch};
use crate::versioned;

crate::versioned!(
    PersonRow,
    people,
    People,
    "person",
    find = model::find,
    search = model::search_docs
);

/// The writable fields of a person.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PersonBody {
    /// Required on create.
    #[schema(value_type = String, required = true, example = "Vũ Văn Diện", min_length = 1,
        max_length = 200)]
    pub full_name: Patch<String>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500)]
    pub current_title: Patch<String>,
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub organization_id: Patch<i64>,
}

pub fn read(body: JsonObject, mode: Mode) -> ApiResult<PersonBody> {
    const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version", "meetings"];
    crate::http::body::read(body.0, mode, READ_ONLY).finish()
}

fn check_references(conn: &mut DbConnection, input: &PersonBody) -> ApiResult<()> {
    Refs::new()
        .one(
            "organization_id",
            Kind::Organization,
            input.organization_id.as_set().copied(),
        )
        .check(conn)
}

/// Creates a person; call inside a transaction.
pub fn create(conn: &mut DbConnection, input: PersonBody) -> ApiResult<PersonRow> {
    check_references(conn, &input)?;
    let now = crate::time::now();
    versioned::create(
        conn,
        PersonRow {
            id: 0,
            full_name: input.full_name.into_option().unwrap_or_default(),
            current_title: input.current_title.into_option(),
            organization_id: input.organization_id.into_option(),
            created_at: now,
            updated_at: now,
            version: 1,
        },
    )
}

/// Applies a merge patch; call inside a transaction.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    input: PersonBody,
) -> ApiResult<PersonRow> {
    let now = crate::time::now();
    versioned::update(conn, id, if_match, now, |conn, _, next: &mut PersonRow| {
        check_references(conn, &input)?;
        input.full_name.set(&mut next.full_name);
        input.current_title.patch(&mut next.current_title);
        input.organization_id.patch(&mut next.organization_id);
        Ok(())
    })
}

/// Deletes a person nothing refers to; call inside a transaction.
pub fn delete(conn: &mut DbConnection, id: i64, if_match: Option<IfMatch>) -> ApiResult<()> {
    versioned::delete(conn, id, if_match, |conn, _: &PersonRow| {
        refs::check_unused(conn, Kind::Person, id)
    })?;
    Ok(())
}
