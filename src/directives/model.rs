//! Directives in the database: rows, inserts, the progress buckets as SQL, and the list and
//! summary queries.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate, NaiveDateTime};
use diesel::dsl::{case_when, count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{
    directive_assignees, directive_updates, directives, meetings, organizations,
};
use crate::db::{DbConnection, MultiBackend};
use crate::http::page::{CursorPos, PageRequest};
use crate::search::{self, Doc, Matcher, Resource};

/// Where a directive is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectiveStatus {
    /// Assigned, not started.
    Open,
    /// Work has started.
    InProgress,
    /// Completed, at `completed_at`.
    Done,
    /// Withdrawn; final (only an admin may change a cancelled directive).
    Cancelled,
}

crate::text_enum!(DirectiveStatus { Open => "open", InProgress => "in_progress", Done => "done", Cancelled => "cancelled" });

/// How a directive stands on a given day (today in Vietnam unless a report says otherwise): the
/// buckets Vietnamese task-tracking reports use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    /// Done, on or before its due date (or done with no due date).
    DoneOnTime,
    /// Done after its due date.
    DoneLate,
    /// Not done, and its due date has passed.
    Overdue,
    /// Not done, due today or within the next 7 days.
    DueSoon,
    /// Not done, due in more than 7 days.
    OnTrack,
    /// Not done, and no due date was set.
    NoDeadline,
    /// Cancelled.
    Cancelled,
}

crate::text_enum!(Progress {
    DoneOnTime => "done_on_time", DoneLate => "done_late", Overdue => "overdue", DueSoon => "due_soon",
    OnTrack => "on_track", NoDeadline => "no_deadline", Cancelled => "cancelled"
});

impl Progress {
    pub const ALL: [Progress; 7] = [
        Self::DoneOnTime,
        Self::DoneLate,
        Self::Overdue,
        Self::DueSoon,
        Self::OnTrack,
        Self::NoDeadline,
        Self::Cancelled,
    ];

    /// True for the buckets whose directives all have a due date.
    fn has_due_date(self) -> bool {
        matches!(
            self,
            Self::DoneLate | Self::Overdue | Self::DueSoon | Self::OnTrack
        )
    }
}

/// A directive due within this many days (today included) is `due_soon`.
pub const DUE_SOON_DAYS: u64 = 7;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = directives, treat_none_as_null = true)]
pub struct DirectiveRow {
    /// Given by the database: a row built to be inserted leaves it 0.
    #[diesel(skip_insertion)]
    pub id: i64,
    pub meeting_id: i64,
    pub ordinal: Option<i32>,
    pub text: String,
    pub issued_by_person_id: Option<i64>,
    pub lead_organization_id: Option<i64>,
    pub source_document: Option<String>,
    pub due_date: Option<NaiveDate>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: DirectiveStatus,
    pub completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    pub completed_on: Option<NaiveDate>,
    pub cancelled_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = directive_assignees)]
pub struct NewDirectiveAssignee {
    pub directive_id: i64,
    pub organization_id: i64,
    pub position: i32,
}

/// The day progress is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// Today in Vietnam: the stored status as it stands now.
    Today(NaiveDate),
    /// A past report date: a directive completed or cancelled after that day counts as still to be
    /// done on it.
    Day(NaiveDate),
}

impl AsOf {
    pub fn day(self) -> NaiveDate {
        match self {
            Self::Today(d) | Self::Day(d) => d,
        }
    }
}

/// A condition on a directive row, as SQL.
pub type Condition =
    Box<dyn BoxableExpression<directives::table, MultiBackend, SqlType = Nullable<Bool>>>;

// Status tests are SQL literals, not bound values, so that they match the partial index
// `directives_pending_due_date_idx` on both backends.
const PENDING: &str = "directives.status IN ('open', 'in_progress')";
const DONE: &str = "directives.status = 'done'";
const CANCELLED: &str = "directives.status = 'cancelled'";

fn literal(condition: &'static str) -> Condition {
    Box::new(sql::<Nullable<Bool>>(condition))
}

