//! Keyset pagination shared by every list: `limit`, signed opaque cursors, `Link: rel="next"`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// Signs cursors so that a client cannot forge or alter one. Every server behind a load balancer
/// derives the same key from the shared secret, so a cursor from one is good at another.
#[derive(Clone)]
pub struct CursorKey(Hmac<Sha256>);

impl CursorKey {
    pub fn derive(secret: &[u8]) -> Self {
        let mut outer =
            <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable_hmac());
        outer.update(b"bantin cursor key v1");
        let key = outer.finalize().into_bytes();
        Self(<Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap_or_else(|_| unreachable_hmac()))
    }

    /// Signs `payload` as a cursor of `list`: the payload and its tag, each in base64url, joined
    /// by a dot. `CursorPos::decode` opens it.
    pub fn seal(&self, list: &str, payload: &[u8]) -> String {
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(self.tag(list, payload))
        )
    }

    fn tag(&self, list: &str, payload: &[u8]) -> Vec<u8> {
        let mut mac = self.0.clone();
        mac.update(list.as_bytes());
        mac.update(b"\0");
        mac.update(payload);
        mac.finalize().into_bytes()[..16].to_vec()
    }
}

// HMAC accepts keys of any length; this cannot happen.
fn unreachable_hmac() -> Hmac<Sha256> {
    panic!("HMAC-SHA256 rejected a key")
}

/// Where the previous page ended: the sort in force, the last row's sort value and id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CursorPos {
    /// The sort key the cursor was made for (e.g. `-published_at`).
    #[serde(rename = "s")]
    pub sort: String,
    /// The last row's value of the sort key (`null` when the row had none).
    #[serde(rename = "v")]
    pub value: serde_json::Value,
    /// The last row's id, which breaks ties.
    #[serde(rename = "i")]
    pub id: i64,
}

impl CursorPos {
    pub fn encode(&self, key: &CursorKey, list: &str) -> String {
        key.seal(list, &serde_json::to_vec(self).unwrap_or_default())
    }

    /// Decodes a cursor issued for `list` and `sort`; anything else is a 400.
    pub fn decode(raw: &str, key: &CursorKey, list: &str, sort: &str) -> ApiResult<Self> {
        let bad = || {
            ApiError::bad_param(
                "cursor",
                "is not a cursor this list issued; start again without one",
            )
        };
        let (payload_b64, tag_b64) = raw.split_once('.').ok_or_else(bad)?;
        let payload = URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| bad())?;
        let tag = URL_SAFE_NO_PAD.decode(tag_b64).map_err(|_| bad())?;
        let expected = key.tag(list, &payload);
        if !constant_time_eq(&tag, &expected) {
            return Err(bad());
        }
        let pos: CursorPos = serde_json::from_slice(&payload).map_err(|_| bad())?;
        if pos.sort != sort {
            return Err(ApiError::bad_param(
                "cursor",
                format!("was issued for sort `{}`, not `{sort}`", pos.sort),
            ));
        }
        Ok(pos)
    }
}

/// Compares secrets in time that depends on their length only.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The validated paging parameters of one list request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: u32,
    pub after: Option<CursorPos>,
    pub count: bool,
}

/// One list and the order it is read in: what a cursor is bound to.
#[derive(Clone)]
pub struct Listing {
    key: CursorKey,
    list: &'static str,
    sort: &'static str,
}

impl Listing {
    pub fn new(key: &CursorKey, list: &'static str, sort: &'static str) -> Self {
        Self {
            key: key.clone(),
            list,
            sort,
        }
    }
}

impl CursorPos {
    /// The position's value as a date (`YYYY-MM-DD`), for lists ordered by one.
    pub fn date(&self) -> Option<chrono::NaiveDate> {
        self.value
            .as_str()
            .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    }
}

impl Listing {
    /// A cursor for this list at `(value, id)`.
    pub fn cursor_at(&self, value: serde_json::Value, id: i64) -> String {
        CursorPos {
            sort: self.sort.to_owned(),
            value,
            id,
        }
        .encode(&self.key, self.list)
    }
}

