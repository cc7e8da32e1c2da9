//! What other resources embed of targets: the wire types and the loaders that build them.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{self, ComputedRow, Direction, TargetStatus};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::time::utc;

/// A target ("chỉ tiêu") an organization reported on: the plan, what was achieved, and whether
/// that meets the plan.
///
/// `status` is computed from the stored figures. When `actual_value` and `plan_value` are both
/// known, they are compared in the target's `direction`: `exceeded` when the actual is strictly
/// better than the plan (above it when higher is better, below it when lower is better — a poverty
/// rate of 0.24 % against a plan of 1 % is exceeded), `met` when equal, `not_met` otherwise.
/// Without both, a `reported_percent` decides for indicators where higher is better (`exceeded`
/// above 100, `met` at 100, `not_met` below). Otherwise the status is `unknown`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 5,
    "organization_id": 14,
    "meeting_id": 3,
    "indicator": "Phát triển đảng viên mới",
    "unit": "đảng viên",
    "period_label": "năm 2021",
    "period_start": "2021-01-01",
    "period_end": "2021-12-31",
    "plan_value": 10.0,
    "actual_value": 12.0,
    "as_of": null,
    "direction": "higher_is_better",
    "reported_percent": 120.0,
    "note": "12/10 đảng viên, đạt 120%, vượt chỉ tiêu trên giao",
    "percent_of_plan": 120.0,
    "status": "exceeded",
    "created_at": "2026-11-23T08:00:00Z",
    "updated_at": "2026-11-23T08:00:00Z",
    "version": 1
}))]
pub struct Target {
    pub id: i64,
    /// The organization the target belongs to.
    pub organization_id: i64,
    /// The meeting where it was reported.
    pub meeting_id: Option<i64>,
    /// What is measured, as the report words it ("Thu ngân sách").
    pub indicator: String,
    /// The unit, as the report words it ("tỷ đồng", "%", "đảng viên").
    pub unit: String,
    /// The period, as the report words it ("năm 2021", "9 tháng đầu năm 2021").
    pub period_label: String,
    /// The first day of the period, when known.
    pub period_start: Option<NaiveDate>,
    /// The last day of the period, when known.
    pub period_end: Option<NaiveDate>,
    /// The planned figure ("kế hoạch").
    pub plan_value: Option<f64>,
    /// The figure achieved.
    pub actual_value: Option<f64>,
    /// The day the actual figure was measured, when the report says.
    pub as_of: Option<NaiveDate>,
    pub direction: Direction,
    /// The percent of plan the report itself states ("đạt 83% kế hoạch").
    pub reported_percent: Option<f64>,
    pub note: Option<String>,
    /// `reported_percent` when given, else `actual_value ÷ plan_value × 100`; rounded to 2
    /// decimals; `null` when neither can be known.
    pub percent_of_plan: Option<f64>,
    /// Whether the target was reached (see the rule above).
    pub status: TargetStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Grows by one on every write; send it in `If-Match` to update safely.
    pub version: i64,
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl From<ComputedRow> for Target {
    fn from((row, status, percent): ComputedRow) -> Self {
        Self {
            id: row.id,
            organization_id: row.organization_id,
            meeting_id: row.meeting_id,
            indicator: row.indicator,
            unit: row.unit,
            period_label: row.period_label,
            period_start: row.period_start,
            period_end: row.period_end,
            plan_value: row.plan_value,
            actual_value: row.actual_value,
            as_of: row.as_of,
            direction: row.direction,
            reported_percent: row.reported_percent,
            note: row.note,
            percent_of_plan: percent.map(round2),
            status: TargetStatus::parse(&status).unwrap_or(TargetStatus::Unknown),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        }
    }
}

/// The targets reported at each meeting, in the order they were recorded: one query whatever the
/// number of meetings.
pub fn load_for_meetings(
    conn: &mut DbConnection,
    meeting_ids: &[i64],
) -> ApiResult<HashMap<i64, Vec<Target>>> {
    let mut out: HashMap<i64, Vec<Target>> = HashMap::new();
    for row in model::by_meetings(conn, meeting_ids)? {
        if let Some(meeting_id) = row.0.meeting_id {
            out.entry(meeting_id).or_default().push(Target::from(row));
        }
    }
    Ok(out)
}

pub(crate) fn load_one(conn: &mut DbConnection, id: i64) -> ApiResult<Target> {
    model::find(conn, id)?
        .map(Target::from)
        .ok_or_else(|| ApiError::not_found(format!("no target {id}")))
}

crate::fielded!(Target);
