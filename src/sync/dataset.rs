//! The whole dataset as JSON lines — one record per line, `{"type": "<table>", "data": {…}}` —
//! for `bantin export` and `bantin import`. Ids are kept, so an export imported into an empty
//! database on either backend exports to the identical file.
//!
//! Media records and the metadata of their files always travel; their bytes travel (base64, as
//! `media_blobs` lines) only when they are kept in the database (`BANTIN_MEDIA_STORE=db`). With a
//! directory or an S3 bucket, copy the files alongside the dataset.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::*;
use crate::db::DbConnection;

/// Rows read per query while exporting, to keep memory flat on large datasets.
const BATCH: i64 = 1000;
/// The same for media bytes: up to 10 MiB a row.
const BLOB_BATCH: i64 = 8;

macro_rules! records {
    ($( $variant:ident($name:ident) => $table:ident order ($key:ident $(, $more:ident)*) batched $batch:expr => { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? } )*) => {
        $(
            #[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
            #[diesel(table_name = $table)]
            #[serde(deny_unknown_fields)]
            pub struct $name { $($(#[$fmeta])* pub $field: $ty),* }
        )*

        /// One line of a dataset file.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type", content = "data", rename_all = "snake_case")]
        pub enum Record { $($variant($name)),* }

        impl Record {
            pub fn type_name(&self) -> &'static str {
                match self { $(Self::$variant(_) => stringify!($table)),* }
            }
        }

        /// Every record type, in the order a file holds them (what a record points to comes first).
        pub const TYPES: &[&str] = &[$(stringify!($table)),*];

        /// Writes every table in order; returns the number of records per type.
        pub fn export(conn: &mut DbConnection, out: &mut dyn Write, mut progress: impl FnMut(&str, usize)) -> Result<BTreeMap<&'static str, usize>, String> {
            let mut counts = BTreeMap::new();
            $(
                let mut n = 0usize;
                let mut after: Option<i64> = None;
                loop {
                    let mut q = $table::table.order(($table::$key, $($table::$more),*)).select($name::as_select()).into_boxed::<crate::db::MultiBackend>();
                    // Only a unique first key can be paged by; the link tables (batch 0) are read whole.
                    let batch: i64 = $batch;
                    if batch > 0 {
                        q = q.limit(batch);
                    }
                    if let Some(a) = after {
                        q = q.filter($table::$key.gt(a));
                    }
                    let rows: Vec<$name> = q.load(conn).map_err(|e| format!("reading {}: {e}", stringify!($table)))?;
                    let done = batch == 0 || (rows.len() as i64) < batch;
                    for row in rows {
                        after = Some(row.$key);
                        serde_json::to_writer(&mut *out, &Record::$variant(row)).map_err(|e| e.to_string())?;
                        out.write_all(b"\n").map_err(|e| e.to_string())?;
                        n += 1;
                    }
                    progress(stringify!($table), n);
                    if done {
                        break;
                    }
                }
                counts.insert(stringify!($table), n);
            )*
            Ok(counts)
        }

        /// Inserts a batch of records of one type, with the backend's multi-row insert.
        fn insert_batch(conn: &mut DbConnection, batch: Vec<Record>) -> QueryResult<()> {
            let Some(first) = batch.first() else { return Ok(()) };
            match first {
                $(
                    Record::$variant(_) => {
                        let rows: Vec<$name> = batch.into_iter().filter_map(|r| match r { Record::$variant(x) => Some(x), _ => None }).collect();
                        match conn {
                            DbConnection::Pg(c) => diesel::insert_into($table::table).values(&rows).execute(c)?,
                            DbConnection::Sqlite(c) => diesel::insert_into($table::table).values(&rows).execute(c)?,
                        };
                    }
                )*
            }
            Ok(())
        }

        /// True when no table holds content. Accounts don't count: an import over HTTP needs the
        /// admin who sends it; imported users that clash with existing ones fail on their line.
        pub fn is_empty(conn: &mut DbConnection) -> QueryResult<bool> {
            $(
                if stringify!($table) != "users" {
                    let n: i64 = $table::table.count().get_result(conn)?;
                    if n > 0 {
                        return Ok(false);
                    }
                }
            )*
            Ok(true)
        }
    };
}

records! {
    Organization(OrganizationRecord) => organizations order (id) batched BATCH => {
        id: i64, name: String, short_name: Option<String>, kind: String, level: String, parent_id: Option<i64>,
        locality: Option<String>, valid_from: Option<NaiveDate>, valid_to: Option<NaiveDate>, successor_id: Option<i64>,
        created_at: NaiveDateTime, updated_at: NaiveDateTime, version: i64,
    }
    Person(PersonRecord) => people order (id) batched BATCH => {
        id: i64, full_name: String, current_title: Option<String>, organization_id: Option<i64>,
        created_at: NaiveDateTime, updated_at: NaiveDateTime, version: i64,
    }
    Media(MediaRecord) => media order (id) batched BATCH => {
        id: i64, kind: String, content_type: String, byte_size: i64, width: i32, height: i32, caption: Option<String>,
        alt_text: Option<String>, credit: Option<String>, sha256: String, created_at: NaiveDateTime, updated_at: NaiveDateTime, version: i64,
    }
    Tag(TagRecord) => tags order (id) batched BATCH => {
        id: i64, name: String, slug: String, description: Option<String>, name_folded: String,
        created_at: NaiveDateTime, updated_at: NaiveDateTime, version: i64,
    }
    MediaFile(MediaFileRecord) => media_files order (media_id, variant) batched 0 => {
        media_id: i64, variant: String, content_type: String, width: i32, height: i32, byte_size: i64, sha256: String,
    }
    MediaBlob(MediaBlobRecord) => media_blobs order (id) batched BLOB_BATCH => {
        id: i64, media_id: i64, variant: String, #[serde(with = "base64_bytes")] bytes: Vec<u8>,
    }
    Meeting(MeetingRecord) => meetings order (id) batched BATCH => {
        id: i64, title: String, kind: String, date: NaiveDate, part_of_day: Option<String>, starts_at: Option<NaiveDateTime>,
        location: Option<String>, chair_person_id: Option<i64>, topic: Option<String>, period_label: Option<String>,
        summary: Option<String>, status: String, created_at: NaiveDateTime, updated_at: NaiveDateTime, version: i64,
    }
    Article(ArticleRecord) => articles order (id) batched BATCH => {
        id: i64, slug: String, title: String, summary: Option<String>, body: String, category: Option<String>,
        source_name: Option<String>, source_url: Option<String>, status: String, published_at: Option<NaiveDateTime>,
        cover_media_id: Option<i64>, created_at: NaiveDateTime, updated_at: NaiveDateTime, version: i64,
    }
    Attendee(AttendeeRecord) => attendees order (id) batched BATCH => {
        id: i64, meeting_id: i64, person_id: i64, role: String, title_at_meeting: Option<String>, organization_id: Option<i64>,
        created_at: NaiveDateTime, updated_at: NaiveDateTime, version: i64,
    }
    Directive(DirectiveRecord) => directives order (id) batched BATCH => {
        id: i64, meeting_id: i64, ordinal: Option<i32>, text: String, issued_by_person_id: Option<i64>,
        lead_organization_id: Option<i64>, source_document: Option<String>, due_date: Option<NaiveDate>, status: String,
        completed_at: Option<NaiveDateTime>, created_at: NaiveDateTime, updated_at: NaiveDateTime, version: i64,
        completed_on: Option<NaiveDate>, cancelled_on: Option<NaiveDate>,
    }
    User(UserRecord) => users order (id) batched BATCH => {
        id: i64, username: String, display_name: Option<String>, password_hash: String, role: String,
        disabled_at: Option<NaiveDateTime>, created_at: NaiveDateTime, updated_at: NaiveDateTime, version: i64,
        #[serde(default)] tokens_valid_after: Option<NaiveDateTime>,
    }
    ArticleRevision(ArticleRevisionRecord) => article_revisions order (id) batched BATCH => {
        id: i64, article_id: i64, version: i64, changed_at: NaiveDateTime, changed_by_user_id: Option<i64>,
        content: String,
    }
    DirectiveUpdate(DirectiveUpdateRecord) => directive_updates order (id) batched BATCH => {
        id: i64, directive_id: i64, note: String, status: Option<String>, author_user_id: Option<i64>, author_name: String,
        created_at: NaiveDateTime, updated_at: NaiveDateTime, version: i64,
        #[serde(default)] author_name_is_login: bool,
    }
    Target(TargetRecord) => targets order (id) batched BATCH => {
        id: i64, organization_id: i64, meeting_id: Option<i64>, indicator: String, unit: String, period_label: String,
        period_start: Option<NaiveDate>, period_end: Option<NaiveDate>, plan_value: Option<f64>, actual_value: Option<f64>,
        as_of: Option<NaiveDate>, direction: String, reported_percent: Option<f64>, note: Option<String>,
        created_at: NaiveDateTime, updated_at: NaiveDateTime, version: i64, indicator_folded: String,
    }
    MeetingOrganization(MeetingOrganizationRecord) => meeting_organizations order (meeting_id, organization_id) batched 0 => {
        meeting_id: i64, organization_id: i64, role: String, position: i32,
    }
    ArticleAuthor(ArticleAuthorRecord) => article_authors order (article_id, position) batched 0 => {
        article_id: i64, position: i32, name: String,
    }
    ArticleMeeting(ArticleMeetingRecord) => article_meetings order (article_id, meeting_id) batched 0 => {
        article_id: i64, meeting_id: i64, position: i32,
    }
    ArticleMedia(ArticleMediaRecord) => article_media order (article_id, position) batched 0 => {
        article_id: i64, position: i32, media_id: i64, caption: Option<String>,
    }
    ArticleTag(ArticleTagRecord) => article_tags order (article_id, position) batched 0 => {
        article_id: i64, tag_id: i64, position: i32,
    }
    DirectiveAssignee(DirectiveAssigneeRecord) => directive_assignees order (directive_id, organization_id) batched 0 => {
        directive_id: i64, organization_id: i64, position: i32,
    }
    Change(ChangeRecord) => changes order (seq) batched BATCH => {
        seq: i64, resource: String, resource_id: i64, action: String, version: i64, public: bool, changed_at: NaiveDateTime,
    }
}

/// Bytes as standard base64 text in a dataset line.
mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// Why an import failed: the line at fault when there is one.
#[derive(Debug, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct ImportError {
    pub line: Option<usize>,
    pub message: String,
}