impl PageRequest {
    pub fn new(
        limit: Option<u32>,
        cursor: Option<&str>,
        count: Option<bool>,
        listing: &Listing,
    ) -> ApiResult<Self> {
        let (key, list, sort) = (&listing.key, listing.list, listing.sort);
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::bad_param(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match cursor {
            Some(raw) if !raw.is_empty() => Some(CursorPos::decode(raw, key, list, sort)?),
            _ => None,
        };
        Ok(Self {
            limit,
            after,
            count: count.unwrap_or(false),
        })
    }

    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

/// Paging facts returned with every list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageInfo {
    /// The page size used.
    #[schema(example = 20)]
    pub limit: u32,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// How many records match the filters; present only with `count=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    /// The records of this page, in the requested order.
    pub data: Vec<T>,
    pub page: PageInfo,
}

impl PageRequest {
    /// Cuts the extra row and makes the next cursor from the last row kept.
    pub fn take_page<R>(
        &self,
        mut rows: Vec<R>,
        listing: &Listing,
        position: impl Fn(&R) -> (serde_json::Value, i64),
    ) -> (Vec<R>, Option<String>) {
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next_cursor = if more {
            rows.last().map(|last| {
                let (value, id) = position(last);
                listing.cursor_at(value, id)
            })
        } else {
            None
        };
        (rows, next_cursor)
    }

    /// The page around `data`.
    pub fn page<T: ToSchema>(
        &self,
        data: Vec<T>,
        total: Option<i64>,
        next_cursor: Option<String>,
    ) -> Page<T> {
        Page {
            data,
            page: PageInfo {
                limit: self.limit,
                next_cursor,
                total,
            },
        }
    }
}

/// Cuts the extra row, makes the next cursor from the last row kept, and returns the page.
pub fn paginate<R, T: ToSchema>(
    rows: Vec<R>,
    req: &PageRequest,
    total: Option<i64>,
    listing: &Listing,
    position: impl Fn(&R) -> (serde_json::Value, i64),
    to_dto: impl FnMut(R) -> T,
) -> Page<T> {
    let (rows, next_cursor) = req.take_page(rows, listing, position);
    req.page(rows.into_iter().map(to_dto).collect(), total, next_cursor)
}

/// Adds `Link: <…>; rel="next"` (relative to this server) when another page follows.
/// A page as the answer: its JSON with an ETag (304 on `If-None-Match`), and a `Link` to the next
/// page when there is one.
pub fn page_response(
    req: &HttpRequest,
    page: &impl Serialize,
    next_cursor: Option<&str>,
) -> ApiResult<HttpResponse> {
    let mut res = crate::http::etag::json_response(
        req,
        actix_web::http::StatusCode::OK,
        page,
        crate::http::etag::Tag::Body,
    )?;
    link_next(req, &mut res, next_cursor);
    Ok(res)
}

/// A list's order over its rows `R`: where a row stands in it, for cursors.
pub trait ListOrder<R>: Copy + Send + 'static {
    /// The row's value in this order, and its id.
    fn position(self, row: &R) -> (serde_json::Value, i64);
}

/// Id order, given how to read a row's id.
impl<R> ListOrder<R> for fn(&R) -> i64
where
    R: 'static,
{
    fn position(self, row: &R) -> (serde_json::Value, i64) {
        (serde_json::Value::Null, self(row))
    }
}

/// How one request reads a page of a list in the list's own order alone (no best match): the
/// page asked for and the fields of its records.
pub struct KeysetPlan {
    pub page: PageRequest,
    listing: Listing,
    fields: crate::http::fields::FieldSelection,
}

impl KeysetPlan {
    /// The plan for one page of records `T` of the list named `list`, as `query` asks for it,
    /// `sort` being the cursor key of the list's order.
    pub fn new<T: crate::http::fields::Fielded>(
        key: &CursorKey,
        (list, sort): (&'static str, &'static str),
        query: &impl PagedList,
    ) -> ApiResult<Self> {
        let fields = crate::http::fields::FieldSelection::parse::<T>(
            query.fields(),
            &crate::http::include::Includes::default(),
        )?;
        let listing = Listing::new(key, list, sort);
        let page = query.page_request(&listing)?;
        Ok(Self {
            page,
            listing,
            fields,
        })
    }

