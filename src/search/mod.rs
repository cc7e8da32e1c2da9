//! Full-text search that ignores case and Vietnamese diacritics, on both backends.
//!
//! One table, `search_documents`, holds a document per searchable record: its title and body
//! folded ([`crate::text::fold`]; SQL cannot fold Vietnamese) and as written (for snippets), whether
//! anonymous callers may see it, and the time that orders equal matches. [`index`] and [`remove`]
//! are the only writers; every write path calls them inside its own transaction, through
//! [`refresh`] for records it created or changed.
//!
//! Each backend keeps its own index of that table in `search_fts`, written by triggers (so code
//! writes `search_documents` only) and read with the same query shape, `id IN (SELECT … FROM
//! search_fts …)`:
//! - PostgreSQL: a table of `tsvector`s with GIN indexes: the title's, and the document's
//!   (`setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')`),
//!   matched with `tsquery`s (see [`Query::to_tsquery`]). Stored, not an expression index: a plan
//!   that checks documents one by one (newest first, until a page is full) then reads a vector
//!   instead of rebuilding it from the text, which measured 2 s for a common word on 100,000
//!   articles.
//! - SQLite: an FTS5 table over the same folded columns (external content).
//!
//! Both tokenize folded text the same way (words are runs of letters and digits, and a phrase is
//! matched within the title or within the body, never across the two), so both find the same
//! records. PostgreSQL keeps word positions up to 16,383 only: a phrase beyond the first sixteen
//! thousand words of one very long text may be missed there.
//!
//! Results come best match first: records whose folded title holds every term to find, then the
//! rest; within each, the newest first (`recency`), then the latest indexed. That order is exact on
//! both backends (no floating-point rank), so keyset cursors work in it.
//!
//! What each resource puts in its document (a resource's `search_docs` builds them):
//! articles: title; summary, body and authors. Meetings: title; topic, summary and period.
//! Directives: text; source document. People: full name; current title. Organizations: name;
//! short name.

pub mod api;
mod query;
pub mod snippet;

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::{sql, AsExprOf, Eq, Filter, Select};
use diesel::expression::{SqlLiteral, UncheckedBind};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use query::{Query, QueryError, Term, MAX_CHARS};

use crate::db::schema::{articles, directives, meetings, organizations, people, search_documents};
use crate::db::{Backend, DbConnection, MultiBackend};
use crate::error::{ApiError, ApiResult};
use crate::http::page::{CursorPos, ListOrder, Listing, PageRequest};

/// The kinds of record that are searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Articles,
    Meetings,
    Directives,
    People,
    Organizations,
}

crate::text_enum!(Resource {
    Articles => "articles",
    Meetings => "meetings",
    Directives => "directives",
    People => "people",
    Organizations => "organizations",
});

impl Resource {
    pub const ALL: [Resource; 5] = [
        Self::Articles,
        Self::Meetings,
        Self::Directives,
        Self::People,
        Self::Organizations,
    ];
}

/// What the index keeps of one record, as written (folding happens in [`index`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub resource: Resource,
    /// The record's id.
    pub id: i64,
    /// What a hit shows as its title; a match here ranks first.
    pub title: String,
    /// Everything else that is searched, one text per paragraph (see [`Doc::join`]).
    pub body: String,
    /// Whether anonymous callers may see the record (false for unpublished articles).
    pub public: bool,
    /// Orders equal matches: newest first.
    pub recency: NaiveDateTime,
}

impl Doc {
    /// The texts that make a body, missing ones skipped, one paragraph each.
    pub fn join<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
        parts
            .into_iter()
            .flatten()
            .filter(|p| !p.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = search_documents)]
struct DocumentRow<'a> {
    resource: &'a str,
    resource_id: i64,
    public: bool,
    recency: NaiveDateTime,
    title: String,
    body: String,
    original_title: &'a str,
    original_body: &'a str,
}

