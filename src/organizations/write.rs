//! Writing organizations: reading a body, and the create, change and delete of the versioned
//! write path.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{self, OrgRow, KINDS, LEVELS};
use crate::db::refs::{self, Kind, Refs};
use crate::db::schema::{
    attendees, directive_assignees, directives, meeting_organizations, organizations, people,
    targets,
};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::write::{BodyReader, IfMatch, JsonObject, Mode, Patch};
use crate::versioned;

crate::versioned!(
    OrgRow,
    organizations,
    Organizations,
    "organization",
    find = model::find
);

pub struct OrgInput {
    name: Patch<String>,
    short_name: Patch<String>,
    kind: Patch<&'static str>,
    level: Patch<&'static str>,
    parent_id: Patch<i64>,
    locality: Patch<String>,
    valid_from: Patch<NaiveDate>,
    valid_to: Patch<NaiveDate>,
    successor_id: Patch<i64>,
}

pub fn read(body: JsonObject, mode: Mode) -> ApiResult<OrgInput> {
    let mut f = BodyReader::new(
        body.0,
        &[
            "name",
            "short_name",
            "kind",
            "level",
            "parent_id",
            "locality",
            "valid_from",
            "valid_to",
            "successor_id",
        ],
        &["id", "created_at", "updated_at", "version", "children"],
        mode,
    );
    let name = f.text("name", 300);
    let kind = f.choice("kind", KINDS);
    let level = f.choice("level", LEVELS);
    let input = OrgInput {
        name: f.required("name", name),
        kind: f.required("kind", kind),
        level: f.required("level", level),
        short_name: f.text("short_name", 100),
        parent_id: f.id("parent_id"),
        locality: f.text("locality", 200),
        valid_from: f.date("valid_from"),
        valid_to: f.date("valid_to"),
        successor_id: f.id("successor_id"),
    };
    if let (Patch::Set(from), Patch::Set(to)) = (&input.valid_from, &input.valid_to) {
        if to < from {
            f.error("valid_to", "must not be before valid_from");
        }
    }
    f.finish()?;
    Ok(input)
}

fn check_references(conn: &mut DbConnection, input: &OrgInput) -> ApiResult<()> {
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
pub fn create(conn: &mut DbConnection, input: OrgInput) -> ApiResult<OrgRow> {
    check_references(conn, &input)?;
    let now = crate::time::now();
    let row: OrgRow = diesel::insert_into(organizations::table)
        .values(model::NewOrganizationRow {
            name: input.name.into_option().unwrap_or_default(),
            short_name: input.short_name.into_option(),
            kind: input.kind.into_option().unwrap_or("other").to_owned(),
            level: input.level.into_option().unwrap_or("commune").to_owned(),
            parent_id: input.parent_id.into_option(),
            locality: input.locality.into_option(),
            valid_from: input.valid_from.into_option(),
            valid_to: input.valid_to.into_option(),
            successor_id: input.successor_id.into_option(),
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .returning(organizations::all_columns)
        .get_result(conn)?;
    versioned::created(conn, row)
}

/// Applies a merge patch; call inside a transaction.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    input: OrgInput,
) -> ApiResult<OrgRow> {
    versioned::update(conn, id, if_match, |conn, current: &OrgRow, next| {
        check_references(conn, &input)?;
        let parent_id = input.parent_id.apply(current.parent_id);
        check_parent(conn, id, parent_id)?;
        let successor_id = input.successor_id.apply(current.successor_id);
        if successor_id == Some(id) {
            return Err(ApiError::Validation(vec![FieldError::new(
                "successor_id",
                "cannot be the organization itself",
            )]));
        }
        let valid_from = input.valid_from.apply(current.valid_from);
        let valid_to = input.valid_to.apply(current.valid_to);
        if let (Some(from), Some(to)) = (valid_from, valid_to) {
            if to < from {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "valid_to",
                    "must not be before valid_from",
                )]));
            }
        }
        Ok(diesel::update(
            organizations::table
                .find(id)
                .filter(organizations::version.eq(current.version)),
        )
        .set((
            organizations::name.eq(input.name.into_option().unwrap_or(current.name.clone())),
            organizations::short_name.eq(input.short_name.apply(current.short_name.clone())),
            organizations::kind.eq(input
                .kind
                .into_option()
                .unwrap_or(current.kind.as_str())
                .to_owned()),
            organizations::level.eq(input
                .level
                .into_option()
                .unwrap_or(current.level.as_str())
                .to_owned()),
            organizations::parent_id.eq(parent_id),
            organizations::locality.eq(input.locality.apply(current.locality.clone())),
            organizations::valid_from.eq(valid_from),
            organizations::valid_to.eq(valid_to),
            organizations::successor_id.eq(successor_id),
            organizations::updated_at.eq(crate::time::now()),
            organizations::version.eq(next),
        ))
        .execute(conn)?)
    })
}

/// Deletes an organization nothing uses any more; call inside a transaction.
pub fn delete(conn: &mut DbConnection, id: i64, if_match: Option<IfMatch>) -> ApiResult<()> {
    versioned::delete(conn, id, if_match, |conn, _: &OrgRow| {
        let meetings: i64 = meeting_organizations::table
            .filter(meeting_organizations::organization_id.eq(id))
            .count()
            .get_result(conn)?;
        let people: i64 = people::table
            .filter(people::organization_id.eq(id))
            .count()
            .get_result(conn)?;
        let attendees: i64 = attendees::table
            .filter(attendees::organization_id.eq(id))
            .count()
            .get_result(conn)?;
        let led: i64 = directives::table
            .filter(directives::lead_organization_id.eq(id))
            .count()
            .get_result(conn)?;
        let assigned: i64 = directive_assignees::table
            .filter(directive_assignees::organization_id.eq(id))
            .count()
            .get_result(conn)?;
        let targets: i64 = targets::table
            .filter(targets::organization_id.eq(id))
            .count()
            .get_result(conn)?;
        let children: i64 = organizations::table
            .filter(
                organizations::parent_id
                    .eq(id)
                    .or(organizations::successor_id.eq(id)),
            )
            .count()
            .get_result(conn)?;
        refs::in_use_error(
            "organization",
            id,
            &[
                ("meetings", meetings),
                ("people", people),
                ("attendees", attendees),
                ("directives", led + assigned),
                ("targets", targets),
                ("organizations (as parent or successor)", children),
            ],
        )
    })?;
    Ok(())
}