/// Still to be done on the day.
fn pending(at: AsOf) -> Condition {
    match at {
        AsOf::Today(_) => literal(PENDING),
        AsOf::Day(d) => Box::new(
            sql::<Bool>(PENDING)
                .or(sql::<Bool>(DONE).and(directives::completed_on.gt(d)))
                .or(sql::<Bool>(CANCELLED).and(directives::cancelled_on.gt(d))),
        ),
    }
}

/// Done by the day.
fn done(at: AsOf) -> Condition {
    match at {
        AsOf::Today(_) => literal(DONE),
        AsOf::Day(d) => Box::new(
            sql::<Bool>(DONE).and(
                directives::completed_on
                    .is_null()
                    .or(directives::completed_on.le(d)),
            ),
        ),
    }
}

/// Cancelled by the day.
fn cancelled(at: AsOf) -> Condition {
    match at {
        AsOf::Today(_) => literal(CANCELLED),
        AsOf::Day(d) => Box::new(
            sql::<Bool>(CANCELLED).and(
                directives::cancelled_on
                    .is_null()
                    .or(directives::cancelled_on.le(d)),
            ),
        ),
    }
}

/// The one definition of each progress bucket, over stored columns and bound dates only (so it
/// means the same on both backends). The seven conditions never overlap and together cover every
/// row; the computed `progress`, the `progress` filter and the summary are all made from them.
pub fn condition(progress: Progress, at: AsOf) -> Condition {
    let day = at.day();
    let soon = day
        .checked_add_days(Days::new(DUE_SOON_DAYS))
        .unwrap_or(day);
    let due = directives::due_date;
    match progress {
        Progress::Cancelled => cancelled(at),
        Progress::DoneOnTime => Box::new(
            done(at).and(
                due.is_null()
                    .nullable()
                    .or(directives::completed_on.le(due)),
            ),
        ),
        Progress::DoneLate => Box::new(
            done(at).and(due.is_not_null()).and(
                directives::completed_on
                    .is_null()
                    .nullable()
                    .or(directives::completed_on.gt(due)),
            ),
        ),
        Progress::NoDeadline => Box::new(pending(at).and(due.is_null())),
        Progress::Overdue => Box::new(pending(at).and(due.lt(day))),
        Progress::DueSoon => Box::new(pending(at).and(due.ge(day)).and(due.le(soon))),
        Progress::OnTrack => Box::new(pending(at).and(due.gt(soon))),
    }
}

fn progress_text(p: Progress) -> diesel::expression::SqlLiteral<Text> {
    sql::<Text>(&format!("'{}'", p.as_str()))
}

/// The computed `progress` of each row, as a SQL `CASE` over [`condition`].
pub fn progress(
    at: AsOf,
) -> Box<dyn BoxableExpression<directives::table, MultiBackend, SqlType = Text>> {
    use Progress as P;
    Box::new(
        case_when(condition(P::Cancelled, at), progress_text(P::Cancelled))
            .when(condition(P::DoneOnTime, at), progress_text(P::DoneOnTime))
            .when(condition(P::DoneLate, at), progress_text(P::DoneLate))
            .when(condition(P::NoDeadline, at), progress_text(P::NoDeadline))
            .when(condition(P::Overdue, at), progress_text(P::Overdue))
            .when(condition(P::DueSoon, at), progress_text(P::DueSoon))
            .otherwise(progress_text(P::OnTrack)),
    )
}

/// A directive row with its computed progress.
pub type ProgressRow = (DirectiveRow, String);

/// The orders a list of directives can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, Default)]
pub enum DirectiveSort {
    /// Earliest due date first; directives without one last (the default of `/directives`).
    #[default]
    #[serde(rename = "due_date")]
    DueDate,
    /// Latest due date first; directives without one last.
    #[serde(rename = "-due_date")]
    DueDateDesc,
    /// By meeting, then in the order the conclusions were numbered (unnumbered ones last); the
    /// default of `/meetings/{id}/directives`.
    #[serde(rename = "ordinal")]
    Ordinal,
}

