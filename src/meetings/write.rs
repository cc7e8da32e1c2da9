//! Meeting writes, and the one rule that ties meetings to attendees: the meeting's
//! `chair_person_id` and its attendee with role `chair` always name the same person.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{self, MeetingKind, MeetingRow, MeetingStatus, OrgRole, PartOfDay};
use crate::attendees::model::{AttendeeRole, AttendeeRow};
use crate::db::refs::{self, Kind, Refs};
use crate::db::schema::{attendees, meeting_organizations, meetings, people};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::write::{IfMatch, JsonObject, Mode, Patch};
use crate::resource::Resource;
use crate::sync::changes::{self, Action};
use crate::versioned;

crate::versioned!(
    MeetingRow,
    meetings,
    Meetings,
    "meeting",
    find = model::find,
    search = model::search_docs
);

/// Makes the meeting and its attendees agree that `chair` (or nobody) chairs it: sets
/// `chair_person_id`, turns any other `chair` attendee into an `attendee`, and makes the chair an
/// attendee with role `chair` (adding them when missing). Every record it changes gets a new
/// version and a change-feed row.
pub fn sync_chair(
    conn: &mut DbConnection,
    meeting_id: i64,
    chair: Option<i64>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let (current, version): (Option<i64>, i64) = meetings::table
        .find(meeting_id)
        .select((meetings::chair_person_id, meetings::version))
        .first(conn)?;
    if current != chair {
        diesel::update(meetings::table.find(meeting_id))
            .set((
                meetings::chair_person_id.eq(chair),
                meetings::version.eq(version + 1),
                meetings::updated_at.eq(now),
            ))
            .execute(conn)?;
        changes::record(
            conn,
            crate::resource::Resource::Meetings,
            meeting_id,
            Action::Updated,
            version + 1,
            true,
        )?;
    }
    let chairs: Vec<AttendeeRow> = attendees::table
        .filter(attendees::meeting_id.eq(meeting_id))
        .filter(attendees::role.eq("chair"))
        .select(AttendeeRow::as_select())
        .load(conn)?;
    for other in chairs.iter().filter(|a| Some(a.person_id) != chair) {
        set_role(conn, other, "attendee", now)?;
    }
    let Some(person_id) = chair else {
        return Ok(());
    };
    let existing: Option<AttendeeRow> = attendees::table
        .filter(attendees::meeting_id.eq(meeting_id))
        .filter(attendees::person_id.eq(person_id))
        .select(AttendeeRow::as_select())
        .first(conn)
        .optional()?;
    match existing {
        Some(a) if a.role == AttendeeRole::Chair => {}
        Some(a) => set_role(conn, &a, "chair", now)?,
        None => {
            let title: Option<String> = people::table
                .find(person_id)
                .select(people::current_title)
                .first(conn)?;
            versioned::create(
                conn,
                AttendeeRow {
                    id: 0,
                    meeting_id,
                    person_id,
                    role: AttendeeRole::Chair,
                    title_at_meeting: title,
                    organization_id: None,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                },
            )?;
        }
    }
    Ok(())
}

fn set_role(
    conn: &mut DbConnection,
    attendee: &AttendeeRow,
    role: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(attendees::table.find(attendee.id))
        .set((
            attendees::role.eq(role),
            attendees::version.eq(attendee.version + 1),
            attendees::updated_at.eq(now),
        ))
        .execute(conn)?;
    changes::record(
        conn,
        crate::resource::Resource::Attendees,
        attendee.id,
        Action::Updated,
        attendee.version + 1,
        true,
    )?;
    Ok(())
}

