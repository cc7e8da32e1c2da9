//! Sitemaps for search engines (sitemaps.org 0.9): an index, pages of the site's article pages,
//! and a Google News sitemap of the last two days. Only what anonymous readers may see is listed,
//! each article by its page on the site ([`crate::site::Site::article_url`]).

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use bytes::Bytes;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::app::AppState;
use crate::db::fast_time::FastTime;
use crate::db::schema::articles;
use crate::db::{Db, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{bytes_response, if_none_match, Tag};
use crate::site::Site;

/// The most URLs a sitemap may hold (sitemaps.org).
pub const PAGE_SIZE: i64 = 50_000;
/// Rows read from the database at a time while a page streams out.
const BATCH: i64 = 2_000;
/// How far back the news sitemap reaches, and how many articles it lists at most (Google News).
const NEWS_DAYS: i64 = 2;
const NEWS_MAX: i64 = 1_000;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";
const XML_TYPE: &str = "application/xml; charset=utf-8";

/// Text as XML character data or an attribute value.
fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out.into()
}

/// A whole XML document as the answer, its ETag a hash of it.
fn xml_response(req: &HttpRequest, xml: String) -> HttpResponse {
    let ok = actix_web::http::StatusCode::OK;
    bytes_response(req, ok, XML_TYPE, xml.into_bytes(), Tag::Body)
}

fn w3c(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn published() -> articles::BoxedQuery<'static, crate::db::MultiBackend> {
    articles::table
        .filter(articles::status.eq("published"))
        .filter(articles::published_at.is_not_null())
        .into_boxed()
}

/// How many published articles there are, and when any article last changed (a write that
/// changes what is listed changes that time too): what every page of the sitemap follows. Both
/// are read from indexes alone.
fn state_of_articles(conn: &mut DbConnection) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    let count: i64 = published().count().get_result(conn)?;
    let latest: Option<NaiveDateTime> = articles::table
        .select(diesel::dsl::max(articles::updated_at))
        .get_result(conn)?;
    Ok((count, latest))
}

/// A strong validator for what the sitemaps list: the articles' count and latest change, and how
/// the site names them.
fn etag_of(what: &str, (count, latest): (i64, Option<NaiveDateTime>), site: &Site) -> String {
    let key = format!(
        "{what}|{count}|{latest:?}|{:?}|{}",
        site.article_url, site.api_base
    );
    format!("\"s{:032x}\"", xxhash_rust::xxh3::xxh3_128(key.as_bytes()))
}

fn pages(count: i64) -> i64 {
    ((count + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
}

/// Sitemap index
///
/// Open to anyone. The sitemaps of the site's articles (`/sitemaps/articles-{n}.xml`, 50,000 pages each) and
/// the news sitemap. Point search engines at it from the site's `robots.txt`
/// (`Sitemap: <BANTIN_PUBLIC_URL>/sitemap.xml`).
#[utoipa::path(operation_id = "sitemap_index", tag = "sync",
    responses((status = 200, description = "A sitemap index (sitemaps.org 0.9)", content_type = "application/xml", body = String, headers(("ETag" = String)))))]
#[get("/sitemap.xml")]
pub async fn sitemap_index(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (count, _) = state.db.run(|conn| Ok(state_of_articles(conn)?)).await?;
    let base = &state.site.api_base;
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"{SITEMAP_NS}\">\n"
    );
    for n in 1..=pages(count) {
        xml.push_str(&format!(
            "<sitemap><loc>{}</loc></sitemap>\n",
            escape(&format!("{base}/sitemaps/articles-{n}.xml"))
        ));
    }
    xml.push_str(&format!(
        "<sitemap><loc>{}</loc></sitemap>\n</sitemapindex>\n",
        escape(&format!("{base}/sitemaps/news.xml"))
    ));
    Ok(xml_response(&req, xml))
}

/// One `<url>` of an article page.
fn url_entry(site: &Site, (id, slug, updated_at): &(i64, String, FastTime)) -> String {
    format!(
        "<url><loc>{}</loc><lastmod>{}</lastmod></url>\n",
        escape(&site.article_url(*id, slug)),
        w3c(updated_at.0)
    )
}

/// Articles sitemap
///
/// Open to anyone. Page `n` (from 1) of the site's published articles, oldest first, at most 50,000 each, with
/// when each last changed. Streamed as it is read. 404 past the last page.
#[utoipa::path(operation_id = "sitemap_articles", tag = "sync",
    params(("n" = u32, Path, description = "The page, from 1", minimum = 1, maximum = 999999)),
    responses((status = 200, description = "A sitemap (sitemaps.org 0.9)", content_type = "application/xml", body = String, headers(("ETag" = String)))))]
