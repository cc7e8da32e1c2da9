//! Organizations in the database.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::organizations;
use crate::db::{DbConnection, MultiBackend};
use crate::http::page::PageRequest;
use crate::search::{self, Doc, Matcher, Resource};

/// What kind of body an organization is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// A party committee ("Tỉnh ủy", "Thành ủy", "Đảng ủy phường").
    PartyCommittee,
    /// Its standing committee ("Ban Thường vụ").
    PartyStandingCommittee,
    /// Its standing board ("Thường trực").
    PartyStandingBoard,
    /// A people's committee ("UBND").
    PeoplesCommittee,
    /// A people's council ("HĐND").
    PeoplesCouncil,
    /// The Fatherland Front ("Mặt trận Tổ quốc").
    FatherlandFront,
    /// A mass organization (youth union, veterans, women's union).
    MassOrganization,
    /// An agency or department ("Ban Tuyên giáo", "Phòng Tài chính").
    Agency,
    Other,
}

crate::text_enum!(OrgKind {
    PartyCommittee => "party_committee",
    PartyStandingCommittee => "party_standing_committee",
    PartyStandingBoard => "party_standing_board",
    PeoplesCommittee => "peoples_committee",
    PeoplesCouncil => "peoples_council",
    FatherlandFront => "fatherland_front",
    MassOrganization => "mass_organization",
    Agency => "agency",
    Other => "other",
});

/// The administrative level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgLevel {
    Central,
    Province,
    District,
    Commune,
}

crate::text_enum!(OrgLevel { Central => "central", Province => "province", District => "district", Commune => "commune" });

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = organizations, treat_none_as_null = true)]
pub struct OrgRow {
    /// Given by the database: a row built to be inserted leaves it 0.
    #[diesel(skip_insertion)]
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: OrgKind,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub level: OrgLevel,
    pub parent_id: Option<i64>,
    pub locality: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub successor_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// Orders of the organizations list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, Default)]
pub enum OrgSort {
    /// By name, A to Z (the default).
    #[default]
    #[serde(rename = "name")]
    NameAsc,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "updated_at")]
    UpdatedAsc,
    #[serde(rename = "-updated_at")]
    UpdatedDesc,
}

impl OrgSort {
    pub fn key(self) -> &'static str {
        match self {
            Self::NameAsc => "name",
            Self::NameDesc => "-name",
            Self::UpdatedAsc => "updated_at",
            Self::UpdatedDesc => "-updated_at",
        }
    }
}

impl crate::http::page::ListOrder<OrgRow> for OrgSort {
    fn position(self, row: &OrgRow) -> (serde_json::Value, i64) {
        let v = match self {
            Self::NameAsc | Self::NameDesc => row.name.clone(),
            Self::UpdatedAsc | Self::UpdatedDesc => crate::time::cursor_text(row.updated_at),
        };
        (serde_json::Value::String(v), row.id)
    }
}

/// The filters of `GET /organizations`.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    pub kind: Option<&'static str>,
    pub level: Option<&'static str>,
    pub parent_id: Option<i64>,
    pub active_on: Option<NaiveDate>,
    pub updated_since: Option<NaiveDateTime>,
    /// Only organizations that match `q` (in the orders other than best match).
    pub search: Option<Matcher>,
}

type Boxed<'a> = organizations::BoxedQuery<'a, MultiBackend>;

impl OrgFilter {
    fn apply<'a>(&self, mut q: Boxed<'a>) -> Boxed<'a> {
        if let Some(kind) = self.kind {
            q = q.filter(organizations::kind.eq(kind));
        }
        if let Some(level) = self.level {
            q = q.filter(organizations::level.eq(level));
        }
        if let Some(parent) = self.parent_id {
            q = q.filter(organizations::parent_id.eq(parent));
        }
        if let Some(day) = self.active_on {
            q = q
                .filter(
                    organizations::valid_from
                        .is_null()
                        .or(organizations::valid_from.le(day)),
                )
                .filter(
                    organizations::valid_to
                        .is_null()
                        .or(organizations::valid_to.ge(day)),
                );
        }
        if let Some(since) = self.updated_since {
            q = q.filter(organizations::updated_at.ge(since));
        }
        if let Some(m) = &self.search {
            q = q.filter(organizations::id.eq_any(m.ids(Resource::Organizations)));
        }
        q
    }
}