/// The writable fields of a meeting (for a patch every field is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct MeetingBody {
    /// Required on create.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500)]
    pub title: Patch<String>,
    /// Required on create.
    #[schema(value_type = MeetingKind, required = true)]
    pub kind: Patch<MeetingKind>,
    /// Required on create: the day in Vietnam.
    #[schema(value_type = NaiveDate, required = true)]
    pub date: Patch<NaiveDate>,
    #[schema(value_type = Option<PartOfDay>)]
    pub part_of_day: Patch<PartOfDay>,
    #[schema(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub starts_at: Patch<NaiveDateTime>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 300)]
    pub location: Patch<String>,
    #[schema(value_type = std::collections::BTreeSet<i64>, max_items = 50)]
    pub host_organization_ids: Patch<Vec<i64>>,
    #[schema(value_type = std::collections::BTreeSet<i64>, max_items = 200)]
    pub counterpart_organization_ids: Patch<Vec<i64>>,
    /// Setting it makes that person an attendee with role `chair`.
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub chair_person_id: Patch<i64>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000)]
    pub topic: Patch<String>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub period_label: Patch<String>,
    #[schema(value_type = Option<String>, min_length = 1, max_length = 10000)]
    pub summary: Patch<String>,
    /// Default `held`.
    #[schema(value_type = MeetingStatus)]
    pub status: Patch<MeetingStatus>,
}

/// Reads a body; a create's organization lists are checked for a body on both sides.
pub fn read(body: JsonObject, mode: Mode) -> ApiResult<MeetingBody> {
    const READ_ONLY: &[&str] = &[
        "id",
        "article_ids",
        "created_at",
        "updated_at",
        "version",
        "attendees",
        "articles",
        "organizations",
        "directives",
        "targets",
    ];
    let input: MeetingBody = crate::http::body::read(body.0, mode, READ_ONLY).finish()?;
    if mode == Mode::Create {
        check_sides(
            input
                .host_organization_ids
                .as_set()
                .map(Vec::as_slice)
                .unwrap_or_default(),
            input
                .counterpart_organization_ids
                .as_set()
                .map(Vec::as_slice)
                .unwrap_or_default(),
        )?;
    }
    Ok(input)
}