    /// Answers the page: `keyset` reads it under `filter` in `sort`'s order (and the total when
    /// asked), `finish` turns the rows into the records answered.
    pub async fn answer<F, S, R, T, Keyset, Finish>(
        self,
        (req, db): (&HttpRequest, &crate::db::Db),
        (filter, sort): (F, S),
        keyset: Keyset,
        finish: Finish,
    ) -> ApiResult<HttpResponse>
    where
        F: Send + 'static,
        S: ListOrder<R>,
        R: Send + 'static,
        T: Serialize + ToSchema + Send + 'static,
        Keyset: FnOnce(
                &mut crate::db::DbConnection,
                &F,
                S,
                &PageRequest,
            ) -> diesel::QueryResult<(Vec<R>, Option<i64>)>
            + Send
            + 'static,
        Finish: FnOnce(&mut crate::db::DbConnection, Vec<R>) -> ApiResult<Vec<T>> + Send + 'static,
    {
        let Self {
            page,
            listing,
            fields,
        } = self;
        let body = db
            .run(move |conn| {
                let (rows, total) = keyset(conn, &filter, sort, &page)?;
                let (rows, next_cursor) = page.take_page(rows, &listing, |r| sort.position(r));
                let data = finish(conn, rows)?;
                Ok(page.page(data, total, next_cursor))
            })
            .await?;
        fields.page_response(req, &body)
    }
}

/// Declares the `GET /{collection}` handler of an admin-only list in id order (users, webhooks):
/// `list` names it in its cursors, `read` loads one page of rows after the cursor (and their
/// count when asked), `row` is their type and `to` makes each its wire type. The caller imports
/// `actix_web::get`.
#[macro_export]
macro_rules! admin_list_handler {
    ($(#[doc = $doc:literal])* $name:ident, $path:literal, tag = $tag:literal, list = $list:literal,
        response = $response:ident, $described:literal,
        read = $read:path, row = $row:ty, to = $to:path $(,)?) => {
        $(#[doc = $doc])*
        #[utoipa::path(tag = $tag, params(PagingQuery), security(("bearer" = [])),
            responses((status = 200, description = $described, body = Page<$response>)))]
        #[get($path)]
        pub async fn $name(
            req: actix_web::HttpRequest,
            state: actix_web::web::Data<$crate::app::AppState>,
            caller: $crate::auth::Caller,
            query: $crate::http::query::StrictQuery<$crate::http::page::PagingQuery>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            caller.require($crate::auth::Role::Admin)?;
            let key = &state.cursor_key;
            let plan = $crate::http::page::KeysetPlan::new::<$response>(key, ($list, "id"), &query.into_inner())?;
            let keyset = move |conn: &mut _, _: &(), _, page: &_| $read(conn, page);
            let finish = move |_: &mut _, rows: Vec<_>| Ok(rows.into_iter().map($to).collect());
            let id_of: fn(&$row) -> i64 = |r| r.id;
            plan.answer((&req, &state.db), ((), id_of), keyset, finish).await
        }
    };
}

pub fn link_next(req: &HttpRequest, res: &mut HttpResponse, next_cursor: Option<&str>) {
    let Some(cursor) = next_cursor else { return };
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if k != "cursor" {
            query.append_pair(&k, &v);
        }
    }
    query.append_pair("cursor", cursor);
    let link = format!("<{}?{}>; rel=\"next\"", req.path(), query.finish());
    if let Ok(value) = header::HeaderValue::from_str(&link) {
        res.headers_mut().insert(header::LINK, value);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cursor_value_round_trips_whatever_its_digits() {
        // A number too long for an f64 is read correctly rounded, so what the server writes back
        // from it reads as the same value.
        let key = CursorKey::derive(b"a secret");
        let payload = b"{\"s\":\"-published_at\",\t\r\r\r\t\r\r\t\"v\":\n966666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666665,\"i\"\r:\r\r\r\r\r\r\r\r\r\r\r\r\t\r\r\r\r\r\r\r\r4}";
        let raw = key.seal("articles", payload);
        let pos = CursorPos::decode(&raw, &key, "articles", "-published_at").unwrap();
        let again = CursorPos::decode(
            &pos.encode(&key, "articles"),
            &key,
            "articles",
            "-published_at",
        )
        .unwrap();
        assert_eq!(again, pos);
    }

    use super::*;

    fn key() -> CursorKey {
        CursorKey::derive(b"0123456789abcdef0123456789abcdef")
    }

    fn pos() -> CursorPos {
        CursorPos {
            sort: "-published_at".into(),
            value: serde_json::json!("2021-11-07T20:42:00Z"),
            id: 7,
        }
    }

    #[test]
    fn a_cursor_round_trips() {
        let c = pos().encode(&key(), "articles");
        assert_eq!(
            CursorPos::decode(&c, &key(), "articles", "-published_at").unwrap(),
            pos()
        );
    }

    #[test]
    fn a_tampered_cursor_is_refused() {
        let c = pos().encode(&key(), "articles");
        let (payload, tag) = c.split_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
        let n = bytes.len();
        bytes[n - 2] = b'8';
        let forged = format!("{}.{}", URL_SAFE_NO_PAD.encode(bytes), tag);
        assert!(CursorPos::decode(&forged, &key(), "articles", "-published_at").is_err());
        assert!(CursorPos::decode("garbage", &key(), "articles", "-published_at").is_err());
        assert!(CursorPos::decode(&c, &key(), "meetings", "-published_at").is_err());
        assert!(CursorPos::decode(&c, &key(), "articles", "updated_at").is_err());
        let other = CursorKey::derive(b"another secret of at least 32 bytes!!");
        assert!(CursorPos::decode(&c, &other, "articles", "-published_at").is_err());
    }

    #[test]
    fn limits_outside_the_range_are_refused() {
        let listing = Listing::new(&key(), "a", "s");
        for bad in [0, 101] {
            assert!(PageRequest::new(Some(bad), None, None, &listing).is_err());
        }
        assert_eq!(
            PageRequest::new(None, None, None, &listing).unwrap().limit,
            20
        );
    }
}

