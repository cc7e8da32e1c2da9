//! Meetings in the database.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{meeting_organizations, meetings};
use crate::db::DbConnection;
use crate::search::{self, Doc, Matcher, Resource};

/// The kind of meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// A working session ("buổi làm việc") of a higher body with lower ones.
    WorkingSession,
    Conference,
    Inspection,
    Other,
}

/// Where a meeting is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    Scheduled,
    Held,
    Cancelled,
}

/// Part of the day, as reports say "Sáng" (morning) or "Chiều" (afternoon).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartOfDay {
    Morning,
    Afternoon,
    Evening,
}

/// How an organization takes part in a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    Host,
    Counterpart,
}

/// `as_str` and `parse` for an enum stored as TEXT.
#[macro_export]
macro_rules! text_enum {
    ($ty:ty { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some(Self::$variant),)* _ => None }
            }
        }

        /// The stored value.
        impl From<$ty> for String {
            fn from(v: $ty) -> String {
                v.as_str().to_owned()
            }
        }

        /// A stored value: one the type does not know is an error, never a default.
        impl TryFrom<String> for $ty {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Self::parse(&s).ok_or_else(|| format!("`{s}` is not a {}", stringify!($ty)))
            }
        }
    };
}

crate::text_enum!(MeetingKind { WorkingSession => "working_session", Conference => "conference", Inspection => "inspection", Other => "other" });
crate::text_enum!(MeetingStatus { Scheduled => "scheduled", Held => "held", Cancelled => "cancelled" });
crate::text_enum!(PartOfDay { Morning => "morning", Afternoon => "afternoon", Evening => "evening" });
crate::text_enum!(OrgRole { Host => "host", Counterpart => "counterpart" });

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = meetings, treat_none_as_null = true)]
pub struct MeetingRow {
    /// Given by the database: a row built to be inserted leaves it 0.
    #[diesel(skip_insertion)]
    pub id: i64,
    pub title: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: MeetingKind,
    pub date: NaiveDate,
    pub part_of_day: Option<String>,
    pub starts_at: Option<NaiveDateTime>,
    pub location: Option<String>,
    pub chair_person_id: Option<i64>,
    pub topic: Option<String>,
    pub period_label: Option<String>,
    pub summary: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: MeetingStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = meeting_organizations)]
pub struct NewMeetingOrganization {
    pub meeting_id: i64,
    pub organization_id: i64,
    pub role: String,
    pub position: i32,
}

pub fn find_by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<MeetingRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    meetings::table
        .filter(meetings::id.eq_any(ids))
        .select(MeetingRow::as_select())
        .load(conn)
}

/// Host and counterpart organization ids of one meeting, each in their order.
pub type HostsAndCounterparts = (Vec<i64>, Vec<i64>);

/// Host and counterpart organization ids of each meeting, in their order.
pub fn organizations_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, HostsAndCounterparts>> {
    let mut out: HashMap<i64, HostsAndCounterparts> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(i64, i64, String)> = meeting_organizations::table
        .filter(meeting_organizations::meeting_id.eq_any(ids))
        .order((
            meeting_organizations::meeting_id,
            meeting_organizations::position,
        ))
        .select((
            meeting_organizations::meeting_id,
            meeting_organizations::organization_id,
            meeting_organizations::role,
        ))
        .load(conn)?;
    for (meeting_id, org_id, role) in rows {
        let entry = out.entry(meeting_id).or_default();
        if role == OrgRole::Host.as_str() {
            entry.0.push(org_id);
        } else {
            entry.1.push(org_id);
        }
    }
    Ok(out)
}

/// Orders of the meetings list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, Default)]
pub enum MeetingSort {
    /// Latest first (the default).
    #[default]
    #[serde(rename = "-date")]
    DateDesc,
    #[serde(rename = "date")]
    DateAsc,
    #[serde(rename = "-updated_at")]
    UpdatedDesc,
    #[serde(rename = "updated_at")]
    UpdatedAsc,
}

impl MeetingSort {
    pub fn key(self) -> &'static str {
        match self {
            Self::DateDesc => "-date",
            Self::DateAsc => "date",
            Self::UpdatedDesc => "-updated_at",
            Self::UpdatedAsc => "updated_at",
        }
    }
}

impl crate::http::page::ListOrder<MeetingRow> for MeetingSort {
    fn position(self, row: &MeetingRow) -> (serde_json::Value, i64) {
        let v = match self {
            Self::DateDesc | Self::DateAsc => row.date.format("%Y-%m-%d").to_string(),
            Self::UpdatedDesc | Self::UpdatedAsc => crate::time::cursor_text(row.updated_at),
        };
        (serde_json::Value::String(v), row.id)
    }
}

/// The filters of `GET /meetings`.
#[derive(Debug, Clone, Default)]
pub struct MeetingFilter {
    pub organization_id: Option<i64>,
    /// With `organization_id`: only as host, or only as counterpart.
    pub org_role: Option<OrgRole>,
    pub person_id: Option<i64>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub status: Option<MeetingStatus>,
    pub kind: Option<MeetingKind>,
    pub updated_since: Option<NaiveDateTime>,
    /// Only meetings that match `q` (in the orders other than best match).
    pub search: Option<Matcher>,
}

type Boxed<'a> = meetings::BoxedQuery<'a, crate::db::MultiBackend>;

