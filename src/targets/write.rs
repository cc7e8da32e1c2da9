//! Creating, changing and deleting targets: validation first (the figures are checked together,
//! after a patch is applied), then one transaction with the change-feed row.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{Map, Value};

use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{self, Direction, TargetRow};
use crate::db::schema::{meetings, organizations};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::write::{IfMatch, Mode, Patch};
use crate::versioned;

crate::versioned!(
    TargetRow,
    targets,
    Targets,
    "target",
    find = model::find_row
);

/// The writable fields of a target (for create; for a patch every field is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TargetBody {
    /// Required on create; an organization that exists.
    #[schema(value_type = i64, required = true, minimum = 1)]
    pub organization_id: Patch<i64>,
    /// A meeting that exists.
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub meeting_id: Patch<i64>,
    /// Required on create; at most 500 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500)]
    pub indicator: Patch<String>,
    /// Required on create; any text (not empty), at most 100 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100)]
    pub unit: Patch<String>,
    /// Required on create; at most 200 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200)]
    pub period_label: Patch<String>,
    #[schema(value_type = Option<NaiveDate>)]
    pub period_start: Patch<NaiveDate>,
    /// Not before `period_start`.
    #[schema(value_type = Option<NaiveDate>)]
    pub period_end: Patch<NaiveDate>,
    /// Greater than 0 whenever `actual_value` is given.
    #[schema(value_type = Option<f64>)]
    pub plan_value: Patch<f64>,
    #[schema(value_type = Option<f64>)]
    pub actual_value: Patch<f64>,
    #[schema(value_type = Option<NaiveDate>)]
    pub as_of: Patch<NaiveDate>,
    /// Default `higher_is_better`.
    #[schema(value_type = Direction)]
    pub direction: Patch<Direction>,
    /// Not negative.
    #[schema(value_type = Option<f64>, minimum = 0)]
    pub reported_percent: Patch<f64>,
    /// At most 5,000 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 5000)]
    pub note: Patch<String>,
}

/// The figures that must agree with each other, as they will be stored.
#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    plan: Option<f64>,
    actual: Option<f64>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
}

impl Figures {
    fn after(input: &TargetBody, current: Option<&TargetRow>) -> Self {
        Self {
            plan: input
                .plan_value
                .clone()
                .apply(current.and_then(|c| c.plan_value)),
            actual: input
                .actual_value
                .clone()
                .apply(current.and_then(|c| c.actual_value)),
            start: input
                .period_start
                .clone()
                .apply(current.and_then(|c| c.period_start)),
            end: input
                .period_end
                .clone()
                .apply(current.and_then(|c| c.period_end)),
        }
    }

    /// A plan of zero or less cannot be compared with an actual, and a period ends after it starts.
    fn problems(self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let (Some(plan), Some(_)) = (self.plan, self.actual) {
            if plan <= 0.0 {
                errors.push(FieldError::new(
                    "plan_value",
                    "must be greater than 0 when actual_value is given",
                ));
            }
        }
        if let (Some(start), Some(end)) = (self.start, self.end) {
            if end < start {
                errors.push(FieldError::new(
                    "period_end",
                    "must not be before period_start",
                ));
            }
        }
        errors
    }
}

/// Reads a create or patch body, reporting every field problem at once (on create, the figures
/// are checked together here too).
pub fn read(obj: Map<String, Value>, mode: Mode) -> ApiResult<TargetBody> {
    const READ_ONLY: &[&str] = &[
        "id",
        "percent_of_plan",
        "status",
        "created_at",
        "updated_at",
        "version",
    ];
    let mut body = crate::http::body::read::<TargetBody>(obj, mode, READ_ONLY);
    if mode == Mode::Create {
        for e in Figures::after(&body.value, None).problems() {
            body.error(e.field, e.message);
        }
    }
    body.finish()
}

/// 422 naming each referenced record that does not exist.
fn check_references(conn: &mut DbConnection, input: &TargetBody) -> ApiResult<()> {
    let mut errors = Vec::new();
    if let Patch::Set(id) = input.organization_id {
        let n: i64 = organizations::table
            .filter(organizations::id.eq(id))
            .count()
            .get_result(conn)?;
        if n == 0 {
            errors.push(FieldError::new(
                "organization_id",
                format!("no organization {id}"),
            ));
        }
    }
    if let Patch::Set(id) = input.meeting_id {
        let n: i64 = meetings::table
            .filter(meetings::id.eq(id))
            .count()
            .get_result(conn)?;
        if n == 0 {
            errors.push(FieldError::new("meeting_id", format!("no meeting {id}")));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Creates a target; call inside a transaction. Returns its id.
pub fn create(conn: &mut DbConnection, input: TargetBody, now: NaiveDateTime) -> ApiResult<i64> {
    check_references(conn, &input)?;
    let indicator = input.indicator.clone().into_option().unwrap_or_default();
    let row: TargetRow = versioned::insert(
        conn,
        TargetRow {
            id: 0,
            organization_id: input
                .organization_id
                .clone()
                .into_option()
                .unwrap_or_default(),
            meeting_id: input.meeting_id.clone().into_option(),
            indicator_folded: crate::text::fold(&indicator),
            indicator,
            unit: input.unit.clone().into_option().unwrap_or_default(),
            period_label: input.period_label.clone().into_option().unwrap_or_default(),
            period_start: input.period_start.clone().into_option(),
            period_end: input.period_end.clone().into_option(),
            plan_value: input.plan_value.clone().into_option(),
            actual_value: input.actual_value.clone().into_option(),
            as_of: input.as_of.clone().into_option(),
            direction: input
                .direction
                .clone()
                .into_option()
                .unwrap_or(Direction::HigherIsBetter),
            reported_percent: input.reported_percent.clone().into_option(),
            note: input.note.clone().into_option(),
            created_at: now,
            updated_at: now,
            version: 1,
        },
    )?;
    Ok(versioned::created(conn, row)?.id)
}

/// Applies a merge patch; call inside a transaction.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    if_match: Option<IfMatch>,
    input: TargetBody,
    now: NaiveDateTime,
) -> ApiResult<()> {
    versioned::update(
        conn,
        id,
        if_match,
        now,
        |conn, current, next: &mut TargetRow| {
            let problems = Figures::after(&input, Some(current)).problems();
            if !problems.is_empty() {
                return Err(ApiError::Validation(problems));
            }
            check_references(conn, &input)?;
            input.organization_id.set(&mut next.organization_id);
            input.meeting_id.patch(&mut next.meeting_id);
            input.indicator.set(&mut next.indicator);
            next.indicator_folded = crate::text::fold(&next.indicator);
            input.unit.set(&mut next.unit);
            input.period_label.set(&mut next.period_label);
            input.period_start.patch(&mut next.period_start);
            input.period_end.patch(&mut next.period_end);
            input.plan_value.patch(&mut next.plan_value);
            input.actual_value.patch(&mut next.actual_value);
            input.as_of.patch(&mut next.as_of);
            input.direction.set(&mut next.direction);
            input.reported_percent.patch(&mut next.reported_percent);
            input.note.patch(&mut next.note);
            Ok(())
        },
    )?;
    Ok(())
}

/// Deletes a target, leaving a tombstone in the change feed; call inside a transaction.
pub fn delete(conn: &mut DbConnection, id: i64, if_match: Option<IfMatch>) -> ApiResult<()> {
    versioned::delete(conn, id, if_match, |_, _: &TargetRow| Ok(()))?;
    Ok(())
}