impl DirectiveSort {
    pub fn key(self) -> &'static str {
        match self {
            Self::DueDate => "due_date",
            Self::DueDateDesc => "-due_date",
            Self::Ordinal => "ordinal",
        }
    }

    /// The cursor position of a row under this order.
    pub fn position(self, row: &DirectiveRow) -> (serde_json::Value, i64) {
        let value = match self {
            Self::DueDate | Self::DueDateDesc => serde_json::json!(row.due_date),
            Self::Ordinal => serde_json::json!([row.meeting_id, row.ordinal]),
        };
        (value, row.id)
    }
}

/// The filters of the directive lists and summary, already validated.
#[derive(Debug, Clone, Default)]
pub struct DirectiveFilter {
    pub meeting_id: Option<i64>,
    /// Directives led by, or assigned to, any of these organizations.
    pub organization_ids: Option<Vec<i64>>,
    pub status: Option<DirectiveStatus>,
    pub progress: Option<Progress>,
    /// Due strictly before this date.
    pub due_before: Option<NaiveDate>,
    /// Due strictly after this date.
    pub due_after: Option<NaiveDate>,
    pub updated_since: Option<NaiveDateTime>,
    /// Issued at a meeting held on or after this date.
    pub meeting_from: Option<NaiveDate>,
    /// Issued at a meeting held on or before this date.
    pub meeting_to: Option<NaiveDate>,
    /// Only directives that match `q` (in the orders other than best match).
    pub search: Option<Matcher>,
}

type Query<'a> = directives::BoxedQuery<'a, MultiBackend>;

impl DirectiveFilter {
    fn apply<'a>(&self, mut q: Query<'a>, at: AsOf) -> Query<'a> {
        if let Some(meeting_id) = self.meeting_id {
            q = q.filter(directives::meeting_id.eq(meeting_id));
        }
        if let Some(ids) = &self.organization_ids {
            q = q.filter(
                directives::lead_organization_id
                    .eq_any(ids.clone())
                    .or(directives::id
                        .eq_any(
                            directive_assignees::table
                                .filter(directive_assignees::organization_id.eq_any(ids.clone()))
                                .select(directive_assignees::directive_id),
                        )
                        .nullable()),
            );
        }
        if let Some(status) = self.status {
            q = q.filter(directives::status.eq(status.as_str()));
        }
        if let Some(progress) = self.progress {
            q = q.filter(condition(progress, at));
        }
        if let Some(before) = self.due_before {
            q = q.filter(directives::due_date.lt(before));
        }
        if let Some(after) = self.due_after {
            q = q.filter(directives::due_date.gt(after));
        }
        if let Some(since) = self.updated_since {
            q = q.filter(directives::updated_at.ge(since));
        }
        if let Some(from) = self.meeting_from {
            q = q.filter(
                directives::meeting_id.eq_any(
                    meetings::table
                        .filter(meetings::date.ge(from))
                        .select(meetings::id),
                ),
            );
        }
        if let Some(to) = self.meeting_to {
            q = q.filter(
                directives::meeting_id.eq_any(
                    meetings::table
                        .filter(meetings::date.le(to))
                        .select(meetings::id),
                ),
            );
        }
        if let Some(m) = &self.search {
            q = q.filter(directives::id.eq_any(m.ids(Resource::Directives)));
        }
        q
    }

    /// The filter as a best-match list narrows its hits, with the progress buckets of `at`.
    pub fn on(&self, at: AsOf) -> OnDay<'_> {
        OnDay(self, at)
    }

    /// True when every matching directive has a due date, so the order by due date needs no
    /// "no due date last" term (and an index on the due date gives the order directly).
    fn due_date_known(&self) -> bool {
        self.progress.is_some_and(Progress::has_due_date)
            || self.due_before.is_some()
            || self.due_after.is_some()
    }
}

/// A directive filter with the day its progress buckets are computed for.
pub struct OnDay<'a>(&'a DirectiveFilter, AsOf);