fn at(line: usize, message: impl Into<String>) -> ImportError {
    ImportError {
        line: Some(line),
        message: message.into(),
    }
}

fn general(message: impl Into<String>) -> ImportError {
    ImportError {
        line: None,
        message: message.into(),
    }
}

/// Rows inserted per statement.
const INSERT_BATCH: usize = 500;

/// The longest line read, in bytes: a 10 MiB media file in base64 with its record fits.
pub const MAX_LINE_BYTES: u64 = 16 * 1024 * 1024;

/// Tables whose ids come from a sequence on PostgreSQL, with that column.
const SERIAL: &[(&str, &str)] = &[
    ("organizations", "id"),
    ("people", "id"),
    ("meetings", "id"),
    ("articles", "id"),
    ("attendees", "id"),
    ("directives", "id"),
    ("users", "id"),
    ("directive_updates", "id"),
    ("article_revisions", "id"),
    ("targets", "id"),
    ("media_blobs", "id"),
    ("tags", "id"),
    ("changes", "seq"),
];

/// Reads a dataset into an empty database in one transaction: every line or none, with the
/// search documents `docs_of` reads for what came in. Calls `progress` with the bytes read so far.
pub fn import(
    conn: &mut DbConnection,
    input: &mut dyn BufRead,
    docs_of: crate::search::DocsOf,
    mut progress: impl FnMut(u64),
) -> Result<BTreeMap<String, usize>, ImportError> {
    if !is_empty(conn).map_err(|e| general(e.to_string()))? {
        return Err(general(
            "the database already holds content; import into an empty database (users may exist)",
        ));
    }
    let mut outcome: Result<BTreeMap<String, usize>, ImportError> = Err(general("not run"));
    let result = crate::db::transaction(conn, |conn| {
        outcome = import_lines(conn, input, docs_of, &mut progress);
        match &outcome {
            Ok(_) => Ok(()),
            Err(e) => Err(crate::error::ApiError::bad_request(e.to_string())),
        }
    });
    match (result, outcome) {
        (Ok(()), Ok(counts)) => Ok(counts),
        (_, Err(e)) => Err(e),
        (Err(e), Ok(_)) => Err(general(format!("the import could not be committed: {e}"))),
    }
}