/// Declares a list's query parameters: `limit`, `cursor` and `count`, then the fields given. The
/// struct refuses unknown parameters and can build its [`PageRequest`].
#[macro_export]
macro_rules! list_query {
    // A list that `q` searches: its `sort` and `q` come first, with the rules every search shares.
    ($(#[$meta:meta])* pub struct $name:ident {
        sort: $sort:ty => $sort_doc:literal,
        q => $q_doc:literal, example = $q_example:literal,
        $($fields:tt)*
    }) => {
        $crate::list_query! {
            $(#[$meta])*
            pub struct $name {
                #[doc = $sort_doc]
                #[param(inline)]
                pub sort: Option<$sort>,
                #[doc = $q_doc]
                #[doc = "At most 200 characters; see `GET /search` for the whole syntax."]
                #[doc = "With other filters, each request examines at most 20,000 matches: a page \
                    may then hold fewer records than `limit`, even none, and still a \
                    `next_cursor` to go on from."]
                #[param(example = $q_example)]
                pub q: Option<String>,
                $($fields)*
            }
        }

        impl $crate::http::page::SearchableList for $name {
            fn q(&self) -> Option<&str> {
                self.q.as_deref()
            }

            fn sorted(&self) -> bool {
                self.sort.is_some()
            }
        }
    };
    ($(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// Page size.
            #[param(minimum = 1, maximum = 100, default = 20)]
            pub limit: Option<u32>,
            /// The `page.next_cursor` of the previous page.
            pub cursor: Option<String>,
            /// Also return `page.total`, the number of matching records.
            pub count: Option<bool>,
            /// Only these top-level fields, comma-separated, besides `id` and what `include`
            /// embeds: a lighter answer (a field left out is not read from the database either).
            /// An unknown name is a 400. At most 1,000 characters.
            #[param(example = "title,published_at")]
            pub fields: Option<String>,
            $($fields)*
        }

        impl $name {
            /// The page asked for, in `listing`'s order.
            pub fn page_request(
                &self,
                listing: &$crate::http::page::Listing,
            ) -> $crate::error::ApiResult<$crate::http::page::PageRequest> {
                $crate::http::page::PageRequest::new(
                    self.limit,
                    self.cursor.as_deref(),
                    self.count,
                    listing,
                )
            }
        }

        impl $crate::http::page::PagedList for $name {
            fn page_request(
                &self,
                listing: &$crate::http::page::Listing,
            ) -> $crate::error::ApiResult<$crate::http::page::PageRequest> {
                $name::page_request(self, listing)
            }

            fn fields(&self) -> Option<&str> {
                self.fields.as_deref()
            }
        }
    };
}

/// The query of a list.
pub trait PagedList {
    /// The page asked for, in `listing`'s order.
    fn page_request(&self, listing: &Listing) -> ApiResult<PageRequest>;
    /// The `fields` asked for.
    fn fields(&self) -> Option<&str>;
}

/// The query of a list that `q` may search and order by best match.
pub trait SearchableList: PagedList {
    /// The search text.
    fn q(&self) -> Option<&str>;
    /// Whether the query chose an order.
    fn sorted(&self) -> bool;
}

crate::list_query! {
    /// Query parameters of a list that only pages.
    pub struct PagingQuery {}
}
