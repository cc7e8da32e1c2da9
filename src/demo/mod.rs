//! The demo dataset built from the source articles (`demo.json`, data not code) and its loader.
//! Every record is found by its natural key before it is created, so loading twice changes nothing;
//! what is new is read as the API reads a create (the body's own schema checks it) and created
//! through its resource's own write path. In `demo.json` records name each other by `key`.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::articles::write::ArticleBody;
use crate::attendees::write::AttendeeBody;
use crate::db::schema::{
    articles, attendees, directives, meetings, organizations, people, targets,
};
use crate::db::DbConnection;
use crate::directives::write::{DirectiveBody, Writer};
use crate::error::{ApiError, ApiResult};
use crate::http::write::Mode;
use crate::meetings::write::MeetingBody;
use crate::organizations::write::OrganizationBody;
use crate::people::write::PersonBody;
use crate::targets::write::TargetBody;

const DATA: &str = include_str!("demo.json");

/// One record of `demo.json`: the fields of its resource's create body, with `key` and the keys
/// of the records it names in place of their ids.
pub type Record = Map<String, Value>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    pub organizations: Vec<Record>,
    pub people: Vec<Record>,
    /// Each with its `attendees`, `directives` and `targets`.
    pub meetings: Vec<Record>,
    pub articles: Vec<Record>,
    /// What the source texts do not say, and what was inferred.
    #[serde(default)]
    pub notes: Vec<String>,
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

    /// A key, a list of keys or `null`, as ids.
    fn resolve(&self, keys: &Value) -> ApiResult<Value> {
        match keys {
            Value::String(key) => Ok(Value::from(self.get(key)?)),
            Value::Array(keys) => keys.iter().map(|k| self.resolve(k)).collect(),
            Value::Null => Ok(Value::Null),
            other => Err(ApiError::internal(format!(
                "demo.json: `{other}` is not a {} key",
                self.kind
            ))),
        }
    }

    /// Remembers the id of `record`'s key.
    fn insert(&mut self, record: &'a Record, id: i64) {
        if let Some(key) = record.get("key").and_then(Value::as_str) {
            self.ids.insert(key, id);
        }
    }
}

/// A reference in a record: its field in `demo.json`, the body's field, and the ids it names.
type Ref<'r, 'a> = (&'static str, &'static str, &'r Ids<'a>);

