//! Targets ("chỉ tiêu") in the database: rows, inserts, the computed percent of plan and status as
//! SQL, and the list and summary queries.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{case_when, count, count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Integer, Nullable, Text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::targets;
use crate::db::{DbConnection, MultiBackend};
use crate::http::page::PageRequest;

/// Which way an indicator improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More is better (revenue, new party members).
    HigherIsBetter,
    /// Less is better (the poverty rate).
    LowerIsBetter,
}

crate::text_enum!(Direction { HigherIsBetter => "higher_is_better", LowerIsBetter => "lower_is_better" });

/// Whether a target was reached ("đạt", "vượt", "không đạt").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// Better than the plan ("vượt").
    Exceeded,
    /// Exactly the plan ("đạt").
    Met,
    /// Short of the plan ("không đạt").
    NotMet,
    /// Not enough figures to tell.
    Unknown,
}

crate::text_enum!(TargetStatus { Exceeded => "exceeded", Met => "met", NotMet => "not_met", Unknown => "unknown" });

impl TargetStatus {
    pub const ALL: [TargetStatus; 4] = [Self::Exceeded, Self::Met, Self::NotMet, Self::Unknown];
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = targets, treat_none_as_null = true)]
pub struct TargetRow {
    /// Given by the database: a row built to be inserted leaves it 0.
    #[diesel(skip_insertion)]
    pub id: i64,
    pub organization_id: i64,
    pub meeting_id: Option<i64>,
    pub indicator: String,
    pub unit: String,
    pub period_label: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub plan_value: Option<f64>,
    pub actual_value: Option<f64>,
    pub as_of: Option<NaiveDate>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub direction: Direction,
    pub reported_percent: Option<f64>,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    pub indicator_folded: String,
}

// The rule, written once as SQL over the stored columns (plain SQL both backends read alike).
// Actual and plan are compared when both are known (the plan is then positive: the write path
// refuses a plan of zero or less beside an actual); otherwise a reported percent decides, for
// indicators where higher is better; otherwise the status is unknown.
macro_rules! comparable {
    () => {
        "(targets.actual_value IS NOT NULL AND targets.plan_value > 0)"
    };
}
macro_rules! not_comparable {
    () => {
        "(targets.actual_value IS NULL OR targets.plan_value IS NULL OR targets.plan_value <= 0)"
    };
}
macro_rules! higher {
    () => {
        "targets.direction = 'higher_is_better'"
    };
}
macro_rules! lower {
    () => {
        "targets.direction = 'lower_is_better'"
    };
}
// Beyond the plan (`exceeded`, `>`, `<`) or short of it (`not_met`, `<`, `>`): the comparison
// for higher-is-better, the one for lower-is-better, and the reported percent against 100.
macro_rules! off_plan {
    ($higher:literal, $lower:literal) => {
        concat!(
            "((",
            comparable!(),
            " AND ((",
            higher!(),
            " AND targets.actual_value ",
            $higher,
            " targets.plan_value) OR (",
            lower!(),
            " AND targets.actual_value ",
            $lower,
            " targets.plan_value))) OR (",
            not_comparable!(),
            " AND ",
            higher!(),
            " AND targets.reported_percent ",
            $higher,
            " 100))"
        )
    };
}
macro_rules! exceeded {
    () => {
        off_plan!(">", "<")
    };
}
macro_rules! met {
    () => {
        concat!(
            "((",
            comparable!(),
            " AND targets.actual_value = targets.plan_value) OR (",
            not_comparable!(),
            " AND ",
            higher!(),
            " AND targets.reported_percent = 100))"
        )
    };
}
macro_rules! not_met {
    () => {
        off_plan!("<", ">")
    };
}
macro_rules! unknown {
    () => {
        concat!(
            "(",
            not_comparable!(),
            " AND (targets.reported_percent IS NULL OR ",
            lower!(),
            "))"
        )
    };
}

/// The `status` of a target as SQL: one condition per status; they never overlap and cover every
/// row.
pub fn status_condition(status: TargetStatus) -> &'static str {
    match status {
        TargetStatus::Exceeded => exceeded!(),
        TargetStatus::Met => met!(),
        TargetStatus::NotMet => not_met!(),
        TargetStatus::Unknown => unknown!(),
    }
}

const STATUS: &str = concat!(
    "CASE WHEN ",
    exceeded!(),
    " THEN 'exceeded' WHEN ",
    met!(),
    " THEN 'met' WHEN ",
    not_met!(),
    " THEN 'not_met' ELSE 'unknown' END"
);