/// Puts a record in the index, or updates its document there; call inside the write's
/// transaction. The document keeps its row (and so its place in cursors) for the record's life.
pub fn index(conn: &mut DbConnection, doc: &Doc) -> QueryResult<()> {
    let row = DocumentRow {
        resource: doc.resource.as_str(),
        resource_id: doc.id,
        public: doc.public,
        recency: doc.recency,
        title: crate::text::fold(&doc.title),
        body: crate::text::fold(&doc.body),
        original_title: &doc.title,
        original_body: &doc.body,
    };
    let updated = diesel::update(
        search_documents::table
            .filter(search_documents::resource.eq(row.resource))
            .filter(search_documents::resource_id.eq(doc.id)),
    )
    .set(&row)
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(search_documents::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(())
}

/// Takes a deleted record out of the index; call inside the write's transaction.
pub fn remove(conn: &mut DbConnection, resource: Resource, id: i64) -> QueryResult<()> {
    diesel::delete(
        search_documents::table
            .filter(search_documents::resource.eq(resource.as_str()))
            .filter(search_documents::resource_id.eq(id)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Reads the documents of records `ids` of one kind from what the database holds now: each
/// resource's own (`model::search_docs`), handed to the index by the layer that knows them all.
pub type DocsOf = fn(&mut DbConnection, Resource, &[i64]) -> QueryResult<Vec<Doc>>;

/// Re-indexes records `ids` from `docs`, their documents as the database holds them now (in the
/// caller's transaction), and takes out those that have none: they are gone.
pub fn refresh(
    conn: &mut DbConnection,
    resource: Resource,
    ids: &[i64],
    docs: &[Doc],
) -> QueryResult<()> {
    for id in ids {
        match docs.iter().find(|d| d.id == *id) {
            Some(doc) => index(conn, doc)?,
            None => remove(conn, resource, *id)?,
        }
    }
    Ok(())
}

/// Indexes every record that has no document yet (rows written before the index existed, or by
/// a bulk load), reading their documents with `docs_of`; returns how many. Run it inside a
/// transaction.
pub fn index_missing(conn: &mut DbConnection, docs_of: DocsOf) -> QueryResult<usize> {
    let mut done = 0;
    for resource in Resource::ALL {
        // NOT EXISTS, which both backends run as an anti-join (`NOT IN` is quadratic on
        // PostgreSQL when the index holds many documents).
        macro_rules! missing {
            ($table:ident) => {
                $table::table
                    .filter(diesel::dsl::not(diesel::dsl::exists(
                        search_documents::table
                            .filter(search_documents::resource.eq(resource.as_str()))
                            .filter(search_documents::resource_id.eq($table::id)),
                    )))
                    .select($table::id)
                    .order($table::id)
                    .load(conn)?
            };
        }
        let missing: Vec<i64> = match resource {
            Resource::Articles => missing!(articles),
            Resource::Meetings => missing!(meetings),
            Resource::Directives => missing!(directives),
            Resource::People => missing!(people),
            Resource::Organizations => missing!(organizations),
        };
        for chunk in missing.chunks(500) {
            for doc in docs_of(conn, resource, chunk)? {
                index(conn, &doc)?;
                done += 1;
            }
        }
    }
    Ok(done)
}

/// After a bulk indexing: merges SQLite's FTS5 segments into one (faster to query) and refreshes
/// PostgreSQL's statistics of the table (so that the planner knows the new documents).
pub fn optimize(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Pg(pg) => pg.batch_execute("ANALYZE search_documents; ANALYZE search_fts"),
        DbConnection::Sqlite(sqlite) => {
            sqlite.batch_execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
        }
    }
}

/// The backend's matching condition: SQL with the query bound as text. A concrete type (not
/// boxed), so that it can stand in a subquery of another table's list.
type Matches = SqlLiteral<Bool, UncheckedBind<SqlLiteral<Bool>, AsExprOf<String, Text>>>;

/// The ids of the records of one resource that match (see [`Matcher::ids`]).
pub type MatchingIds = Select<
    Filter<Filter<search_documents::table, Eq<search_documents::resource, &'static str>>, Matches>,
    search_documents::resource_id,
>;

/// A parsed `q` and the backend it runs on: renders the matching conditions.
#[derive(Debug, Clone)]
pub struct Matcher {
    query: Query,
    backend: Backend,
    /// The most documents a narrowed list examines per request ([`MAX_EXAMINED`] unless a test
    /// sets a smaller bound).
    max_examined: i64,
}

/// Which matching documents a condition selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rank {
    /// Every matching document.
    All,
    /// Those whose title holds every term to find (tier 0), or those whose title does not (1).
    /// With `set_first`, PostgreSQL computes the whole set from its indexes before ordering it,
    /// instead of walking the documents newest first: the faster way for a small set.
    Tier { tier: i32, set_first: bool },
}

/// Up to this many titles holding every term, PostgreSQL reads the title matches as a set first.
const SMALL_SET: i64 = 1000;

/// PostgreSQL: how many titles hold every term to find, counted up to [`SMALL_SET`]. Its planner
/// cannot know (it takes the words of a query as independent), and walking the documents newest
/// first looking for a rare combination costs a hundred milliseconds where reading the set costs
/// ten.
fn small_title_set(conn: &mut DbConnection, m: &Matcher) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let DbConnection::Pg(pg) = conn else {
        return Ok(false);
    };
    let count: Count = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM (SELECT 1 FROM search_fts \
         WHERE title @@ to_tsquery('simple', $1) LIMIT {SMALL_SET}) AS t"
    ))
    .bind::<Text, _>(m.query.to_tsquery_title())
    .get_result(pg)?;
    Ok(count.n < SMALL_SET)
}