/// `record` as a create body of its resource: `refs` turn keys into ids, the fields in `skip` stay
/// out, those in `set` are added, and the body's schema checks the rest as the API would.
fn as_body<T: ToSchema + DeserializeOwned + Default>(
    record: &Record,
    refs: &[Ref<'_, '_>],
    skip: &[&str],
    set: &[(&str, i64)],
) -> ApiResult<T> {
    let mut obj = Map::new();
    for (name, value) in record {
        if name == "key" || skip.contains(&name.as_str()) {
            continue;
        }
        match refs.iter().find(|(from, ..)| from == name) {
            Some((_, to, ids)) => obj.insert((*to).to_owned(), ids.resolve(value)?),
            None => obj.insert(name.clone(), value.clone()),
        };
    }
    for (name, id) in set {
        obj.insert((*name).to_owned(), Value::from(*id));
    }
    crate::http::body::read::<T>(obj, Mode::Create, &[])
        .finish()
        .map_err(|e| match e {
            ApiError::Validation(errors) => ApiError::internal(format!(
                "demo.json: {}",
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            other => other,
        })
}

/// The records of `record`'s list field `name`.
fn nested<'a>(record: &'a Record, name: &str) -> impl Iterator<Item = &'a Record> {
    record
        .get(name)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
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
    let mut pending: Vec<&Record> = data.organizations.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for org in pending {
            let placed = |field: &str| match org.get(field) {
                Some(Value::String(key)) => orgs.ids.contains_key(key.as_str()),
                _ => true,
            };
            if !placed("parent") || !placed("successor") {
                rest.push(org);
                continue;
            }
            let refs = [
                ("parent", "parent_id", &orgs),
                ("successor", "successor_id", &orgs),
            ];
            let body: OrganizationBody = as_body(org, &refs, &[], &[])?;
            let existing = organizations::table
                .filter(organizations::name.eq(body.name.as_set().cloned().unwrap_or_default()))
                .select(organizations::id)
                .first(conn)
                .optional()?;
            let id = find_or_create(conn, existing, &mut loaded.organizations, |conn| {
                Ok(crate::organizations::write::create(conn, body)?.id)
            })?;
            orgs.insert(org, id);
        }
        if rest.len() == before {
            let key = rest
                .first()
                .and_then(|o| o.get("key"))
                .and_then(Value::as_str);
            return Err(missing(
                "parent or successor organization of",
                key.unwrap_or_default(),
            ));
        }
        pending = rest;
    }

    let mut people = Ids::new("person");
    for person in &data.people {
        let body: PersonBody = as_body(
            person,
            &[("organization", "organization_id", &orgs)],
            &[],
            &[],
        )?;
        let existing = people::table
            .filter(people::full_name.eq(body.full_name.as_set().cloned().unwrap_or_default()))
            .select(people::id)
            .first(conn)
            .optional()?;
        let id = find_or_create(conn, existing, &mut loaded.people, |conn| {
            Ok(crate::people::write::create(conn, body)?.id)
        })?;
        people.insert(person, id);
    }

    let mut meeting_ids = Ids::new("meeting");
    for m in &data.meetings {
        let refs = [
            ("hosts", "host_organization_ids", &orgs),
            ("counterparts", "counterpart_organization_ids", &orgs),
            ("chair", "chair_person_id", &people),
        ];
        let body: MeetingBody = as_body(m, &refs, &["attendees", "directives", "targets"], &[])?;
        let existing = meetings::table
            .filter(meetings::title.eq(body.title.as_set().cloned().unwrap_or_default()))
            .filter(meetings::date.eq(body.date.as_set().copied().unwrap_or_default()))
            .select(meetings::id)
            .first(conn)
            .optional()?;
        let add = |conn: &mut DbConnection, meeting_id: i64| -> ApiResult<usize> {
            let mut added = 0;
            for a in nested(m, "attendees") {
                let refs = [
                    ("person", "person_id", &people),
                    ("organization", "organization_id", &orgs),
                ];
                let body: AttendeeBody = as_body(a, &refs, &[], &[("meeting_id", meeting_id)])?;
                let person_id = body.person_id.as_set().copied().unwrap_or_default();
                let exists: i64 = attendees::table
                    .filter(attendees::meeting_id.eq(meeting_id))
                    .filter(attendees::person_id.eq(person_id))
                    .count()
                    .get_result(conn)?;
                if exists == 0 {
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
        meeting_ids.insert(m, meeting_id);

        for d in nested(m, "directives") {
            let refs = [
                ("issued_by", "issued_by_person_id", &people),
                ("lead_organization", "lead_organization_id", &orgs),
                ("assignees", "assignee_organization_ids", &orgs),
            ];
            let body: DirectiveBody = as_body(d, &refs, &[], &[("meeting_id", meeting_id)])?;
            let exists: i64 = directives::table
                .filter(directives::meeting_id.eq(meeting_id))
                .filter(directives::text.eq(body.text.as_set().cloned().unwrap_or_default()))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                let writer = Writer { now, admin: true };
                crate::directives::write::create(conn, body, writer)?;
                loaded.directives += 1;
            }
        }

        for t in nested(m, "targets") {
            let refs = [("organization", "organization_id", &orgs)];
            let body: TargetBody = as_body(t, &refs, &[], &[("meeting_id", meeting_id)])?;
            let text =
                |p: &crate::http::write::Patch<String>| p.as_set().cloned().unwrap_or_default();
            let exists: i64 = targets::table
                .filter(
                    targets::organization_id.eq(body
                        .organization_id
                        .as_set()
                        .copied()
                        .unwrap_or_default()),
                )
                .filter(targets::meeting_id.eq(meeting_id))
                .filter(targets::indicator.eq(text(&body.indicator)))
                .filter(targets::period_label.eq(text(&body.period_label)))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                crate::targets::write::create(conn, body, now)?;
                loaded.targets += 1;
            }
        }
    }

    for a in &data.articles {
        // Photos arrive with media uploads; their captions are kept in demo.json.
        let refs = [("meetings", "meeting_ids", &meeting_ids)];
        let mut a = a.clone();
        if a.get("status").and_then(Value::as_str) == Some("published")
            && a.get("published_at").is_none_or(Value::is_null)
        {
            // The source names no publication time, and a published article is always dated:
            // the report is dated by the day of the meeting it reports, at 07:00 in Vietnam
            // (00:00 UTC), the morning of the meeting rather than the time the loader ran.
            let first = a
                .get("meetings")
                .and_then(|m| m.get(0))
                .and_then(Value::as_str);
            let day = data
                .meetings
                .iter()
                .find(|m| m.get("key").and_then(Value::as_str) == first)
                .and_then(|m| m.get("date"))
                .and_then(Value::as_str)
                .ok_or_else(|| missing("meeting of the undated article", first.unwrap_or("")))?;
            a.insert(
                "published_at".into(),
                Value::from(format!("{day}T00:00:00Z")),
            );
        }
        let body: ArticleBody = as_body(&a, &refs, &["image_captions"], &[])?;
        let exists: i64 = articles::table
            .filter(articles::slug.eq(body.slug.as_set().cloned().unwrap_or_default()))
            .count()
            .get_result(conn)?;
        if exists == 0 {
            crate::articles::write::create(conn, body, None)?;
            loaded.articles += 1;
        }
    }
    Ok(loaded)
}
