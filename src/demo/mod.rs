//! The demo dataset built from the source articles (`demo.json`, data not code) and its loader.
//! Every record is found by its natural key before it is created, so loading twice changes nothing.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Deserialize;

use crate::articles::model::NewArticleRow;
use crate::attendees::model::NewAttendeeRow;
use crate::db::schema::{
    article_authors, article_media, article_meetings, articles, attendees, directive_assignees,
    directives, meeting_organizations, meetings, organizations, people, targets,
};
use crate::db::DbConnection;
use crate::directives::model::{NewDirectiveAssignee, NewDirectiveRow};
use crate::meetings::model::{NewMeetingOrganization, NewMeetingRow};
use crate::organizations::model::NewOrganizationRow;
use crate::people::model::NewPersonRow;
use crate::sync::changes::{self, Action};
use crate::targets::model::NewTargetRow;

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
    pub kind: String,
    pub level: String,
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
    pub kind: String,
    pub date: NaiveDate,
    pub part_of_day: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub location: Option<String>,
    pub hosts: Vec<String>,
    pub counterparts: Vec<String>,
    pub chair: Option<String>,
    pub topic: Option<String>,
    pub period_label: Option<String>,
    pub summary: Option<String>,
    pub status: String,
    pub attendees: Vec<Attendee>,
    pub directives: Vec<Directive>,
    pub targets: Vec<Target>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attendee {
    pub person: String,
    pub role: String,
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
    pub status: String,
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
    pub direction: String,
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
    pub status: String,
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

fn missing(kind: &str, key: &str) -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError(
        format!("demo.json: unknown {kind} key `{key}`").into(),
    )
}

/// Loads the dataset in one transaction; records that exist already are left as they are.
pub fn load(conn: &mut DbConnection) -> Result<Loaded, String> {
    let data = dataset()?;
    crate::db::transaction(conn, |conn| load_dataset(conn, &data).map_err(Into::into))
        .map_err(|e| format!("loading the demo data failed: {e}"))
}