impl Matcher {
    pub fn new(query: Query, backend: Backend) -> Self {
        Self {
            query,
            backend,
            max_examined: MAX_EXAMINED,
        }
    }

    /// Reads the `q` parameter: `None` when absent, a 400 naming `q` when it has nothing to find
    /// or is too long. `max_examined` bounds the work of a narrowed list (see [`MAX_EXAMINED`]).
    pub fn from_param(
        q: Option<&str>,
        backend: Backend,
        max_examined: i64,
    ) -> ApiResult<Option<Self>> {
        q.map(|q| {
            Query::parse(q)
                .map(|query| Self {
                    max_examined: max_examined.clamp(1, MAX_EXAMINED),
                    ..Self::new(query, backend)
                })
                .map_err(|e| ApiError::bad_param("q", e.to_string()))
        })
        .transpose()
    }

    pub fn query(&self) -> &Query {
        &self.query
    }

    /// The documents of `rank` that hold every term to find and none to exclude: membership in
    /// the backend's index (`search_fts` on both, a table of vectors on PostgreSQL and an FTS5
    /// table on SQLite).
    fn matches(&self, rank: Rank) -> Matches {
        let (head, query, tail) = match self.backend {
            Backend::Postgres => {
                // The title's tsquery holds folded words only (letters and digits, quoted): it is
                // written into the SQL so that the condition keeps a single bound value. It comes
                // first: a title's vector is small and read cheaply, a document's is not.
                let title = match rank {
                    Rank::All => String::new(),
                    Rank::Tier { tier, .. } => format!(
                        "{}(search_fts.title @@ to_tsquery('simple', '{}')) AND ",
                        if tier == 0 { "" } else { "NOT " },
                        self.query.to_tsquery_title().replace('\'', "''")
                    ),
                };
                (
                    format!(
                        "search_documents.id IN (SELECT search_fts.id FROM search_fts \
                         WHERE {title}search_fts.document @@ to_tsquery('simple', "
                    ),
                    self.query.to_tsquery(),
                    // OFFSET 0 keeps the planner from merging the subquery into the outer query.
                    match rank {
                        Rank::Tier {
                            set_first: true, ..
                        } => ") OFFSET 0)",
                        _ => "))",
                    }
                    .to_owned(),
                )
            }
            Backend::Sqlite => {
                let (head, query) = match rank {
                    Rank::All => (
                        "search_documents.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH "
                            .to_owned(),
                        self.query.to_fts5(),
                    ),
                    // `+` keeps SQLite from driving the query from the (possibly huge) set of
                    // matches: it walks the documents newest first and stops at the page's end,
                    // probing the set, which it builds once.
                    Rank::Tier { tier, .. } => (
                        "+search_documents.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH "
                            .to_owned(),
                        self.query.to_fts5_ranked(tier == 0),
                    ),
                };
                (head, query, ")".to_owned())
            }
        };
        sql::<Bool>(&head).bind::<Text, _>(query).sql(&tail)
    }

    /// Ids of the records of `resource` that match: a subquery for a list's filter.
    pub fn ids(&self, resource: Resource) -> MatchingIds {
        search_documents::table
            .filter(search_documents::resource.eq(resource.as_str()))
            .filter(self.matches(Rank::All))
            .select(search_documents::resource_id)
    }
}

/// Which documents a search looks at.
#[derive(Debug, Clone)]
pub struct Scope {
    pub resources: Vec<Resource>,
    /// Only what anonymous callers may see.
    pub public_only: bool,
}

/// One matching document, in the ranked order.
#[derive(Debug, Clone)]
pub struct Hit {
    pub doc_id: i64,
    pub resource: Resource,
    pub resource_id: i64,
    /// 0 for a title match, 1 otherwise.
    pub tier: i32,
    pub recency: NaiveDateTime,
}

