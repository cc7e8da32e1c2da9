//! What other resources embed of organizations: the wire types and the loaders that build them.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{self, OrgKind, OrgLevel, OrgRow};
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::time::utc;

/// A party committee, people's committee, agency or other body.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "name": "Ban Thường vụ Thành ủy Thái Nguyên", "short_name": "BTV Thành ủy",
    "kind": "party_standing_committee", "level": "district", "parent_id": 2, "locality": "Thái Nguyên",
    "valid_from": null, "valid_to": null, "successor_id": null,
    "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z", "version": 1
}))]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: OrgKind,
    pub level: OrgLevel,
    /// The body this one belongs to.
    pub parent_id: Option<i64>,
    /// The province, city, district or ward.
    pub locality: Option<String>,
    /// First day it existed, when known.
    pub valid_from: Option<NaiveDate>,
    /// Last day it existed (e.g. 2025-06-30 for districts abolished on 2025-07-01).
    pub valid_to: Option<NaiveDate>,
    /// The body that replaced it after a merger.
    pub successor_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Direct sub-organizations, with `include=children`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub children: Option<Vec<Organization>>,
}

impl From<OrgRow> for Organization {
    fn from(row: OrgRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            short_name: row.short_name,
            kind: row.kind,
            level: row.level,
            parent_id: row.parent_id,
            locality: row.locality,
            valid_from: row.valid_from,
            valid_to: row.valid_to,
            successor_id: row.successor_id,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
            children: None,
        }
    }
}

/// Organizations by id, for embedding (one query).
pub fn load_organizations(
    conn: &mut DbConnection,
    ids: &[i64],
) -> ApiResult<HashMap<i64, Organization>> {
    Ok(model::find_many(conn, ids)?
        .into_iter()
        .map(|r| (r.id, Organization::from(r)))
        .collect())
}

pub(crate) fn embed_children(conn: &mut DbConnection, orgs: &mut [Organization]) -> ApiResult<()> {
    let ids: Vec<i64> = orgs.iter().map(|o| o.id).collect();
    let mut by_parent: HashMap<i64, Vec<Organization>> = HashMap::new();
    for child in model::children_of(conn, &ids)? {
        by_parent
            .entry(child.parent_id.unwrap_or_default())
            .or_default()
            .push(child.into());
    }
    for org in orgs {
        org.children = Some(by_parent.remove(&org.id).unwrap_or_default());
    }
    Ok(())
}

pub(crate) const INCLUDES: &[&str] = &["children"];

crate::fielded!(Organization);