fn load_dataset(conn: &mut DbConnection, data: &Dataset) -> QueryResult<Loaded> {
    let now = crate::time::now();
    let mut loaded = Loaded::default();
    let mut org_ids: HashMap<&str, i64> = HashMap::new();

    // Parents before children: repeat passes until every organization is placed.
    let mut pending: Vec<&Org> = data.organizations.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for org in pending {
            let parent_id = match &org.parent {
                Some(p) => match org_ids.get(p.as_str()) {
                    Some(id) => Some(*id),
                    None => {
                        rest.push(org);
                        continue;
                    }
                },
                None => None,
            };
            let existing: Option<i64> = organizations::table
                .filter(organizations::name.eq(&org.name))
                .select(organizations::id)
                .first(conn)
                .optional()?;
            let id = match existing {
                Some(id) => id,
                None => {
                    let id: i64 = diesel::insert_into(organizations::table)
                        .values(NewOrganizationRow {
                            name: org.name.clone(),
                            short_name: org.short_name.clone(),
                            kind: org.kind.clone(),
                            level: org.level.clone(),
                            parent_id,
                            locality: org.locality.clone(),
                            valid_from: org.valid_from,
                            valid_to: org.valid_to,
                            successor_id: None,
                            created_at: now,
                            updated_at: now,
                            version: 1,
                        })
                        .returning(organizations::id)
                        .get_result(conn)?;
                    changes::record(
                        conn,
                        crate::resource::Resource::Organizations,
                        id,
                        Action::Created,
                        1,
                        true,
                    )?;
                    loaded.organizations += 1;
                    id
                }
            };
            org_ids.insert(org.key.as_str(), id);
        }
        if rest.len() == before {
            let key = rest.first().map(|o| o.key.as_str()).unwrap_or_default();
            return Err(missing("parent organization of", key));
        }
        pending = rest;
    }
    for org in &data.organizations {
        if let Some(successor) = &org.successor {
            let id = org_ids[org.key.as_str()];
            let successor_id = *org_ids
                .get(successor.as_str())
                .ok_or_else(|| missing("organization", successor))?;
            diesel::update(
                organizations::table
                    .find(id)
                    .filter(organizations::successor_id.is_null()),
            )
            .set(organizations::successor_id.eq(successor_id))
            .execute(conn)?;
        }
    }
    let org = |key: &Option<String>, ids: &HashMap<&str, i64>| -> QueryResult<Option<i64>> {
        match key {
            Some(k) => ids
                .get(k.as_str())
                .copied()
                .map(Some)
                .ok_or_else(|| missing("organization", k)),
            None => Ok(None),
        }
    };

    let mut person_ids: HashMap<&str, i64> = HashMap::new();
    for person in &data.people {
        let existing: Option<i64> = people::table
            .filter(people::full_name.eq(&person.full_name))
            .select(people::id)
            .first(conn)
            .optional()?;
        let id = match existing {
            Some(id) => id,
            None => {
                let id: i64 = diesel::insert_into(people::table)
                    .values(NewPersonRow {
                        full_name: person.full_name.clone(),
                        current_title: person.current_title.clone(),
                        organization_id: org(&person.organization, &org_ids)?,
                        created_at: now,
                        updated_at: now,
                        version: 1,
                    })
                    .returning(people::id)
                    .get_result(conn)?;
                changes::record(
                    conn,
                    crate::resource::Resource::People,
                    id,
                    Action::Created,
                    1,
                    true,
                )?;
                loaded.people += 1;
                id
            }
        };
        person_ids.insert(person.key.as_str(), id);
    }
    let person = |key: &Option<String>| -> QueryResult<Option<i64>> {
        match key {
            Some(k) => person_ids
                .get(k.as_str())
                .copied()
                .map(Some)
                .ok_or_else(|| missing("person", k)),
            None => Ok(None),
        }
    };

    let mut meeting_ids: HashMap<&str, i64> = HashMap::new();
    for m in &data.meetings {
        let existing: Option<i64> = meetings::table
            .filter(meetings::title.eq(&m.title))
            .filter(meetings::date.eq(m.date))
            .select(meetings::id)
            .first(conn)
            .optional()?;
        let meeting_id = match existing {
            Some(id) => id,
            None => {
                let id: i64 = diesel::insert_into(meetings::table)
                    .values(NewMeetingRow {
                        title: m.title.clone(),
                        kind: m.kind.clone(),
                        date: m.date,
                        part_of_day: m.part_of_day.clone(),
                        starts_at: m.starts_at.map(|t| t.naive_utc()),
                        location: m.location.clone(),
                        chair_person_id: person(&m.chair)?,
                        topic: m.topic.clone(),
                        period_label: m.period_label.clone(),
                        summary: m.summary.clone(),
                        status: m.status.clone(),
                        created_at: now,
                        updated_at: now,
                        version: 1,
                    })
                    .returning(meetings::id)
                    .get_result(conn)?;
                let roles = m
                    .hosts
                    .iter()
                    .map(|k| (k, "host"))
                    .chain(m.counterparts.iter().map(|k| (k, "counterpart")));
                for (position, (key, role)) in roles.enumerate() {
                    let organization_id = *org_ids
                        .get(key.as_str())
                        .ok_or_else(|| missing("organization", key))?;
                    diesel::insert_into(meeting_organizations::table)
                        .values(NewMeetingOrganization {
                            meeting_id: id,
                            organization_id,
                            role: role.to_owned(),
                            position: position as i32,
                        })
                        .execute(conn)?;
                }
                changes::record(
                    conn,
                    crate::resource::Resource::Meetings,
                    id,
                    Action::Created,
                    1,
                    true,
                )?;
                loaded.meetings += 1;
                id
            }
        };
        meeting_ids.insert(m.key.as_str(), meeting_id);

        for a in &m.attendees {
            let person_id = person(&Some(a.person.clone()))?.unwrap_or_default();
            let exists: i64 = attendees::table
                .filter(attendees::meeting_id.eq(meeting_id))
                .filter(attendees::person_id.eq(person_id))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                let id: i64 = diesel::insert_into(attendees::table)
                    .values(NewAttendeeRow {
                        meeting_id,
                        person_id,
                        role: a.role.clone(),
                        title_at_meeting: a.title_at_meeting.clone(),
                        organization_id: org(&a.organization, &org_ids)?,
                        created_at: now,
                        updated_at: now,
                        version: 1,
                    })
                    .returning(attendees::id)
                    .get_result(conn)?;
                changes::record(
                    conn,
                    crate::resource::Resource::Attendees,
                    id,
                    Action::Created,
                    1,
                    true,
                )?;
                loaded.attendees += 1;
            }
        }

        for d in &m.directives {
            let exists: i64 = directives::table
                .filter(directives::meeting_id.eq(meeting_id))
                .filter(directives::text.eq(&d.text))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                let id: i64 = diesel::insert_into(directives::table)
                    .values(NewDirectiveRow {
                        meeting_id,
                        ordinal: d.ordinal,
                        text: d.text.clone(),
                        issued_by_person_id: person(&d.issued_by)?,
                        lead_organization_id: org(&d.lead_organization, &org_ids)?,
                        source_document: d.source_document.clone(),
                        due_date: d.due_date,
                        status: d.status.clone(),
                        completed_at: None,
                        completed_on: None,
                        cancelled_on: None,
                        created_at: now,
                        updated_at: now,
                        version: 1,
                    })
                    .returning(directives::id)
                    .get_result(conn)?;
                for (position, key) in d.assignees.iter().enumerate() {
                    let organization_id = *org_ids
                        .get(key.as_str())
                        .ok_or_else(|| missing("organization", key))?;
                    diesel::insert_into(directive_assignees::table)
                        .values(NewDirectiveAssignee {
                            directive_id: id,
                            organization_id,
                            position: position as i32,
                        })
                        .execute(conn)?;
                }
                changes::record(
                    conn,
                    crate::resource::Resource::Directives,
                    id,
                    Action::Created,
                    1,
                    true,
                )?;
                loaded.directives += 1;
            }
        }

        for t in &m.targets {
            let organization_id = *org_ids
                .get(t.organization.as_str())
                .ok_or_else(|| missing("organization", &t.organization))?;
            let exists: i64 = targets::table
                .filter(targets::organization_id.eq(organization_id))
                .filter(targets::meeting_id.eq(meeting_id))
                .filter(targets::indicator.eq(&t.indicator))
                .filter(targets::period_label.eq(&t.period_label))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                let id: i64 = diesel::insert_into(targets::table)
                    .values(NewTargetRow {
                        organization_id,
                        meeting_id: Some(meeting_id),
                        indicator: t.indicator.clone(),
                        indicator_folded: crate::text::fold(&t.indicator),
                        unit: t.unit.clone(),
                        period_label: t.period_label.clone(),
                        period_start: t.period_start,
                        period_end: t.period_end,
                        plan_value: t.plan_value,
                        actual_value: t.actual_value,
                        as_of: t.as_of,
                        direction: t.direction.clone(),
                        reported_percent: t.reported_percent,
                        note: t.note.clone(),
                        created_at: now,
                        updated_at: now,
                        version: 1,
                    })
                    .returning(targets::id)
                    .get_result(conn)?;
                changes::record(
                    conn,
                    crate::resource::Resource::Targets,
                    id,
                    Action::Created,
                    1,
                    true,
                )?;
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
        let id: i64 = diesel::insert_into(articles::table)
            .values(NewArticleRow {
                slug: a.slug.clone(),
                title: a.title.clone(),
                summary: a.summary.clone(),
                body: a.body.clone(),
                category: a.category.clone(),
                source_name: a.source_name.clone(),
                source_url: a.source_url.clone(),
                status: a.status.clone(),
                published_at: a.published_at.map(|t| t.naive_utc()),
                cover_media_id: None,
                created_at: now,
                updated_at: now,
                version: 1,
            })
            .returning(articles::id)
            .get_result(conn)?;
        for (position, name) in a.authors.iter().enumerate() {
            diesel::insert_into(article_authors::table)
                .values((
                    article_authors::article_id.eq(id),
                    article_authors::position.eq(position as i32),
                    article_authors::name.eq(name),
                ))
                .execute(conn)?;
        }
        for (position, key) in a.meetings.iter().enumerate() {
            let meeting_id = *meeting_ids
                .get(key.as_str())
                .ok_or_else(|| missing("meeting", key))?;
            diesel::insert_into(article_meetings::table)
                .values((
                    article_meetings::article_id.eq(id),
                    article_meetings::meeting_id.eq(meeting_id),
                    article_meetings::position.eq(position as i32),
                ))
                .execute(conn)?;
        }
        let _ = article_media::table; // photos arrive with media uploads; captions are kept in demo.json
        changes::record(
            conn,
            crate::resource::Resource::Articles,
            id,
            Action::Created,
            1,
            a.status == "published",
        )?;
        loaded.articles += 1;
    }
    crate::search::index_missing(conn)?;
    Ok(loaded)
}
