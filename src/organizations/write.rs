//! Writing organizations: reading a body, and the create, change and delete of the versioned
//! write path.

use chrono::NaiveDate;
use diesel::prelude::*;

use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{self, OrgKind, OrgLevel, OrgRow};
use crate::db::refs::{self, Kind, Refs};
use crate::db::schema::organizations;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::write::{IfMatch, JsonObject, Mode, Patch};
use crate::versioned;

crate::versioned!(
    OrgRow,
    organizations,
    Organizations,
    "organization",
    find = model::find,
    search = model::search_docs
);

/// The writable fields of an organization (for a patch every field is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct OrganizationBody {
    /// Required on create.
    #[schema(value_type = String, required = true, example = "Đảng ủy phường Tuần Châu",
        min_length = 1, max_length = 300)]
    pub name: Patch<String>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100)]
    pub short_name: Patch<String>,
    /// Required on create.
    #[schema(value_type = OrgKind, required = true)]
    pub kind: Patch<OrgKind>,
    /// Required on create.
    #[schema(value_type = OrgLevel, required = true)]
    pub level: Patch<OrgLevel>,
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub parent_id: Patch<i64>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub locality: Patch<String>,
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_from: Patch<NaiveDate>,
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_to: Patch<NaiveDate>,
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub successor_id: Patch<i64>,
}

const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version", "children"];

pub fn read(body: JsonObject, mode: Mode) -> ApiResult<OrganizationBody> {
    let mut body = crate::http::body::read::<OrganizationBody>(body.0, mode, READ_ONLY);
    if let (Patch::Set(from), Patch::Set(to)) = (&body.value.valid_from, &body.value.valid_to) {
        if to < from {
            body.error("valid_to", "must not be before valid_from");
        }
    }
    body.finish()
}

fn check_references(conn: &mut DbConnection, input: &OrganizationBody) -> ApiResult<()> {
    Refs::new()
        .one(
            "parent_id",
            Kind::Organization,
            input.parent_id.clone().into_option(),
        )
        .one(
            "successor_id",
            Kind::Organization,
            input.successor_id.clone().into_option(),
        )
        .check(conn)
}

/// 422 when `parent_id` would make a cycle (the organization itself or one of its descendants).
fn check_parent(conn: &mut DbConnection, id: i64, parent: Option<i64>) -> ApiResult<()> {
    let mut cursor = parent;
    let mut steps = 0;
    while let Some(p) = cursor {
        if p == id {
            return Err(ApiError::Validation(vec![FieldError::new(
                "parent_id",
                "would make the organization its own ancestor",
            )]));
        }
        steps += 1;
        if steps > 64 {
            break;
        }
        cursor = organizations::table
            .find(p)
            .select(organizations::parent_id)
            .first::<Option<i64>>(conn)
            .optional()?
            .flatten();
    }
    Ok(())
}

/// Creates an organization; call inside a transaction.
pub fn create(conn: &mut DbConnection, input: OrganizationBody) -> ApiResult<OrgRow> {
    check_references(conn, &input)?;
    let now = crate::time::now();
    versioned::create(
        conn,
        model::OrgRow {
            id: 0,
            name: input.name.into_option().unwrap_or_default(),
            short_name: input.short_name.into_option(),
            kind: input.kind.into_option().unwrap_or(OrgKind::Other),
            level: input.level.into_option().unwrap_or(OrgLevel::Commune),
            parent_id: input.parent_id.into_option(),
            locality: input.locality.into_option(),
            valid_from: input.valid_from.into_option(),
            valid_to: input.valid_to.into_option(),
            successor_id: input.successor_id.into_option(),
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
    input: OrganizationBody,
) -> ApiResult<OrgRow> {
    let now = crate::time::now();
    versioned::update(conn, id, if_match, now, |conn, _, next: &mut OrgRow| {
        check_references(conn, &input)?;
        input.parent_id.patch(&mut next.parent_id);
        check_parent(conn, id, next.parent_id)?;
        input.successor_id.patch(&mut next.successor_id);
        if next.successor_id == Some(id) {
            return Err(ApiError::Validation(vec![FieldError::new(
                "successor_id",
                "cannot be the organization itself",
            )]));
        }
        input.valid_from.patch(&mut next.valid_from);
        input.valid_to.patch(&mut next.valid_to);
        if let (Some(from), Some(to)) = (next.valid_from, next.valid_to) {
            if to < from {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "valid_to",
                    "must not be before valid_from",
                )]));
            }
        }
        input.name.set(&mut next.name);
        input.short_name.patch(&mut next.short_name);
        input.kind.set(&mut next.kind);
        input.level.set(&mut next.level);
        input.locality.patch(&mut next.locality);
        Ok(())
    })
}

/// Deletes an organization nothing uses any more; call inside a transaction.
pub fn delete(conn: &mut DbConnection, id: i64, if_match: Option<IfMatch>) -> ApiResult<()> {
    versioned::delete(conn, id, if_match, |conn, _: &OrgRow| {
        refs::check_unused(conn, Kind::Organization, id)
    })?;
    Ok(())
}
