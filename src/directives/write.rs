//! Creating, changing and deleting directives, and posting progress updates: validation first,
//! then one transaction that writes the record, its assignees, its history and the change-feed
//! rows together.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{Map, Value};

use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{self, DirectiveRow, DirectiveStatus, DirectiveUpdateRow};
use crate::db::schema::{directive_assignees, directive_updates, organizations, people, users};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::write::{IfMatch, Mode, Patch};
use crate::resource::Resource;
use crate::sync::changes::{self, Action};
use crate::versioned;

crate::versioned!(
    DirectiveRow,
    directives,
    Directives,
    "directive",
    find = model::find_row,
    search = model::search_docs
);
use crate::time::date_in_vietnam;

/// Who writes, and when.
#[derive(Debug, Clone, Copy)]
pub struct Writer {
    /// Now, from the App's clock.
    pub now: NaiveDateTime,
    /// Admins may change a cancelled directive; nobody else may.
    pub admin: bool,
}

/// The writable fields of a directive (for create; for a patch every field is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DirectiveBody {
    /// Required on `POST /directives`; taken from the path (and read-only) on
    /// `POST /meetings/{id}/directives`. The meeting must exist.
    #[schema(value_type = i64, required = true, minimum = 1)]
    pub meeting_id: Patch<i64>,
    /// 1 to 10000.
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 10000)]
    pub ordinal: Patch<i32>,
    /// Required on create; at most 10,000 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 10000)]
    pub text: Patch<String>,
    /// A person who exists.
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub issued_by_person_id: Patch<i64>,
    /// An organization that exists.
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub lead_organization_id: Patch<i64>,
    /// Organizations that exist, distinct, at most 100, none of them the lead.
    #[schema(value_type = Option<std::collections::BTreeSet<i64>>, max_items = 100)]
    pub assignee_organization_ids: Patch<Vec<i64>>,
    /// At most 500 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500)]
    pub source_document: Patch<String>,
    #[schema(value_type = Option<NaiveDate>)]
    pub due_date: Patch<NaiveDate>,
    /// Default `open`. Setting `done` stamps `completed_at` with the current time unless it is
    /// given; leaving `done` clears `completed_at`. A `cancelled` directive is final: only an admin
    /// may change it (403 for others).
    #[schema(value_type = DirectiveStatus)]
    pub status: Patch<DirectiveStatus>,
    /// Only with status `done` (422 otherwise); not in the future.
    #[schema(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub completed_at: Patch<NaiveDateTime>,
}

/// Reads a create or patch body, reporting every field problem at once. `meeting_id` comes from
/// the path for `/meetings/{id}/directives`, and is then read-only in the body.
pub fn read(
    obj: Map<String, Value>,
    mode: Mode,
    meeting_from_path: Option<i64>,
    now: NaiveDateTime,
) -> ApiResult<DirectiveBody> {
    let read_only: &[&str] = match meeting_from_path {
        Some(_) => &[
            "id",
            "meeting_id",
            "progress",
            "created_at",
            "updated_at",
            "version",
        ],
        None => &["id", "progress", "created_at", "updated_at", "version"],
    };
    let mut body = crate::http::body::read::<DirectiveBody>(obj, mode, read_only);
    if let Some(id) = meeting_from_path {
        body.value.meeting_id = Patch::Set(id);
    }
    if matches!(body.value.completed_at, Patch::Set(t) if t > now) {
        body.error("completed_at", "must not be in the future");
    }
    body.finish()
}