/// `percent_of_plan` before rounding: the reported percent when given, else actual ÷ plan × 100.
const PERCENT: &str = concat!(
    "(CASE WHEN targets.reported_percent IS NOT NULL THEN targets.reported_percent WHEN ",
    comparable!(),
    " THEN targets.actual_value * 100.0 / targets.plan_value END)"
);

fn status() -> diesel::expression::SqlLiteral<Text> {
    sql::<Text>(STATUS)
}

fn percent() -> diesel::expression::SqlLiteral<Nullable<Double>> {
    sql::<Nullable<Double>>(PERCENT)
}

/// A target row with its computed status and unrounded percent of plan.
pub type ComputedRow = (TargetRow, String, Option<f64>);

/// The orders a list of targets can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, Default)]
pub enum TargetSort {
    /// Latest period first (by `period_end`; targets without one last). The default.
    #[default]
    #[serde(rename = "-period")]
    PeriodDesc,
    /// Earliest period first (by `period_end`; targets without one last).
    #[serde(rename = "period")]
    PeriodAsc,
    /// Highest percent of plan first; targets without one last.
    #[serde(rename = "-percent")]
    PercentDesc,
    /// Lowest percent of plan first; targets without one last.
    #[serde(rename = "percent")]
    PercentAsc,
}

impl TargetSort {
    pub fn key(self) -> &'static str {
        match self {
            Self::PeriodDesc => "-period",
            Self::PeriodAsc => "period",
            Self::PercentDesc => "-percent",
            Self::PercentAsc => "percent",
        }
    }
}

impl crate::http::page::ListOrder<ComputedRow> for TargetSort {
    /// The cursor position of a row under this order.
    fn position(self, row: &ComputedRow) -> (serde_json::Value, i64) {
        let value = match self {
            Self::PeriodDesc | Self::PeriodAsc => serde_json::json!(row.0.period_end),
            Self::PercentDesc | Self::PercentAsc => serde_json::json!(row.2),
        };
        (value, row.0.id)
    }
}

/// The filters of `GET /targets` and of the summary, already validated.
#[derive(Debug, Clone, Default)]
pub struct TargetFilter {
    pub organization_id: Option<i64>,
    pub meeting_id: Option<i64>,
    pub period_label: Option<String>,
    /// Folded words or phrases that must all occur in the folded indicator.
    pub terms: Vec<String>,
    pub status: Option<TargetStatus>,
    pub updated_since: Option<NaiveDateTime>,
}

/// A boxed query on targets, whatever it selects and however it is grouped.
type Query<'a, ST, GB> = diesel::internal::table_macro::BoxedSelectStatement<
    'a,
    ST,
    diesel::internal::table_macro::FromClause<targets::table>,
    MultiBackend,
    GB,
>;

impl TargetFilter {
    fn apply<'a, ST, GB>(&self, mut q: Query<'a, ST, GB>) -> Query<'a, ST, GB> {
        if let Some(id) = self.organization_id {
            q = q.filter(targets::organization_id.eq(id));
        }
        if let Some(id) = self.meeting_id {
            q = q.filter(targets::meeting_id.eq(id));
        }
        if let Some(label) = &self.period_label {
            q = q.filter(targets::period_label.eq(label.clone()));
        }
        for term in &self.terms {
            q = q.filter(targets::indicator_folded.like(format!("%{term}%")));
        }
        if let Some(status) = self.status {
            q = q.filter(sql::<Bool>(status_condition(status)));
        }
        if let Some(since) = self.updated_since {
            q = q.filter(targets::updated_at.ge(since));
        }
        q
    }
}

/// One page of rows (plus one) with their status and percent, and the total when asked.
pub fn list(
    conn: &mut DbConnection,
    filter: &TargetFilter,
    sort: TargetSort,
    page: &PageRequest,
) -> QueryResult<(Vec<ComputedRow>, Option<i64>)> {
    let total = if page.count {
        Some(
            filter
                .apply(targets::table.into_boxed())
                .count()
                .get_result(conn)?,
        )
    } else {
        None
    };
    let mut q = filter.apply(targets::table.into_boxed());
    let after = page.after.as_ref();
    q = match sort {
        TargetSort::PeriodDesc | TargetSort::PeriodAsc => {
            let desc = sort == TargetSort::PeriodDesc;
            if let Some(c) = after {
                let end = c.date();
                q = if desc {
                    q.filter(crate::keyset_nullable!(
                        targets::period_end,
                        targets::id,
                        end,
                        c.id,
                        lt
                    ))
                } else {
                    q.filter(crate::keyset_nullable!(
                        targets::period_end,
                        targets::id,
                        end,
                        c.id,
                        gt
                    ))
                };
            }
            if desc {
                q.order((
                    targets::period_end.is_null().asc(),
                    targets::period_end.desc(),
                    targets::id.desc(),
                ))
            } else {
                q.order((
                    targets::period_end.is_null().asc(),
                    targets::period_end.asc(),
                    targets::id.asc(),
                ))
            }
        }
        TargetSort::PercentDesc | TargetSort::PercentAsc => {
            let desc = sort == TargetSort::PercentDesc;
            if let Some(c) = after {
                let p = c.value.as_f64();
                q = if desc {
                    q.filter(crate::keyset_nullable!(percent(), targets::id, p, c.id, lt))
                } else {
                    q.filter(crate::keyset_nullable!(percent(), targets::id, p, c.id, gt))
                };
            }
            if desc {
                q.order((
                    percent().is_null().asc(),
                    percent().desc(),
                    targets::id.desc(),
                ))
            } else {
                q.order((
                    percent().is_null().asc(),
                    percent().asc(),
                    targets::id.asc(),
                ))
            }
        }
    };
    let rows = q
        .select((TargetRow::as_select(), status(), percent()))
        .limit(page.fetch())
        .load(conn)?;
    Ok((rows, total))
}