impl search::ListFilter for OnDay<'_> {
    fn narrows(&self) -> bool {
        let f = self.0;
        f.meeting_id.is_some()
            || f.organization_ids.is_some()
            || f.status.is_some()
            || f.progress.is_some()
            || f.due_before.is_some()
            || f.due_after.is_some()
            || f.updated_since.is_some()
            || f.meeting_from.is_some()
            || f.meeting_to.is_some()
            || f.search.is_some()
    }

    fn allowed(&self, conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
        self.0
            .apply(directives::table.into_boxed(), self.1)
            .filter(directives::id.eq_any(ids))
            .select(directives::id)
            .load(conn)
    }

    fn count_matching(&self, conn: &mut DbConnection, m: &Matcher) -> QueryResult<i64> {
        let filter = DirectiveFilter {
            search: Some(m.clone()),
            ..self.0.clone()
        };
        filter
            .apply(directives::table.into_boxed(), self.1)
            .count()
            .get_result(conn)
    }
}

/// The directives in `ids` that exist, with their progress on `today`, in no particular order.
pub fn by_ids(
    conn: &mut DbConnection,
    ids: &[i64],
    today: NaiveDate,
) -> QueryResult<Vec<ProgressRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    directives::table
        .filter(directives::id.eq_any(ids))
        .select((DirectiveRow::as_select(), progress(AsOf::Today(today))))
        .load(conn)
}

/// One page of rows (plus one, to detect a next page), with their progress on `today`, and the
/// total when asked.
pub fn list(
    conn: &mut DbConnection,
    filter: &DirectiveFilter,
    sort: DirectiveSort,
    page: &PageRequest,
    today: NaiveDate,
) -> QueryResult<(Vec<ProgressRow>, Option<i64>)> {
    let at = AsOf::Today(today);
    let total = if page.count {
        Some(
            filter
                .apply(directives::table.into_boxed(), at)
                .count()
                .get_result(conn)?,
        )
    } else {
        None
    };
    let mut q = filter.apply(directives::table.into_boxed(), at);
    let after = page.after.as_ref();
    let known = filter.due_date_known();
    q = match sort {
        DirectiveSort::DueDate | DirectiveSort::DueDateDesc => {
            let desc = sort == DirectiveSort::DueDateDesc;
            if let Some(c) = after {
                let (due, id) = (c.date(), c.id);
                q = match (known, due, desc) {
                    // Rows without a due date come last; none of them match this filter.
                    (true, None, _) => q.filter(sql::<Bool>("1 = 0")),
                    (true, Some(d), false) => q.filter(crate::keyset!(
                        directives::due_date,
                        directives::id,
                        d,
                        id,
                        gt
                    )),
                    (true, Some(d), true) => q.filter(crate::keyset!(
                        directives::due_date,
                        directives::id,
                        d,
                        id,
                        lt
                    )),
                    (false, d, false) => q.filter(crate::keyset_nullable!(
                        directives::due_date,
                        directives::id,
                        d,
                        id,
                        gt
                    )),
                    (false, d, true) => q.filter(crate::keyset_nullable!(
                        directives::due_date,
                        directives::id,
                        d,
                        id,
                        lt
                    )),
                };
            }
            match (known, desc) {
                (true, false) => q.order((directives::due_date.asc(), directives::id.asc())),
                (true, true) => q.order((directives::due_date.desc(), directives::id.desc())),
                (false, false) => q.order((
                    directives::due_date.is_null().asc(),
                    directives::due_date.asc(),
                    directives::id.asc(),
                )),
                (false, true) => q.order((
                    directives::due_date.is_null().asc(),
                    directives::due_date.desc(),
                    directives::id.desc(),
                )),
            }
        }
        DirectiveSort::Ordinal => {
            if let Some(c) = after {
                let (meeting_id, ordinal) = ordinal_of(c);
                q =
                    q.filter(directives::meeting_id.gt(meeting_id).nullable().or(
                        directives::meeting_id.eq(meeting_id).nullable().and(
                            crate::keyset_nullable!(
                                directives::ordinal,
                                directives::id,
                                ordinal,
                                c.id,
                                gt
                            ),
                        ),
                    ));
            }
            q.order((
                directives::meeting_id.asc(),
                directives::ordinal.is_null().asc(),
                directives::ordinal.asc(),
                directives::id.asc(),
            ))
        }
    };
    let rows = q
        .select((DirectiveRow::as_select(), progress(at)))
        .limit(page.fetch())
        .load(conn)?;
    Ok((rows, total))
}