/// 422 when an organization is both host and counterpart.
fn check_sides(hosts: &[i64], counterparts: &[i64]) -> ApiResult<()> {
    let errors: Vec<FieldError> = counterparts
        .iter()
        .enumerate()
        .filter(|(_, id)| hosts.contains(id))
        .map(|(i, id)| {
            FieldError::new(
                format!("counterpart_organization_ids[{i}]"),
                format!("organization {id} is also a host"),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn replace_sides(
    conn: &mut DbConnection,
    id: i64,
    hosts: &[i64],
    counterparts: &[i64],
) -> ApiResult<()> {
    diesel::delete(meeting_organizations::table.filter(meeting_organizations::meeting_id.eq(id)))
        .execute(conn)?;
    let sides = hosts
        .iter()
        .map(|o| (o, OrgRole::Host))
        .chain(counterparts.iter().map(|o| (o, OrgRole::Counterpart)));
    for (position, (org, role)) in sides.enumerate() {
        diesel::insert_into(meeting_organizations::table)
            .values(model::NewMeetingOrganization {
                meeting_id: id,
                organization_id: *org,
                role: role.as_str().to_owned(),
                position: position as i32,
            })
            .execute(conn)?;
    }
    Ok(())
}

fn references(input: &MeetingBody) -> Refs {
    let mut refs = Refs::new();
    refs.many(
        "host_organization_ids",
        Kind::Organization,
        input.host_organization_ids.as_set().map(Vec::as_slice),
    )
    .many(
        "counterpart_organization_ids",
        Kind::Organization,
        input
            .counterpart_organization_ids
            .as_set()
            .map(Vec::as_slice),
    )
    .one(
        "chair_person_id",
        Kind::Person,
        input.chair_person_id.as_set().copied(),
    );
    refs
}

/// Creates a meeting, and its chair as an attendee; call inside a transaction.
pub fn create(conn: &mut DbConnection, input: MeetingBody) -> ApiResult<MeetingRow> {
    create_with(conn, input, |_, _| Ok(()))
}

/// Creates a meeting, then runs `attendees` with its id before the chair is made an attendee: a
/// chair added there keeps the title and organization given with them. Call inside a transaction.
pub fn create_with(
    conn: &mut DbConnection,
    input: MeetingBody,
    attendees: impl FnOnce(&mut DbConnection, i64) -> ApiResult<()>,
) -> ApiResult<MeetingRow> {
    let hosts = input
        .host_organization_ids
        .clone()
        .into_option()
        .unwrap_or_default();
    let counterparts = input
        .counterpart_organization_ids
        .clone()
        .into_option()
        .unwrap_or_default();
    references(&input).check(conn)?;
    let now = crate::time::now();
    let chair = input.chair_person_id.into_option();
    let row: MeetingRow = versioned::insert(
        conn,
        model::MeetingRow {
            id: 0,
            title: input.title.into_option().unwrap_or_default(),
            kind: input.kind.into_option().unwrap_or(MeetingKind::Other),
            date: input.date.into_option().unwrap_or_default(),
            part_of_day: input
                .part_of_day
                .into_option()
                .map(|p| p.as_str().to_owned()),
            starts_at: input.starts_at.into_option(),
            location: input.location.into_option(),
            chair_person_id: chair,
            topic: input.topic.into_option(),
            period_label: input.period_label.into_option(),
            summary: input.summary.into_option(),
            status: input.status.into_option().unwrap_or(MeetingStatus::Held),
            created_at: now,
            updated_at: now,
            version: 1,
        },
    )?;
    replace_sides(conn, row.id, &hosts, &counterparts)?;
    let row = versioned::created(conn, row)?;
    attendees(conn, row.id)?;
    sync_chair(conn, row.id, chair, now)?;
    versioned::load(conn, row.id)
}

/// Applies a merge patch; the organization lists are replaced whole, and a new chair moves the
/// `chair` role among the attendees. Call inside a transaction.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    input: MeetingBody,
) -> ApiResult<MeetingRow> {
    let chair_changed = !input.chair_person_id.is_absent();
    let now = crate::time::now();
    let after = versioned::update(conn, id, if_match, now, |conn, _, next: &mut MeetingRow| {
        references(&input).check(conn)?;
        if !input.host_organization_ids.is_absent()
            || !input.counterpart_organization_ids.is_absent()
        {
            let (cur_hosts, cur_counterparts) = model::organizations_of(conn, &[id])?
                .remove(&id)
                .unwrap_or_default();
            let hosts = input
                .host_organization_ids
                .clone()
                .into_option()
                .unwrap_or(cur_hosts);
            let counterparts = input
                .counterpart_organization_ids
                .clone()
                .into_option()
                .unwrap_or(cur_counterparts);
            check_sides(&hosts, &counterparts)?;
            replace_sides(conn, id, &hosts, &counterparts)?;
        }
        input.title.set(&mut next.title);
        input.kind.set(&mut next.kind);
        input.date.set(&mut next.date);
        let part_of_day = input.part_of_day.map(|p| p.as_str().to_owned());
        part_of_day.patch(&mut next.part_of_day);
        input.starts_at.patch(&mut next.starts_at);
        input.location.patch(&mut next.location);
        input.chair_person_id.patch(&mut next.chair_person_id);
        input.topic.patch(&mut next.topic);
        input.period_label.patch(&mut next.period_label);
        input.summary.patch(&mut next.summary);
        input.status.set(&mut next.status);
        Ok(())
    })?;
    if chair_changed {
        sync_chair(conn, id, after.chair_person_id, now)?;
    }
    versioned::load(conn, id)
}

/// Deletes a meeting with its attendees (a tombstone each), refused while directives, targets or
/// articles point to it; call inside a transaction.
pub fn delete(conn: &mut DbConnection, id: i64, if_match: Option<IfMatch>) -> ApiResult<()> {
    versioned::delete(conn, id, if_match, |conn, _: &MeetingRow| {
        refs::check_unused(conn, Kind::Meeting, id)?;
        let gone: Vec<(i64, i64)> = attendees::table
            .filter(attendees::meeting_id.eq(id))
            .select((attendees::id, attendees::version))
            .load(conn)?;
        diesel::delete(attendees::table.filter(attendees::meeting_id.eq(id))).execute(conn)?;
        changes::record_gone(conn, Resource::Attendees, gone)?;
        Ok(())
    })?;
    Ok(())
}