fn import_lines(
    conn: &mut DbConnection,
    input: &mut dyn BufRead,
    docs_of: crate::search::DocsOf,
    progress: &mut dyn FnMut(u64),
) -> Result<BTreeMap<String, usize>, ImportError> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut batch: Vec<(usize, Record)> = Vec::new();
    // Organizations point at each other: inserted without the pointers, which are set after.
    let mut org_links: Vec<(usize, i64, Option<i64>, Option<i64>)> = Vec::new();
    let mut line_no = 0usize;
    let mut read = 0u64;
    let mut buf = String::new();
    // The content type of each media file seen, which its bytes must match.
    let mut media_types: HashMap<(i64, String), String> = HashMap::new();
    let mut restamped: Vec<(i64, String, i64, String)> = Vec::new();
    loop {
        buf.clear();
        let n = std::io::Read::take(&mut *input, MAX_LINE_BYTES + 1)
            .read_line(&mut buf)
            .map_err(|e| general(format!("cannot read the input: {e}")))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if n as u64 > MAX_LINE_BYTES {
            return Err(at(
                line_no,
                format!("the line is longer than {MAX_LINE_BYTES} bytes"),
            ));
        }
        read += n as u64;
        if line_no % 1000 == 0 {
            progress(read);
        }
        let text = buf.trim();
        if text.is_empty() {
            continue;
        }
        let mut record: Record = serde_json::from_str(text)
            .map_err(|e| at(line_no, format!("not a record of a known type: {e}")))?;
        check_media(&mut record, &mut media_types, &mut restamped).map_err(|m| at(line_no, m))?;
        if let Record::Organization(org) = &mut record {
            if org.parent_id.is_some() || org.successor_id.is_some() {
                org_links.push((
                    line_no,
                    org.id,
                    org.parent_id.take(),
                    org.successor_id.take(),
                ));
            }
        }
        let same_type = batch
            .first()
            .is_some_and(|(_, r)| r.type_name() == record.type_name());
        let most = if record.type_name() == "media_blobs" {
            BLOB_BATCH as usize
        } else {
            INSERT_BATCH
        };
        if !batch.is_empty() && (!same_type || batch.len() >= most) {
            flush(conn, std::mem::take(&mut batch), &mut counts)?;
        }
        batch.push((line_no, record));
    }
    flush(conn, batch, &mut counts)?;
    for (media_id, variant, byte_size, sha256) in restamped {
        diesel::update(
            media_files::table
                .filter(media_files::media_id.eq(media_id))
                .filter(media_files::variant.eq(&variant)),
        )
        .set((
            media_files::byte_size.eq(byte_size),
            media_files::sha256.eq(sha256),
        ))
        .execute(conn)
        .map_err(|e| general(format!("media {media_id} {variant}: {e}")))?;
    }
    for (line, id, parent, successor) in org_links {
        diesel::update(organizations::table.find(id))
            .set((
                organizations::parent_id.eq(parent),
                organizations::successor_id.eq(successor),
            ))
            .execute(conn)
            .map_err(|e| at(line, format!("organization {id}: {e}")))?;
    }
    // The search index is derived data: built for what came in, inside the same transaction.
    crate::search::index_missing(conn, docs_of)
        .map_err(|e| general(format!("cannot index the imported records: {e}")))?;
    if let DbConnection::Pg(pg) = conn {
        for (table, column) in SERIAL {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), COALESCE((SELECT MAX({column}) FROM {table}), 1), (SELECT MAX({column}) FROM {table}) IS NOT NULL)"
            ))
            .execute(pg)
            .map_err(|e| general(format!("cannot move the {table} sequence: {e}")))?;
        }
    }
    progress(read);
    Ok(counts)
}