fn ordinal_of(c: &CursorPos) -> (i64, Option<i32>) {
    let meeting_id = c.value.get(0).and_then(serde_json::Value::as_i64);
    let ordinal = c
        .value
        .get(1)
        .and_then(serde_json::Value::as_i64)
        .and_then(|n| i32::try_from(n).ok());
    (meeting_id.unwrap_or_default(), ordinal)
}

/// A directive with its progress on `today`.
pub fn find(
    conn: &mut DbConnection,
    id: i64,
    today: NaiveDate,
) -> QueryResult<Option<ProgressRow>> {
    directives::table
        .find(id)
        .select((DirectiveRow::as_select(), progress(AsOf::Today(today))))
        .first(conn)
        .optional()
}

/// The stored row alone (for writes).
pub fn find_row(conn: &mut DbConnection, id: i64) -> QueryResult<Option<DirectiveRow>> {
    directives::table
        .find(id)
        .select(DirectiveRow::as_select())
        .first(conn)
        .optional()
}

/// The directives of each meeting, by ordinal (unnumbered last) then id, with their progress on
/// `today`: one query whatever the number of meetings.
pub fn by_meetings(
    conn: &mut DbConnection,
    meeting_ids: &[i64],
    today: NaiveDate,
) -> QueryResult<Vec<ProgressRow>> {
    if meeting_ids.is_empty() {
        return Ok(Vec::new());
    }
    directives::table
        .filter(directives::meeting_id.eq_any(meeting_ids))
        .order((
            directives::meeting_id.asc(),
            directives::ordinal.is_null().asc(),
            directives::ordinal.asc(),
            directives::id.asc(),
        ))
        .select((DirectiveRow::as_select(), progress(AsOf::Today(today))))
        .load(conn)
}

/// The co-ordinating organizations of each directive, in order: one query.
pub fn assignees_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(i64, i64)> = directive_assignees::table
        .filter(directive_assignees::directive_id.eq_any(ids))
        .order((
            directive_assignees::directive_id,
            directive_assignees::position,
        ))
        .select((
            directive_assignees::directive_id,
            directive_assignees::organization_id,
        ))
        .load(conn)?;
    for (directive_id, organization_id) in rows {
        out.entry(directive_id).or_default().push(organization_id);
    }
    Ok(out)
}

/// How many directives fall in each progress bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgressCounts(pub HashMap<Progress, i64>);

impl ProgressCounts {
    pub fn get(&self, p: Progress) -> i64 {
        self.0.get(&p).copied().unwrap_or_default()
    }

    pub fn total(&self) -> i64 {
        self.0.values().sum()
    }
}