impl Hit {
    /// The cursor position after this hit: `[tier, recency, document id]`, and the record's id.
    pub fn position(&self) -> (serde_json::Value, i64) {
        (
            serde_json::json!([
                self.tier,
                crate::time::cursor_text(self.recency),
                self.doc_id
            ]),
            self.resource_id,
        )
    }
}

/// The sort key of cursors issued in best-match order.
pub const RANKED: &str = "relevance";

/// Where a page in best-match order starts: after this tier, recency and document id.
#[derive(Debug, Clone, Copy)]
pub struct After {
    tier: i32,
    recency: NaiveDateTime,
    doc_id: i64,
}

impl After {
    /// The position a cursor issued in best-match order holds; a 400 for anything else.
    pub fn decode(cursor: &CursorPos) -> ApiResult<Self> {
        let v = cursor.value.as_array();
        let after = v.and_then(|v| {
            Some(Self {
                tier: i32::try_from(v.first()?.as_i64()?).ok()?,
                recency: crate::time::parse_cursor_text(v.get(1)?.as_str()?)?,
                doc_id: v.get(2)?.as_i64()?,
            })
        });
        after.ok_or_else(|| {
            ApiError::bad_param(
                "cursor",
                "is not a cursor this list issued; start again without one",
            )
        })
    }

    fn of(hit: &Hit) -> Self {
        Self {
            tier: hit.tier,
            recency: hit.recency,
            doc_id: hit.doc_id,
        }
    }
}

fn filtered(
    m: &Matcher,
    scope: &Scope,
    rank: Rank,
) -> search_documents::BoxedQuery<'static, MultiBackend> {
    let mut q = search_documents::table.into_boxed().filter(m.matches(rank));
    if scope.resources.len() < Resource::ALL.len() {
        let names: Vec<&'static str> = scope.resources.iter().map(|r| r.as_str()).collect();
        q = q.filter(search_documents::resource.eq_any(names));
    }
    if scope.public_only {
        q = q.filter(search_documents::public.eq(true));
    }
    q
}

/// The matching documents after `after`, best first, at most `limit`: title matches, then the
/// others, each newest first. One query per tier, each in an order that an index gives, so that
/// a common word does not cost a sort of every document that has it.
pub fn find(
    conn: &mut DbConnection,
    m: &Matcher,
    scope: &Scope,
    after: Option<After>,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let mut hits: Vec<Hit> = Vec::new();
    for tier in [0, 1] {
        let need = limit - hits.len() as i64;
        if need <= 0 {
            break;
        }
        let keyset = match after {
            Some(a) if a.tier > tier => continue,
            Some(a) if a.tier == tier => Some((a.recency, a.doc_id)),
            _ => None,
        };
        let set_first = tier == 0 && small_title_set(conn, m)?;
        let mut q = filtered(m, scope, Rank::Tier { tier, set_first });
        if let Some((recency, doc_id)) = keyset {
            q = q.filter(crate::keyset!(
                search_documents::recency,
                search_documents::id,
                recency,
                doc_id,
                lt
            ));
        }
        let rows: Vec<(i64, String, i64, NaiveDateTime)> = q
            .select((
                search_documents::id,
                search_documents::resource,
                search_documents::resource_id,
                search_documents::recency,
            ))
            .order((
                search_documents::recency.desc(),
                search_documents::id.desc(),
            ))
            .limit(need)
            .load(conn)?;
        hits.extend(
            rows.into_iter()
                .filter_map(|(doc_id, resource, resource_id, recency)| {
                    Some(Hit {
                        doc_id,
                        resource: Resource::parse(&resource)?,
                        resource_id,
                        tier,
                        recency,
                    })
                }),
        );
    }
    Ok(hits)
}

/// How many documents match.
pub fn count(conn: &mut DbConnection, m: &Matcher, scope: &Scope) -> QueryResult<i64> {
    filtered(m, scope, Rank::All).count().get_result(conn)
}