/// 422 naming each referenced record that does not exist, and an assignee that is also the lead.
fn check_references(
    conn: &mut DbConnection,
    input: &DirectiveBody,
    current: Option<&DirectiveRow>,
) -> ApiResult<()> {
    let mut errors = Vec::new();
    if let Patch::Set(id) = input.meeting_id {
        if !model::meeting_exists(conn, id)? {
            errors.push(FieldError::new("meeting_id", format!("no meeting {id}")));
        }
    }
    if let Patch::Set(id) = input.issued_by_person_id {
        let n: i64 = people::table
            .filter(people::id.eq(id))
            .count()
            .get_result(conn)?;
        if n == 0 {
            errors.push(FieldError::new(
                "issued_by_person_id",
                format!("no person {id}"),
            ));
        }
    }
    let mut wanted: Vec<(String, i64)> = Vec::new();
    if let Patch::Set(id) = input.lead_organization_id {
        wanted.push(("lead_organization_id".into(), id));
    }
    if let Patch::Set(ids) = &input.assignee_organization_ids {
        wanted.extend(
            ids.iter()
                .enumerate()
                .map(|(i, id)| (format!("assignee_organization_ids[{i}]"), *id)),
        );
    }
    if !wanted.is_empty() {
        let ids: Vec<i64> = wanted.iter().map(|(_, id)| *id).collect();
        let found: Vec<i64> = organizations::table
            .filter(organizations::id.eq_any(&ids))
            .select(organizations::id)
            .load(conn)?;
        for (field, id) in &wanted {
            if !found.contains(id) {
                errors.push(FieldError::new(field, format!("no organization {id}")));
            }
        }
    }
    // The lead and the co-ordinating bodies, after the change, must be distinct.
    let lead = input
        .lead_organization_id
        .clone()
        .apply(current.and_then(|c| c.lead_organization_id));
    if let Some(lead) = lead {
        let assignees = match (&input.assignee_organization_ids, current) {
            (Patch::Set(ids), _) => ids.clone(),
            (Patch::Absent, Some(c)) => model::assignees_of(conn, &[c.id])?
                .remove(&c.id)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        if let Some(i) = assignees.iter().position(|a| *a == lead) {
            let field = if input.assignee_organization_ids.is_absent() {
                "lead_organization_id".to_owned()
            } else {
                format!("assignee_organization_ids[{i}]")
            };
            errors.push(FieldError::new(
                field,
                format!("organization {lead} is both the lead and a co-ordinating body"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// The status and the closing dates a write leaves a directive with.
#[derive(Debug, Clone, PartialEq)]
struct Closing {
    status: DirectiveStatus,
    completed_at: Option<NaiveDateTime>,
    completed_on: Option<NaiveDate>,
    cancelled_on: Option<NaiveDate>,
}

impl Closing {
    /// Gives `row` this status and its dates.
    fn apply(self, row: &mut DirectiveRow) {
        row.status = self.status;
        row.completed_at = self.completed_at;
        row.completed_on = self.completed_on;
        row.cancelled_on = self.cancelled_on;
    }
}

/// The status rules applied to a change of `current` by `writer`, who may not change a cancelled
/// directive unless they are an admin.
fn resettle(
    current: &DirectiveRow,
    writer: Writer,
    status: &Patch<DirectiveStatus>,
    completed_at: &Patch<NaiveDateTime>,
) -> ApiResult<Closing> {
    check_not_final(current, writer)?;
    settle(Some(current), status, completed_at, writer.now)
}

/// The status rules: `done` needs `completed_at` (now unless given), leaving `done` clears it, and
/// a cancellation is dated.
fn settle(
    current: Option<&DirectiveRow>,
    status: &Patch<DirectiveStatus>,
    completed_at: &Patch<NaiveDateTime>,
    now: NaiveDateTime,
) -> ApiResult<Closing> {
    let current_status = current.map(|c| c.status);
    let status = match status {
        Patch::Set(s) => *s,
        _ => current_status.unwrap_or(DirectiveStatus::Open),
    };
    let was = |s: DirectiveStatus| current_status == Some(s);
    let completed_at = if status == DirectiveStatus::Done {
        match completed_at {
            Patch::Set(t) => Some(*t),
            Patch::Absent if was(DirectiveStatus::Done) => current.and_then(|c| c.completed_at).or(Some(now)),
            Patch::Absent => Some(now),
            Patch::Null => {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "completed_at",
                    "must not be null while the directive is done; leave it out to stamp the current time",
                )]))
            }
        }
    } else {
        if let Patch::Set(_) = completed_at {
            return Err(ApiError::Validation(vec![FieldError::new(
                "completed_at",
                "is kept only for a done directive; set status to done as well",
            )]));
        }
        None
    };
    let cancelled_on = if status == DirectiveStatus::Cancelled {
        match current.and_then(|c| c.cancelled_on) {
            Some(d) if was(DirectiveStatus::Cancelled) => Some(d),
            _ => Some(date_in_vietnam(now)),
        }
    } else {
        None
    };
    Ok(Closing {
        status,
        completed_at,
        completed_on: completed_at.map(date_in_vietnam),
        cancelled_on,
    })
}

/// A cancelled directive is final, except for an admin.
fn check_not_final(current: &DirectiveRow, writer: Writer) -> ApiResult<()> {
    if current.status == DirectiveStatus::Cancelled && !writer.admin {
        return Err(ApiError::Forbidden(format!(
            "directive {} is cancelled, which is final; only an admin may change it",
            current.id
        )));
    }
    Ok(())
}

fn replace_assignees(conn: &mut DbConnection, id: i64, ids: &[i64]) -> ApiResult<()> {
    diesel::delete(directive_assignees::table.filter(directive_assignees::directive_id.eq(id)))
        .execute(conn)?;
    for (position, organization_id) in ids.iter().enumerate() {
        diesel::insert_into(directive_assignees::table)
            .values(model::NewDirectiveAssignee {
                directive_id: id,
                organization_id: *organization_id,
                position: position as i32,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Creates a directive; call inside a transaction. Returns its id.
pub fn create(conn: &mut DbConnection, input: DirectiveBody, writer: Writer) -> ApiResult<i64> {
    check_references(conn, &input, None)?;
    let closing = settle(None, &input.status, &input.completed_at, writer.now)?;
    let row: DirectiveRow = versioned::insert(
        conn,
        DirectiveRow {
            id: 0,
            meeting_id: input.meeting_id.clone().into_option().unwrap_or_default(),
            ordinal: input.ordinal.clone().into_option(),
            text: input.text.clone().into_option().unwrap_or_default(),
            issued_by_person_id: input.issued_by_person_id.clone().into_option(),
            lead_organization_id: input.lead_organization_id.clone().into_option(),
            source_document: input.source_document.clone().into_option(),
            due_date: input.due_date.clone().into_option(),
            status: closing.status,
            completed_at: closing.completed_at,
            completed_on: closing.completed_on,
            cancelled_on: closing.cancelled_on,
            created_at: writer.now,
            updated_at: writer.now,
            version: 1,
        },
    )?;
    if let Patch::Set(ids) = &input.assignee_organization_ids {
        replace_assignees(conn, row.id, ids)?;
    }
    Ok(versioned::created(conn, row)?.id)
}

/// Applies a merge patch; call inside a transaction.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    input: DirectiveBody,
    writer: Writer,
) -> ApiResult<()> {
    versioned::update(
        conn,
        id,
        if_match,
        writer.now,
        |conn, current, next: &mut DirectiveRow| {
            let closing = resettle(current, writer, &input.status, &input.completed_at)?;
            check_references(conn, &input, Some(current))?;
            closing.apply(next);
            input.meeting_id.set(&mut next.meeting_id);
            input.ordinal.patch(&mut next.ordinal);
            input.text.set(&mut next.text);
            input
                .issued_by_person_id
                .patch(&mut next.issued_by_person_id);
            input
                .lead_organization_id
                .patch(&mut next.lead_organization_id);
            input.source_document.patch(&mut next.source_document);
            input.due_date.patch(&mut next.due_date);
            match input.assignee_organization_ids {
                Patch::Set(ids) => replace_assignees(conn, id, &ids),
                Patch::Null => replace_assignees(conn, id, &[]),
                Patch::Absent => Ok(()),
            }
        },
    )?;
    Ok(())
}

/// Deletes a directive with its history, leaving tombstones in the change feed; call inside a
/// transaction.
pub fn delete(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    writer: Writer,
) -> ApiResult<()> {
    versioned::delete(conn, id, if_match, |conn, current: &DirectiveRow| {
        check_not_final(current, writer)?;
        // The history goes with the directive (ON DELETE CASCADE): a tombstone for each note.
        let updates: Vec<(i64, i64)> = directive_updates::table
            .filter(directive_updates::directive_id.eq(id))
            .select((directive_updates::id, directive_updates::version))
            .load(conn)?;
        changes::record_gone(conn, Resource::DirectiveUpdates, updates)?;
        Ok(())
    })?;
    Ok(())
}

/// A progress note to add.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DirectiveUpdateBody {
    /// Required; at most 10,000 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 10000)]
    pub note: Patch<String>,
    /// A new status for the directive, applied in the same transaction under the directive's
    /// status rules (a cancelled directive: admins only).
    #[schema(value_type = Option<DirectiveStatus>)]
    pub status: Patch<DirectiveStatus>,
}

/// Reads the body of `POST /directives/{id}/updates`.
pub fn read_update(obj: Map<String, Value>) -> ApiResult<DirectiveUpdateBody> {
    const READ_ONLY: &[&str] = &[
        "id",
        "directive_id",
        "author_user_id",
        "author_name",
        "created_at",
        "updated_at",
        "version",
    ];
    crate::http::body::read(obj, Mode::Create, READ_ONLY).finish()
}

/// Appends a progress note by `author_user_id`; a note with a new status changes the directive
/// in the same transaction (call inside one).
pub fn add_update(
    conn: &mut DbConnection,
    directive_id: i64,
    input: DirectiveUpdateBody,
    author_user_id: i64,
    writer: Writer,
) -> ApiResult<DirectiveUpdateRow> {
    let current: DirectiveRow = versioned::load(conn, directive_id)?;
    let status = input.status.into_option();
    if let Some(status) = status.filter(|s| *s != current.status) {
        let (set, absent) = (Patch::Set(status), Patch::Absent);
        versioned::update(conn, directive_id, None, writer.now, |_, current, next| {
            resettle(current, writer, &set, &absent)?.apply(next);
            Ok(())
        })?;
    }
    let (username, display_name): (String, Option<String>) = users::table
        .find(author_user_id)
        .select((users::username, users::display_name))
        .first(conn)?;
    let row: DirectiveUpdateRow = diesel::insert_into(directive_updates::table)
        .values(DirectiveUpdateRow {
            id: 0,
            directive_id,
            note: input.note.into_option().unwrap_or_default(),
            status: status.map(|s| s.as_str().to_owned()),
            author_user_id: Some(author_user_id),
            author_name_is_login: display_name.is_none(),
            author_name: display_name.unwrap_or(username),
            created_at: writer.now,
            updated_at: writer.now,
            version: 1,
        })
        .returning(directive_updates::all_columns)
        .get_result(conn)?;
    changes::record(
        conn,
        Resource::DirectiveUpdates,
        row.id,
        Action::Created,
        1,
        true,
    )?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn row(status: DirectiveStatus, completed_at: Option<NaiveDateTime>) -> DirectiveRow {
        DirectiveRow {
            id: 1,
            meeting_id: 1,
            ordinal: None,
            text: "x".into(),
            issued_by_person_id: None,
            lead_organization_id: None,
            source_document: None,
            due_date: None,
            status,
            completed_at,
            created_at: at("2021-11-01 00:00:00"),
            updated_at: at("2021-11-01 00:00:00"),
            version: 1,
            completed_on: completed_at.map(date_in_vietnam),
            cancelled_on: None,
        }
    }

    #[test]
    fn done_is_stamped_now_and_dated_in_vietnam() {
        let now = at("2021-12-31 17:30:00");
        let c = settle(
            None,
            &Patch::Set(DirectiveStatus::Done),
            &Patch::Absent,
            now,
        )
        .unwrap();
        assert_eq!(c.completed_at, Some(now));
        assert_eq!(c.completed_on, NaiveDate::from_ymd_opt(2022, 1, 1));
    }

    #[test]
    fn leaving_done_clears_completed_at() {
        let current = row(DirectiveStatus::Done, Some(at("2021-11-02 03:00:00")));
        let c = settle(
            Some(&current),
            &Patch::Set(DirectiveStatus::Open),
            &Patch::Absent,
            at("2021-11-03 00:00:00"),
        )
        .unwrap();
        assert_eq!((c.completed_at, c.completed_on), (None, None));
    }

    #[test]
    fn completed_at_needs_done() {
        let current = row(DirectiveStatus::Open, None);
        let now = at("2021-11-03 00:00:00");
        assert!(settle(Some(&current), &Patch::Absent, &Patch::Set(now), now).is_err());
        let done = row(DirectiveStatus::Done, Some(now));
        assert!(settle(Some(&done), &Patch::Absent, &Patch::Null, now).is_err());
        let kept = settle(Some(&done), &Patch::Absent, &Patch::Absent, now).unwrap();
        assert_eq!(kept.completed_at, Some(now));
    }
}
