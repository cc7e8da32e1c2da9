//! The demo dataset built from the source articles (`demo.json`, data not code) and its loader.
//! Every record is found by its natural key before it is created, so loading twice changes nothing;
//! what is new is created through each resource's own write path, as if sent to the API.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Deserialize;

use crate::articles::model::ArticleStatus;
use crate::articles::write::ArticleBody;
use crate::attendees::model::AttendeeRole;
use crate::attendees::write::AttendeeBody;
use crate::db::schema::{
    articles, attendees, directives, meetings, organizations, people, targets,
};
use crate::db::DbConnection;
use crate::directives::model::DirectiveStatus;
use crate::directives::write::{DirectiveBody, Writer};
use crate::error::{ApiError, ApiResult};
use crate::http::write::Patch;
use crate::meetings::model::{MeetingKind, MeetingStatus, PartOfDay};
use crate::meetings::write::MeetingBody;
use crate::organizations::model::{OrgKind, OrgLevel};
use crate::organizations::write::OrganizationBody;
use crate::people::write::PersonBody;
use crate::targets::model::Direction;
use crate::targets::write::TargetBody;

const DATA: &str = include_str!("demo.json");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    pub organizations: Vec<Org>,
    pub people: Vec<Person>,
    pub meetings: Vec<Meeting>,
    pub articles: Vec<Article>,
    /// What the source texts do not say, and what was inferred.
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Org {
    pub key: String,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: OrgKind,
    pub level: OrgLevel,
    pub parent: Option<String>,
    pub locality: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub successor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub key: String,
    pub full_name: String,
    pub current_title: Option<String>,
    pub organization: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meeting {
    pub key: String,
    pub title: String,
    pub kind: MeetingKind,
    pub date: NaiveDate,
    pub part_of_day: Option<PartOfDay>,
    pub starts_at: Option<DateTime<Utc>>,
    pub location: Option<String>,
    pub hosts: Vec<String>,
    pub counterparts: Vec<String>,
    pub chair: Option<String>,
    pub topic: Option<String>,
    pub period_label: Option<String>,
    pub summary: Option<String>,
    pub status: MeetingStatus,
    pub attendees: Vec<Attendee>,
    pub directives: Vec<Directive>,
    pub targets: Vec<Target>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attendee {
    pub person: String,
    pub role: AttendeeRole,
    pub title_at_meeting: Option<String>,
    pub organization: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directive {
    pub ordinal: Option<i32>,
    pub text: String,
    pub issued_by: Option<String>,
    pub lead_organization: Option<String>,
    pub assignees: Vec<String>,
    pub source_document: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub status: DirectiveStatus,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub organization: String,
    pub indicator: String,
    pub unit: String,
    pub period_label: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub plan_value: Option<f64>,
    pub actual_value: Option<f64>,
    pub as_of: Option<NaiveDate>,
    pub direction: Direction,
    pub reported_percent: Option<f64>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub summary: Option<String>,
    pub body: String,
    pub category: Option<String>,
    pub authors: Vec<String>,
    pub source_name: Option<String>,
    pub source_url: Option<String>,
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub meetings: Vec<String>,
    #[serde(default)]
    pub image_captions: Vec<String>,
}

/// The dataset shipped in the binary.
pub fn dataset() -> Result<Dataset, String> {
    // NFC over the whole document is NFC of every string in it: JSON's own syntax is ASCII.
    let text = crate::text::nfc(DATA);
    serde_json::from_str(&text).map_err(|e| format!("demo.json: {e}"))
}

/// How many records a load created.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub organizations: usize,
    pub people: usize,
    pub meetings: usize,
    pub attendees: usize,
    pub directives: usize,
    pub targets: usize,
    pub articles: usize,
}

impl Loaded {
    pub fn total(&self) -> usize {
        self.organizations
            + self.people
            + self.meetings
            + self.attendees
            + self.directives
            + self.targets
            + self.articles
    }
}

fn missing(kind: &str, key: &str) -> ApiError {
    ApiError::internal(format!("demo.json: unknown {kind} key `{key}`"))
}

/// Loads the dataset in one transaction; records that exist already are left as they are.
pub fn load(conn: &mut DbConnection) -> Result<Loaded, String> {
    let data = dataset()?;
    crate::db::transaction(conn, |conn| load_dataset(conn, &data))
        .map_err(|e| format!("loading the demo data failed: {e}"))
}

/// The ids records were given, by their keys in `demo.json`.
struct Ids<'a> {
    kind: &'static str,
    ids: HashMap<&'a str, i64>,
}

impl<'a> Ids<'a> {
    fn new(kind: &'static str) -> Self {
        Self {
            kind,
            ids: HashMap::new(),
        }
    }

    fn get(&self, key: &str) -> ApiResult<i64> {
        self.ids
            .get(key)
            .copied()
            .ok_or_else(|| missing(self.kind, key))
    }

    /// The id of an optional reference, as a body field.
    fn field(&self, key: &Option<String>) -> ApiResult<Patch<i64>> {
        key.as_deref()
            .map(|k| self.get(k))
            .transpose()
            .map(Patch::from)
    }

    fn list(&self, keys: &[String]) -> ApiResult<Vec<i64>> {
        keys.iter().map(|k| self.get(k)).collect()
    }
}

/// An id found by a natural key, or the one `create` gives a new record (counted in `created`).
fn find_or_create(
    conn: &mut DbConnection,
    existing: Option<i64>,
    created: &mut usize,
    create: impl FnOnce(&mut DbConnection) -> ApiResult<i64>,
) -> ApiResult<i64> {
    match existing {
        Some(id) => Ok(id),
        None => {
            *created += 1;
            create(conn)
        }
    }
}

fn load_dataset(conn: &mut DbConnection, data: &Dataset) -> ApiResult<Loaded> {
    let now = crate::time::now();
    let mut loaded = Loaded::default();

    // An organization after its parent and its successor.
    let mut orgs = Ids::new("organization");
    let mut pending: Vec<&Org> = data.organizations.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for org in pending {
            let placed = |k: &Option<String>| k.as_deref().is_none_or(|k| orgs.ids.contains_key(k));
            if !placed(&org.parent) || !placed(&org.successor) {
                rest.push(org);
                continue;
            }
            let existing = organizations::table
                .filter(organizations::name.eq(&org.name))
                .select(organizations::id)
                .first(conn)
                .optional()?;
            let body = OrganizationBody {
                name: Patch::Set(org.name.clone()),
                short_name: org.short_name.clone().into(),
                kind: Patch::Set(org.kind),
                level: Patch::Set(org.level),
                parent_id: orgs.field(&org.parent)?,
                locality: org.locality.clone().into(),
                valid_from: org.valid_from.into(),
                valid_to: org.valid_to.into(),
                successor_id: orgs.field(&org.successor)?,
            };
            let id = find_or_create(conn, existing, &mut loaded.organizations, |conn| {
                Ok(crate::organizations::write::create(conn, body)?.id)
            })?;
            orgs.ids.insert(org.key.as_str(), id);
        }
        if rest.len() == before {
            let key = rest.first().map(|o| o.key.as_str()).unwrap_or_default();
            return Err(missing("parent or successor organization of", key));
        }
        pending = rest;
    }

    let mut people = Ids::new("person");
    for person in &data.people {
        let existing = people::table
            .filter(people::full_name.eq(&person.full_name))
            .select(people::id)
            .first(conn)
            .optional()?;
        let body = PersonBody {
            full_name: Patch::Set(person.full_name.clone()),
            current_title: person.current_title.clone().into(),
            organization_id: orgs.field(&person.organization)?,
        };
        let id = find_or_create(conn, existing, &mut loaded.people, |conn| {
            Ok(crate::people::write::create(conn, body)?.id)
        })?;
        people.ids.insert(person.key.as_str(), id);
    }

    let mut meeting_ids = Ids::new("meeting");
    for m in &data.meetings {
        let existing = meetings::table
            .filter(meetings::title.eq(&m.title))
            .filter(meetings::date.eq(m.date))
            .select(meetings::id)
            .first(conn)
            .optional()?;
        let body = MeetingBody {
            title: Patch::Set(m.title.clone()),
            kind: Patch::Set(m.kind),
            date: Patch::Set(m.date),
            part_of_day: m.part_of_day.into(),
            starts_at: m.starts_at.map(|t| t.naive_utc()).into(),
            location: m.location.clone().into(),
            host_organization_ids: Patch::Set(orgs.list(&m.hosts)?),
            counterpart_organization_ids: Patch::Set(orgs.list(&m.counterparts)?),
            chair_person_id: people.field(&m.chair)?,
            topic: m.topic.clone().into(),
            period_label: m.period_label.clone().into(),
            summary: m.summary.clone().into(),
            status: Patch::Set(m.status),
        };
        let add = |conn: &mut DbConnection, meeting_id: i64| -> ApiResult<usize> {
            let mut added = 0;
            for a in &m.attendees {
                let person_id = people.get(&a.person)?;
                let exists: i64 = attendees::table
                    .filter(attendees::meeting_id.eq(meeting_id))
                    .filter(attendees::person_id.eq(person_id))
                    .count()
                    .get_result(conn)?;
                if exists == 0 {
                    let body = AttendeeBody {
                        meeting_id: Patch::Set(meeting_id),
                        person_id: Patch::Set(person_id),
                        role: Patch::Set(a.role),
                        title_at_meeting: a.title_at_meeting.clone().into(),
                        organization_id: orgs.field(&a.organization)?,
                    };
                    crate::attendees::write::create(conn, meeting_id, body)?;
                    added += 1;
                }
            }
            Ok(added)
        };
        let meeting_id = match existing {
            Some(id) => {
                loaded.attendees += add(conn, id)?;
                id
            }
            None => {
                let mut added = 0;
                let row = crate::meetings::write::create_with(conn, body, |conn, id| {
                    added = add(conn, id)?;
                    Ok(())
                })?;
                loaded.meetings += 1;
                loaded.attendees += added;
                row.id
            }
        };
        meeting_ids.ids.insert(m.key.as_str(), meeting_id);

        for d in &m.directives {
            let exists: i64 = directives::table
                .filter(directives::meeting_id.eq(meeting_id))
                .filter(directives::text.eq(&d.text))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                let body = DirectiveBody {
                    meeting_id: Patch::Set(meeting_id),
                    ordinal: d.ordinal.into(),
                    text: Patch::Set(d.text.clone()),
                    issued_by_person_id: people.field(&d.issued_by)?,
                    lead_organization_id: orgs.field(&d.lead_organization)?,
                    assignee_organization_ids: Patch::Set(orgs.list(&d.assignees)?),
                    source_document: d.source_document.clone().into(),
                    due_date: d.due_date.into(),
                    status: Patch::Set(d.status),
                    completed_at: Patch::Absent,
                };
                let writer = Writer { now, admin: true };
                crate::directives::write::create(conn, body, writer)?;
                loaded.directives += 1;
            }
        }

        for t in &m.targets {
            let organization_id = orgs.get(&t.organization)?;
            let exists: i64 = targets::table
                .filter(targets::organization_id.eq(organization_id))
                .filter(targets::meeting_id.eq(meeting_id))
                .filter(targets::indicator.eq(&t.indicator))
                .filter(targets::period_label.eq(&t.period_label))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                let body = TargetBody {
                    organization_id: Patch::Set(organization_id),
                    meeting_id: Patch::Set(meeting_id),
                    indicator: Patch::Set(t.indicator.clone()),
                    unit: Patch::Set(t.unit.clone()),
                    period_label: Patch::Set(t.period_label.clone()),
                    period_start: t.period_start.into(),
                    period_end: t.period_end.into(),
                    plan_value: t.plan_value.into(),
                    actual_value: t.actual_value.into(),
                    as_of: t.as_of.into(),
                    direction: Patch::Set(t.direction),
                    reported_percent: t.reported_percent.into(),
                    note: t.note.clone().into(),
                };
                crate::targets::write::create(conn, body, now)?;
                loaded.targets += 1;
            }
        }
    }

    for a in &data.articles {
        let exists: i64 = articles::table
            .filter(articles::slug.eq(&a.slug))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            continue;
        }
        // Photos arrive with media uploads; their captions are kept in demo.json.
        let body = ArticleBody {
            title: Patch::Set(a.title.clone()),
            slug: Patch::Set(a.slug.clone()),
            summary: a.summary.clone().into(),
            body: Patch::Set(a.body.clone()),
            category: a.category.clone().into(),
            authors: Patch::Set(a.authors.clone()),
            source_name: a.source_name.clone().into(),
            source_url: a.source_url.clone().into(),
            status: Patch::Set(a.status),
            published_at: a.published_at.map(|t| t.naive_utc()).into(),
            meeting_ids: Patch::Set(meeting_ids.list(&a.meetings)?),
            cover_media_id: Patch::Absent,
            media: Patch::Absent,
        };
        crate::articles::write::create_as(conn, body, false)?;
        loaded.articles += 1;
    }
    Ok(loaded)
}