/// Media come in as uploads do: only JPEG, PNG and WebP, known by their bytes, within the upload
/// limits, with their metadata dropped (see [`crate::media::process::strip_metadata`]; files this
/// service wrote have none, so an export imports unchanged).
fn check_media(
    record: &mut Record,
    media_types: &mut HashMap<(i64, String), String>,
    restamped: &mut Vec<(i64, String, i64, String)>,
) -> Result<(), String> {
    use crate::media::process;
    let allowed = |content_type: &str| {
        process::format_of_content_type(content_type).ok_or_else(|| {
            format!("`{content_type}` is not an accepted image type (image/jpeg, image/png, image/webp)")
        })
    };
    match record {
        Record::Media(m) => {
            allowed(&m.content_type)?;
        }
        Record::MediaFile(f) => {
            allowed(&f.content_type)?;
            if process::Variant::parse(&f.variant).is_none() {
                return Err(format!("`{}` is not a media file variant", f.variant));
            }
            media_types.insert((f.media_id, f.variant.clone()), f.content_type.clone());
        }
        Record::MediaBlob(b) => {
            let declared = media_types
                .get(&(b.media_id, b.variant.clone()))
                .ok_or_else(|| {
                    format!(
                        "media {} has no `{}` file before its bytes",
                        b.media_id, b.variant
                    )
                })?;
            if b.bytes.len() > process::MAX_BYTES * 2 {
                return Err(format!(
                    "media {} {}: {} bytes, more than any file an upload makes",
                    b.media_id,
                    b.variant,
                    b.bytes.len()
                ));
            }
            let format = process::sniff(&b.bytes)
                .filter(|f| process::content_type(*f) == declared)
                .ok_or_else(|| {
                    format!(
                        "media {} {}: the bytes are not the {declared} its file says",
                        b.media_id, b.variant
                    )
                })?;
            process::check_dimensions(&b.bytes, format).map_err(|e| {
                let why = match e {
                    crate::error::ApiError::Validation(errors) => errors
                        .into_iter()
                        .map(|f| format!("the file {}", f.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                    other => other.to_string(),
                };
                format!("media {} {}: {why}", b.media_id, b.variant)
            })?;
            let clean = process::strip_metadata(&b.bytes, format).ok_or_else(|| {
                format!(
                    "media {} {}: not a well-formed {declared} file",
                    b.media_id, b.variant
                )
            })?;
            if clean != b.bytes {
                // The file's size and hash (its ETag) follow the bytes kept.
                restamped.push((
                    b.media_id,
                    b.variant.clone(),
                    clean.len() as i64,
                    process::sha256_hex(&clean),
                ));
                b.bytes = clean;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Inserts a batch; when it fails, finds the first failing line by inserting one record at a time.
fn flush(
    conn: &mut DbConnection,
    batch: Vec<(usize, Record)>,
    counts: &mut BTreeMap<String, usize>,
) -> Result<(), ImportError> {
    let Some((first_line, first)) = batch.first() else {
        return Ok(());
    };
    let (first_line, type_name) = (*first_line, first.type_name());
    let n = batch.len();
    let records: Vec<Record> = batch.iter().map(|(_, r)| r.clone()).collect();
    let whole = conn.transaction(|conn| insert_batch(conn, records));
    if whole.is_err() {
        for (line, record) in batch {
            conn.transaction(|conn| insert_batch(conn, vec![record]))
                .map_err(|e| at(line, format!("{type_name}: {e}")))?;
        }
        return Err(at(
            first_line,
            format!("{type_name}: the batch failed but no single line did"),
        ));
    }
    *counts.entry(type_name.to_owned()).or_default() += n;
    Ok(())
}