/// A list's own filters, as a list in best-match order needs them. The index knows which records
/// match and which are public; anything else (a status, a date range, an organization) the
/// list's filter decides, on the list's own table.
pub trait ListFilter {
    /// Whether it narrows the records beyond what the index knows.
    fn narrows(&self) -> bool;
    /// Those of `ids` that it lets through.
    fn allowed(&self, conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<i64>>;
    /// How many records it lets through that `m` matches.
    fn count_matching(&self, conn: &mut DbConnection, m: &Matcher) -> QueryResult<i64>;
    /// Whether only what anonymous callers may see passes.
    fn public_only(&self) -> bool {
        false
    }
}

/// One page of a resource's list in best-match order.
pub struct Ranked<R> {
    /// The page's records, in order.
    pub rows: Vec<R>,
    pub total: Option<i64>,
    pub next_cursor: Option<String>,
}

/// The most hits read at once while a list's filter lets few through.
const MAX_BATCH: i64 = 8_000;

/// The most matching documents one request of a narrowed list examines. Past it, the page holds
/// what was found (perhaps fewer records than asked, perhaps none) and a cursor that continues
/// from the last document examined: a common word under a filter that lets nothing through costs
/// a bounded amount of work per request.
pub const MAX_EXAMINED: i64 = 20_000;

/// A page of one resource's records in best-match order, narrowed by the list's `filter`: hits
/// are read in order, in batches that grow while the filter lets few through, until the page is
/// full. `load` reads the page's records by id.
pub fn ranked<R>(
    conn: &mut DbConnection,
    m: &Matcher,
    scope: &Scope,
    filter: &impl ListFilter,
    (page, listing): (&PageRequest, &Listing),
    load: impl FnOnce(&mut DbConnection, &[i64]) -> QueryResult<Vec<R>>,
    id_of: impl Fn(&R) -> i64,
) -> ApiResult<Ranked<R>> {
    let narrows = filter.narrows();
    let total = match (page.count, narrows) {
        (false, _) => None,
        (true, true) => Some(filter.count_matching(conn, m)?),
        (true, false) => Some(count(conn, m, scope)?),
    };
    let want = page.fetch();
    let mut after = page.after.as_ref().map(After::decode).transpose()?;
    let mut hits: Vec<Hit> = Vec::new();
    // Unnarrowed, one read of `want` hits fills the page or ends the list; narrowed, the reads
    // are bounded by `max_examined` in all.
    let mut batch = if narrows {
        want.min(m.max_examined)
    } else {
        want
    };
    let mut examined = 0i64;
    // Set when the bound stops the walk before the page is full: where to continue.
    let mut stopped_at: Option<Hit> = None;
    loop {
        let found = find(conn, m, scope, after, batch)?;
        let exhausted = (found.len() as i64) < batch;
        examined += found.len() as i64;
        after = found.last().map(After::of);
        let last = found.last().cloned();
        if narrows {
            let ids: Vec<i64> = found.iter().map(|h| h.resource_id).collect();
            let allowed: std::collections::HashSet<i64> =
                filter.allowed(conn, &ids)?.into_iter().collect();
            hits.extend(
                found
                    .into_iter()
                    .filter(|h| allowed.contains(&h.resource_id)),
            );
        } else {
            hits.extend(found);
        }
        if hits.len() as i64 >= want || exhausted {
            break;
        }
        if narrows && examined >= m.max_examined {
            stopped_at = last;
            break;
        }
        batch = (batch * 4).min(MAX_BATCH).min(m.max_examined - examined);
    }
    hits.truncate(want as usize);
    let (hits, mut next_cursor) = page.take_page(hits, listing, Hit::position);
    if let (None, Some(last)) = (&next_cursor, stopped_at) {
        let (value, id) = last.position();
        next_cursor = Some(listing.cursor_at(value, id));
    }
    let ids: Vec<i64> = hits.iter().map(|h| h.resource_id).collect();
    let mut by_id: HashMap<i64, R> = load(conn, &ids)?
        .into_iter()
        .map(|r| (id_of(&r), r))
        .collect();
    Ok(Ranked {
        rows: ids.iter().filter_map(|id| by_id.remove(id)).collect(),
        total,
        next_cursor,
    })
}

/// How one request reads a page of a list that `q` may order: with `q` and no `sort`, in
/// best-match order among the records the list's filter lets through (see [`ranked`]); else in
/// the list's own order, by its keyset.
pub struct ListPlan {
    resource: Resource,
    ranked: Option<Matcher>,
    pub page: PageRequest,
    listing: Listing,
}

impl ListPlan {
    /// The plan for one page of `resource`'s list as `query` asks for it, `key` being the cursor
    /// key of the list's order. Also returns the search the list's own filter applies (with `q`
    /// and a `sort`).
    pub fn new(
        state: &crate::app::AppState,
        resource: Resource,
        query: &impl crate::http::page::SearchableList,
        key: &'static str,
    ) -> ApiResult<(Self, Option<Matcher>)> {
        let (q, sorted) = (query.q(), query.sorted());
        let search = Matcher::from_param(q, state.db.backend(), state.search_examine_limit)?;
        let ranked = search.clone().filter(|_| !sorted);
        let key = if ranked.is_some() { RANKED } else { key };
        let listing = Listing::new(&state.cursor_key, resource.as_str(), key);
        let page = query.page_request(&listing)?;
        let own_search = if ranked.is_some() { None } else { search };
        let plan = Self {
            resource,
            ranked,
            page,
            listing,
        };
        Ok((plan, own_search))
    }