#[get("/sitemaps/articles-{n}.xml")]
pub async fn sitemap_articles(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<u32>,
) -> ApiResult<HttpResponse> {
    let n = i64::from(path.into_inner());
    let summary = state.db.run(|conn| Ok(state_of_articles(conn)?)).await?;
    if n < 1 || n > pages(summary.0) {
        return Err(ApiError::not_found(format!(
            "no sitemap page {n}: there are {}",
            pages(summary.0)
        )));
    }
    let etag = etag_of(&format!("articles-{n}"), summary, &state.site);
    if if_none_match(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(4);
    let (db, site) = (state.db.clone(), state.site.clone());
    actix_web::rt::spawn(async move {
        let failed = tx.clone();
        if let Err(e) = stream_page(&db, n, &site, (PAGE_SIZE, BATCH), tx).await {
            tracing::warn!(error = %e, "sitemap page {n} stopped part way");
            let _ = failed
                .send(Err(std::io::Error::other(
                    "the sitemap could not be read whole",
                )))
                .await;
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok(HttpResponse::Ok()
        .content_type(XML_TYPE)
        .insert_header((header::ETAG, etag))
        .streaming(body))
}

/// A piece of a streamed answer.
pub type Chunk = Result<Bytes, std::io::Error>;

/// How long a client may take to take one chunk before its page is given up.
const SEND_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Streams page `n` (of `page_size` URLs) into `tx`, reading `batch` rows at a time, each batch
/// on a connection of its own: a client that reads slowly never holds a database connection.
/// Stops when the client is gone or takes more than 30 s over a chunk.
pub async fn stream_page(
    db: &Db,
    n: i64,
    site: &Site,
    (page_size, batch): (i64, i64),
    tx: tokio::sync::mpsc::Sender<Chunk>,
) -> ApiResult<()> {
    let send = |chunk: Bytes| {
        let tx = tx.clone();
        async move {
            matches!(
                actix_web::rt::time::timeout(SEND_WAIT, tx.send(Ok(chunk))).await,
                Ok(Ok(()))
            )
        }
    };
    let head =
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"{SITEMAP_NS}\">\n");
    if !send(Bytes::from(head)).await {
        return Ok(());
    }
    // The first id of the page, then batches after the last id sent.
    let offset = (n - 1) * page_size;
    let first: Option<i64> = db
        .run(move |conn| {
            Ok(published()
                .select(articles::id)
                .order(articles::id)
                .offset(offset)
                .limit(1)
                .get_result(conn)
                .optional()?)
        })
        .await?;
    let mut after = first.map(|id| id - 1);
    let mut left = page_size;
    while let (Some(last), true) = (after, left > 0) {
        let want = batch.min(left);
        let rows: Vec<(i64, String, FastTime)> = db
            .run(move |conn| {
                Ok(published()
                    .filter(articles::id.gt(last))
                    .select((articles::id, articles::slug, articles::updated_at))
                    .order(articles::id)
                    .limit(want)
                    .load(conn)?)
            })
            .await?;
        left -= rows.len() as i64;
        // A short batch is the last one.
        after = rows
            .last()
            .map(|r| r.0)
            .filter(|_| rows.len() as i64 == want);
        let chunk: String = rows.iter().map(|row| url_entry(site, row)).collect();
        if !chunk.is_empty() && !send(Bytes::from(chunk)).await {
            return Ok(());
        }
    }
    send(Bytes::from_static(b"</urlset>\n")).await;
    Ok(())
}

/// News sitemap
///
/// Open to anyone. The site's articles published in the last two days, newest first, at most 1,000, with the
/// publication's name (`BANTIN_SITE_NAME`) and language, each article's publication time and
/// title (Google News sitemap).
#[utoipa::path(operation_id = "sitemap_news", tag = "sync",
    responses((status = 200, description = "A Google News sitemap", content_type = "application/xml", body = String, headers(("ETag" = String)))))]
#[get("/sitemaps/news.xml")]
pub async fn sitemap_news(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let since = state.clock.now() - chrono::Duration::days(NEWS_DAYS);
    let rows: Vec<(i64, String, String, Option<NaiveDateTime>)> = state
        .db
        .run(move |conn| {
            Ok(published()
                .filter(articles::published_at.ge(since))
                .select((
                    articles::id,
                    articles::slug,
                    articles::title,
                    articles::published_at,
                ))
                .order((articles::published_at.desc(), articles::id.desc()))
                .limit(NEWS_MAX)
                .load(conn)?)
        })
        .await?;
    let site = &state.site;
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"{SITEMAP_NS}\" xmlns:news=\"{NEWS_NS}\">\n"
    );
    let publication = format!(
        "<news:publication><news:name>{}</news:name><news:language>{}</news:language></news:publication>",
        escape(&site.name),
        escape(&site.language)
    );
    for (id, slug, title, at) in &rows {
        let Some(at) = at else { continue };
        xml.push_str(&format!(
            "<url><loc>{}</loc><news:news>{publication}<news:publication_date>{}</news:publication_date><news:title>{}</news:title></news:news></url>\n",
            escape(&site.article_url(*id, slug)),
            w3c(*at),
            escape(title)
        ));
    }
    xml.push_str("</urlset>\n");
    Ok(xml_response(&req, xml))
}

/// Registers the sitemap routes (at the root, like the feeds).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(sitemap_index)
        .service(sitemap_articles)
        .service(sitemap_news);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(escape("a&b<c>\"d'"), "a&amp;b&lt;c&gt;&quot;d&apos;");
        assert_eq!(escape("Tuần Châu"), "Tuần Châu");
    }

    #[test]
    fn pages_hold_fifty_thousand_urls() {
        assert_eq!(pages(0), 1);
        assert_eq!(pages(50_000), 1);
        assert_eq!(pages(50_001), 2);
        assert_eq!(pages(100_000), 2);
    }

    #[test]
    fn lastmod_is_a_w3c_datetime() {
        let t = chrono::NaiveDate::from_ymd_opt(2021, 11, 8)
            .unwrap()
            .and_hms_opt(7, 0, 0)
            .unwrap();
        assert_eq!(w3c(t), "2021-11-08T07:00:00Z");
    }
}