impl search::ListFilter for OrgFilter {
    fn narrows(&self) -> bool {
        self.kind.is_some()
            || self.level.is_some()
            || self.parent_id.is_some()
            || self.active_on.is_some()
            || self.updated_since.is_some()
            || self.search.is_some()
    }

    fn allowed(&self, conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
        self.apply(organizations::table.into_boxed())
            .filter(organizations::id.eq_any(ids))
            .select(organizations::id)
            .load(conn)
    }

    fn count_matching(&self, conn: &mut DbConnection, m: &Matcher) -> QueryResult<i64> {
        let mut filter = self.clone();
        filter.search = Some(m.clone());
        filter
            .apply(organizations::table.into_boxed())
            .count()
            .get_result(conn)
    }
}

pub fn list(
    conn: &mut DbConnection,
    filter: &OrgFilter,
    sort: OrgSort,
    page: &PageRequest,
) -> QueryResult<(Vec<OrgRow>, Option<i64>)> {
    let total = if page.count {
        Some(
            filter
                .apply(organizations::table.into_boxed())
                .count()
                .get_result(conn)?,
        )
    } else {
        None
    };
    let mut q = filter.apply(organizations::table.into_boxed());
    let after = page
        .after
        .as_ref()
        .map(|c| (c.value.as_str().unwrap_or_default().to_owned(), c.id));
    q = match sort {
        OrgSort::NameAsc | OrgSort::NameDesc => {
            if let Some((name, id)) = after {
                q = if sort == OrgSort::NameAsc {
                    q.filter(crate::keyset!(
                        organizations::name,
                        organizations::id,
                        name,
                        id,
                        gt
                    ))
                } else {
                    q.filter(crate::keyset!(
                        organizations::name,
                        organizations::id,
                        name,
                        id,
                        lt
                    ))
                };
            }
            if sort == OrgSort::NameAsc {
                q.order((organizations::name.asc(), organizations::id.asc()))
            } else {
                q.order((organizations::name.desc(), organizations::id.desc()))
            }
        }
        OrgSort::UpdatedAsc | OrgSort::UpdatedDesc => {
            if let Some(t) =
                after.and_then(|(v, id)| crate::time::parse_cursor_text(&v).map(|t| (t, id)))
            {
                let (t, id) = t;
                q = if sort == OrgSort::UpdatedAsc {
                    q.filter(crate::keyset!(
                        organizations::updated_at,
                        organizations::id,
                        t,
                        id,
                        gt
                    ))
                } else {
                    q.filter(crate::keyset!(
                        organizations::updated_at,
                        organizations::id,
                        t,
                        id,
                        lt
                    ))
                };
            }
            if sort == OrgSort::UpdatedAsc {
                q.order((organizations::updated_at.asc(), organizations::id.asc()))
            } else {
                q.order((organizations::updated_at.desc(), organizations::id.desc()))
            }
        }
    };
    let rows = q
        .select(OrgRow::as_select())
        .limit(page.fetch())
        .load(conn)?;
    Ok((rows, total))
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<OrgRow>> {
    organizations::table
        .find(id)
        .select(OrgRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<OrgRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    organizations::table
        .filter(organizations::id.eq_any(ids))
        .select(OrgRow::as_select())
        .load(conn)
}

/// The direct children of each organization in `ids`.
pub fn children_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<OrgRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    organizations::table
        .filter(organizations::parent_id.eq_any(ids))
        .order((organizations::name, organizations::id))
        .select(OrgRow::as_select())
        .load(conn)
}

/// The search document of an organization: the name; the short name.
pub fn search_doc(row: &OrgRow) -> Doc {
    Doc {
        resource: Resource::Organizations,
        id: row.id,
        title: row.name.clone(),
        body: Doc::join([row.short_name.as_deref()]),
        public: true,
        recency: row.updated_at,
    }
}

/// The search documents of the organizations in `ids` that exist.
pub fn search_docs(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Doc>> {
    Ok(find_many(conn, ids)?.iter().map(search_doc).collect())
}