    /// The page's rows, their total when asked, and the next cursor: `by_ids` loads the rows of
    /// a best-match page, `keyset` reads a page in the list's order, and `position` is a row's
    /// place in that order.
    pub fn read<R>(
        &self,
        conn: &mut DbConnection,
        filter: &impl ListFilter,
        (by_ids, id_of): (
            impl FnOnce(&mut DbConnection, &[i64]) -> QueryResult<Vec<R>>,
            impl Fn(&R) -> i64,
        ),
        keyset: impl FnOnce(&mut DbConnection) -> QueryResult<(Vec<R>, Option<i64>)>,
        position: impl Fn(&R) -> (serde_json::Value, i64),
    ) -> ApiResult<(Vec<R>, Option<i64>, Option<String>)> {
        let (page, listing) = (&self.page, &self.listing);
        match &self.ranked {
            Some(m) => {
                let scope = Scope {
                    resources: vec![self.resource],
                    public_only: filter.public_only(),
                };
                let r = ranked(conn, m, &scope, filter, (page, listing), by_ids, id_of)?;
                Ok((r.rows, r.total, r.next_cursor))
            }
            None => {
                let (rows, total) = keyset(conn)?;
                let (rows, next_cursor) = page.take_page(rows, listing, position);
                Ok((rows, total, next_cursor))
            }
        }
    }
}

/// How a list reads its rows: those of given ids (for a best-match page), and a page in a
/// filter's own order.
pub struct ListRows<ByIds, Keyset>(pub ByIds, pub Keyset);

impl ListPlan {
    /// Answers the page under `filter` in `sort`'s order (or best-match order): `rows` reads it,
    /// `finish` turns the rows into the records answered (and embeds what they include), and
    /// `fields` narrows them.
    pub async fn answer<F, S, R, T, ByIds, Keyset, Finish>(
        self,
        (req, state): (&actix_web::HttpRequest, &crate::app::AppState),
        fields: crate::http::fields::FieldSelection,
        (filter, sort): (F, S),
        ListRows(by_ids, keyset): ListRows<ByIds, Keyset>,
        finish: Finish,
    ) -> ApiResult<actix_web::HttpResponse>
    where
        F: ListFilter + Send + 'static,
        S: ListOrder<R>,
        R: Send + 'static,
        T: serde::Serialize + utoipa::ToSchema + Send + 'static,
        ByIds: FnOnce(&mut DbConnection, &[i64]) -> QueryResult<Vec<R>> + Send + 'static,
        Keyset: FnOnce(&mut DbConnection, &F, S, &PageRequest) -> QueryResult<(Vec<R>, Option<i64>)>
            + Send
            + 'static,
        Finish: FnOnce(&mut DbConnection, Vec<R>) -> ApiResult<Vec<T>> + Send + 'static,
    {
        let body = state
            .db
            .run(move |conn| {
                let (rows, total, next_cursor) = self.read(
                    conn,
                    &filter,
                    (by_ids, |r| sort.position(r).1),
                    |conn| keyset(conn, &filter, sort, &self.page),
                    |r| sort.position(r),
                )?;
                let data = finish(conn, rows)?;
                Ok(self.page.page(data, total, next_cursor))
            })
            .await?;
        fields.page_response(req, &body)
    }
}

/// The title and body as written of each document in `doc_ids`, for hits and their snippets.
pub fn originals(
    conn: &mut DbConnection,
    doc_ids: &[i64],
) -> QueryResult<HashMap<i64, (String, String)>> {
    if doc_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String, String)> = search_documents::table
        .filter(search_documents::id.eq_any(doc_ids))
        .select((
            search_documents::id,
            search_documents::original_title,
            search_documents::original_body,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, title, body)| (id, (title, body)))
        .collect())
}