/// Counts per progress bucket on the day, in one statement: one scalar `COUNT(*)` subquery per
/// bucket, each filtered by its own condition, so that each reads a range of an index instead of
/// every row testing all seven conditions (and all seven see the same snapshot).
pub fn summary(
    conn: &mut DbConnection,
    filter: &DirectiveFilter,
    at: AsOf,
) -> QueryResult<ProgressCounts> {
    let count = |p: Progress| {
        filter
            .apply(directives::table.into_boxed(), at)
            .filter(condition(p, at))
            .select(count_star())
            .single_value()
    };
    use Progress as P;
    type Counts = (
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let (on_time, late, overdue, soon, on_track, no_deadline, cancelled): Counts =
        diesel::select((
            count(P::DoneOnTime),
            count(P::DoneLate),
            count(P::Overdue),
            count(P::DueSoon),
            count(P::OnTrack),
            count(P::NoDeadline),
            count(P::Cancelled),
        ))
        .get_result(conn)?;
    Ok(ProgressCounts(HashMap::from([
        (P::DoneOnTime, on_time.unwrap_or_default()),
        (P::DoneLate, late.unwrap_or_default()),
        (P::Overdue, overdue.unwrap_or_default()),
        (P::DueSoon, soon.unwrap_or_default()),
        (P::OnTrack, on_track.unwrap_or_default()),
        (P::NoDeadline, no_deadline.unwrap_or_default()),
        (P::Cancelled, cancelled.unwrap_or_default()),
    ])))
}

/// An organization and every organization below it (one query per level).
pub fn organization_and_descendants(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<i64>> {
    let mut all = vec![id];
    let mut seen: HashSet<i64> = HashSet::from([id]);
    let mut frontier = vec![id];
    while !frontier.is_empty() {
        let children: Vec<i64> = organizations::table
            .filter(organizations::parent_id.eq_any(&frontier))
            .select(organizations::id)
            .load(conn)?;
        frontier = children.into_iter().filter(|c| seen.insert(*c)).collect();
        all.extend(&frontier);
    }
    Ok(all)
}

/// True when the meeting exists.
pub fn meeting_exists(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    let n: i64 = meetings::table
        .filter(meetings::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// A progress note on a directive.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = directive_updates)]
pub struct DirectiveUpdateRow {
    /// Given by the database: a row built to be inserted leaves it 0.
    #[diesel(skip_insertion)]
    pub id: i64,
    pub directive_id: i64,
    pub note: String,
    pub status: Option<String>,
    pub author_user_id: Option<i64>,
    pub author_name: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    /// `author_name` is the author's login name (they had no display name when they wrote it).
    pub author_name_is_login: bool,
}

/// One page of a directive's updates, oldest first.
pub fn updates(
    conn: &mut DbConnection,
    directive_id: i64,
    page: &PageRequest,
) -> QueryResult<(Vec<DirectiveUpdateRow>, Option<i64>)> {
    let total = if page.count {
        Some(
            directive_updates::table
                .filter(directive_updates::directive_id.eq(directive_id))
                .count()
                .get_result(conn)?,
        )
    } else {
        None
    };
    let mut q = directive_updates::table
        .filter(directive_updates::directive_id.eq(directive_id))
        .into_boxed::<MultiBackend>();
    if let Some(after) = &page.after {
        q = q.filter(directive_updates::id.gt(after.id));
    }
    let rows = q
        .order(directive_updates::id.asc())
        .select(DirectiveUpdateRow::as_select())
        .limit(page.fetch())
        .load(conn)?;
    Ok((rows, total))
}

pub fn find_update(
    conn: &mut DbConnection,
    directive_id: i64,
    id: i64,
) -> QueryResult<Option<DirectiveUpdateRow>> {
    directive_updates::table
        .filter(directive_updates::directive_id.eq(directive_id))
        .filter(directive_updates::id.eq(id))
        .select(DirectiveUpdateRow::as_select())
        .first(conn)
        .optional()
}

/// The search document of a directive: its text; the source document (the conclusion notice).
/// The write path ([`crate::versioned`]) keeps the index in step, inside each write's transaction,
/// from [`search_docs`].
pub fn search_doc(
    id: i64,
    text: &str,
    source_document: Option<&str>,
    updated_at: NaiveDateTime,
) -> Doc {
    Doc {
        resource: Resource::Directives,
        id,
        title: text.to_owned(),
        body: Doc::join([source_document]),
        public: true,
        recency: updated_at,
    }
}

/// The search documents of the directives in `ids` that exist.
pub fn search_docs(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Doc>> {
    let rows: Vec<(i64, String, Option<String>, NaiveDateTime)> = directives::table
        .filter(directives::id.eq_any(ids))
        .select((
            directives::id,
            directives::text,
            directives::source_document,
            directives::updated_at,
        ))
        .load(conn)?;
    Ok(rows
        .iter()
        .map(|(id, text, source, updated_at)| search_doc(*id, text, source.as_deref(), *updated_at))
        .collect())
}