impl MeetingFilter {
    fn apply<'a>(&self, mut q: Boxed<'a>) -> Boxed<'a> {
        use crate::db::schema::attendees;
        if let Some(org) = self.organization_id {
            let links =
                meeting_organizations::table.filter(meeting_organizations::organization_id.eq(org));
            q = match self.org_role {
                Some(role) => q.filter(
                    meetings::id.eq_any(
                        links
                            .filter(meeting_organizations::role.eq(role.as_str()))
                            .select(meeting_organizations::meeting_id),
                    ),
                ),
                None => {
                    q.filter(meetings::id.eq_any(links.select(meeting_organizations::meeting_id)))
                }
            };
        }
        if let Some(person) = self.person_id {
            q = q.filter(
                meetings::id.eq_any(
                    attendees::table
                        .filter(attendees::person_id.eq(person))
                        .select(attendees::meeting_id),
                ),
            );
        }
        if let Some(from) = self.date_from {
            q = q.filter(meetings::date.ge(from));
        }
        if let Some(to) = self.date_to {
            q = q.filter(meetings::date.le(to));
        }
        if let Some(status) = self.status {
            q = q.filter(meetings::status.eq(status.as_str()));
        }
        if let Some(kind) = self.kind {
            q = q.filter(meetings::kind.eq(kind.as_str()));
        }
        if let Some(since) = self.updated_since {
            q = q.filter(meetings::updated_at.ge(since));
        }
        if let Some(m) = &self.search {
            q = q.filter(meetings::id.eq_any(m.ids(Resource::Meetings)));
        }
        q
    }
}

impl search::ListFilter for MeetingFilter {
    fn narrows(&self) -> bool {
        self.organization_id.is_some()
            || self.person_id.is_some()
            || self.date_from.is_some()
            || self.date_to.is_some()
            || self.status.is_some()
            || self.kind.is_some()
            || self.updated_since.is_some()
            || self.search.is_some()
    }

    fn allowed(&self, conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
        self.apply(meetings::table.into_boxed())
            .filter(meetings::id.eq_any(ids))
            .select(meetings::id)
            .load(conn)
    }

    fn count_matching(&self, conn: &mut DbConnection, m: &Matcher) -> QueryResult<i64> {
        let mut filter = self.clone();
        filter.search = Some(m.clone());
        filter
            .apply(meetings::table.into_boxed())
            .count()
            .get_result(conn)
    }
}

pub fn list(
    conn: &mut DbConnection,
    filter: &MeetingFilter,
    sort: MeetingSort,
    page: &crate::http::page::PageRequest,
) -> QueryResult<(Vec<MeetingRow>, Option<i64>)> {
    let total = if page.count {
        Some(
            filter
                .apply(meetings::table.into_boxed())
                .count()
                .get_result(conn)?,
        )
    } else {
        None
    };
    let mut q = filter.apply(meetings::table.into_boxed());
    let after = page
        .after
        .as_ref()
        .map(|c| (c.value.as_str().unwrap_or_default().to_owned(), c.id));
    q = match sort {
        MeetingSort::DateDesc | MeetingSort::DateAsc => {
            let asc = sort == MeetingSort::DateAsc;
            if let Some((d, id)) = after.and_then(|(v, id)| {
                NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                    .ok()
                    .map(|d| (d, id))
            }) {
                q = if asc {
                    q.filter(crate::keyset!(meetings::date, meetings::id, d, id, gt))
                } else {
                    q.filter(crate::keyset!(meetings::date, meetings::id, d, id, lt))
                };
            }
            if asc {
                q.order((meetings::date.asc(), meetings::id.asc()))
            } else {
                q.order((meetings::date.desc(), meetings::id.desc()))
            }
        }
        MeetingSort::UpdatedDesc | MeetingSort::UpdatedAsc => {
            let asc = sort == MeetingSort::UpdatedAsc;
            if let Some((t, id)) =
                after.and_then(|(v, id)| crate::time::parse_cursor_text(&v).map(|t| (t, id)))
            {
                q = if asc {
                    q.filter(crate::keyset!(
                        meetings::updated_at,
                        meetings::id,
                        t,
                        id,
                        gt
                    ))
                } else {
                    q.filter(crate::keyset!(
                        meetings::updated_at,
                        meetings::id,
                        t,
                        id,
                        lt
                    ))
                };
            }
            if asc {
                q.order((meetings::updated_at.asc(), meetings::id.asc()))
            } else {
                q.order((meetings::updated_at.desc(), meetings::id.desc()))
            }
        }
    };
    let rows = q
        .select(MeetingRow::as_select())
        .limit(page.fetch())
        .load(conn)?;
    Ok((rows, total))
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<MeetingRow>> {
    meetings::table
        .find(id)
        .select(MeetingRow::as_select())
        .first(conn)
        .optional()
}

/// The search document of a meeting: its title; topic, summary and period. Newest by its start
/// (or its day, in Vietnam).
pub fn search_doc(row: &MeetingRow) -> Doc {
    Doc {
        resource: Resource::Meetings,
        id: row.id,
        title: row.title.clone(),
        body: Doc::join([
            row.topic.as_deref(),
            row.summary.as_deref(),
            row.period_label.as_deref(),
        ]),
        public: true,
        recency: row
            .starts_at
            .unwrap_or_else(|| crate::time::start_of_day_in_vietnam(row.date)),
    }
}

/// The search documents of the meetings in `ids` that exist.
pub fn search_docs(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Doc>> {
    Ok(find_by_ids(conn, ids)?.iter().map(search_doc).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_value_the_type_does_not_know_is_an_error_not_a_default() {
        assert_eq!(
            MeetingKind::try_from("conference".to_owned()),
            Ok(MeetingKind::Conference)
        );
        assert!(MeetingKind::try_from("hội nghị".to_owned()).is_err());
        assert!(MeetingStatus::try_from(String::new()).is_err());
    }
}