/// A target with its status and percent.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ComputedRow>> {
    targets::table
        .find(id)
        .select((TargetRow::as_select(), status(), percent()))
        .first(conn)
        .optional()
}

/// The stored row alone (for writes).
pub fn find_row(conn: &mut DbConnection, id: i64) -> QueryResult<Option<TargetRow>> {
    targets::table
        .find(id)
        .select(TargetRow::as_select())
        .first(conn)
        .optional()
}

/// The targets reported at each meeting, in the order they were recorded: one query.
pub fn by_meetings(conn: &mut DbConnection, meeting_ids: &[i64]) -> QueryResult<Vec<ComputedRow>> {
    if meeting_ids.is_empty() {
        return Ok(Vec::new());
    }
    targets::table
        .filter(targets::meeting_id.eq_any(meeting_ids))
        .order((targets::meeting_id.asc(), targets::id.asc()))
        .select((TargetRow::as_select(), status(), percent()))
        .load(conn)
}

/// Counts per status of one organization's targets for one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCounts {
    pub organization_id: i64,
    pub period_label: String,
    pub counts: HashMap<TargetStatus, i64>,
    pub total: i64,
}

/// One page of (organization, period) groups, ordered by organization then period label, with
/// counts per status: one statement.
pub fn summary(
    conn: &mut DbConnection,
    filter: &TargetFilter,
    page: &PageRequest,
) -> QueryResult<Vec<StatusCounts>> {
    let one = || sql::<Integer>("1");
    let bucket = |s: TargetStatus| count(case_when(sql::<Bool>(status_condition(s)), one()));
    let mut q = filter.apply(
        targets::table
            .group_by((targets::organization_id, targets::period_label))
            .select((
                targets::organization_id,
                targets::period_label,
                count_star(),
                bucket(TargetStatus::Exceeded),
                bucket(TargetStatus::Met),
                bucket(TargetStatus::NotMet),
                bucket(TargetStatus::Unknown),
            ))
            .into_boxed(),
    );
    if let Some(c) = &page.after {
        let label = c.value.as_str().unwrap_or_default().to_owned();
        q = q.filter(crate::keyset!(
            targets::organization_id,
            targets::period_label,
            c.id,
            label,
            gt
        ));
    }
    type Row = (i64, String, i64, i64, i64, i64, i64);
    let rows: Vec<Row> = q
        .order((targets::organization_id.asc(), targets::period_label.asc()))
        .limit(page.fetch())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(organization_id, period_label, total, exceeded, met, not_met, unknown)| {
                StatusCounts {
                    organization_id,
                    period_label,
                    total,
                    counts: HashMap::from([
                        (TargetStatus::Exceeded, exceeded),
                        (TargetStatus::Met, met),
                        (TargetStatus::NotMet, not_met),
                        (TargetStatus::Unknown, unknown),
                    ]),
                }
            },
        )
        .collect())
}

/// Folds the indicators of rows whose folded copy is empty (rows written before the column
/// existed). Returns how many were filled.
pub fn fill_folded_indicators(conn: &mut DbConnection) -> QueryResult<usize> {
    let rows: Vec<(i64, String)> = targets::table
        .filter(targets::indicator_folded.eq(""))
        .select((targets::id, targets::indicator))
        .load(conn)?;
    let mut filled = 0;
    for (id, indicator) in rows {
        let folded = crate::text::fold(&indicator);
        if folded.is_empty() {
            continue;
        }
        filled += diesel::update(targets::table.find(id))
            .set(targets::indicator_folded.eq(folded))
            .execute(conn)?;
    }
    Ok(filled)
}
