//! Feeds that portals and calendar apps already read: RSS 2.0 and Atom 1.0 of the latest published
//! articles, and iCalendar (RFC 5545) of meetings and, on request, directive deadlines.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use icalendar::{Component, EventLike};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::articles::model::{self as articles_model, ArticleRow};
use crate::db::schema::{
    article_meetings, article_tags, articles, directives, meeting_organizations, meetings, tags,
};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::{bytes_response, Tag};
use crate::http::query::StrictQuery;
use crate::media::process::Variant;
use crate::meetings::model::MeetingRow;
use crate::site::Site;

const FEED_SIZE: i64 = 50;

/// Query parameters of the article feeds.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArticleFeedQuery {
    /// Only articles of this category.
    #[param(example = "kinh tế")]
    pub category: Option<String>,
    /// Only articles about meetings this organization took part in.
    pub organization_id: Option<i64>,
    /// Only articles with this tag (its slug).
    #[param(example = "chuyen-doi-so")]
    pub tag: Option<String>,
}

/// Query parameters of the meetings calendar.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// Only meetings (and directives) of this organization: host or counterpart of the meeting, or
    /// lead of the directive.
    pub organization_id: Option<i64>,
    /// Also add each directive's deadline as an all-day event.
    pub directives: Option<bool>,
}

/// The base of links inside feeds: `BANTIN_PUBLIC_URL` (else the bind address), never a request
/// header: feeds are publicly cacheable, so a forged `Host` or `X-Forwarded-Host` must not reach
/// them.
fn base_url(state: &AppState) -> &str {
    &state.public_base
}

fn latest_articles(conn: &mut DbConnection, q: &ArticleFeedQuery) -> ApiResult<Vec<FeedItem>> {
    let mut query = articles::table
        .filter(articles::status.eq("published"))
        .filter(articles::published_at.is_not_null())
        .into_boxed::<crate::db::MultiBackend>();
    if let Some(category) = &q.category {
        query = query.filter(articles::category.eq(category.clone()));
    }
    if let Some(org) = q.organization_id {
        query = query.filter(
            articles::id.eq_any(
                article_meetings::table
                    .inner_join(
                        meeting_organizations::table
                            .on(meeting_organizations::meeting_id.eq(article_meetings::meeting_id)),
                    )
                    .filter(meeting_organizations::organization_id.eq(org))
                    .select(article_meetings::article_id),
            ),
        );
    }
    if let Some(tag) = &q.tag {
        query = query.filter(
            articles::id.eq_any(
                article_tags::table
                    .inner_join(tags::table)
                    .filter(tags::slug.eq(tag.clone()))
                    .select(article_tags::article_id),
            ),
        );
    }
    let rows: Vec<ArticleRow> = query
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(FEED_SIZE)
        .select(ArticleRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut authors = articles_model::load_authors(conn, &ids)?;
    let mut tags = crate::tags::model::names_of_articles(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| FeedItem {
            authors: authors.remove(&row.id).unwrap_or_default(),
            categories: row
                .category
                .iter()
                .cloned()
                .chain(tags.remove(&row.id).unwrap_or_default())
                .collect(),
            row,
        })
        .collect())
}

/// An article of a feed: its row, its bylines, and its categories (its category, then its tags).
struct FeedItem {
    row: ArticleRow,
    authors: Vec<String>,
    categories: Vec<String>,
}

impl FeedItem {
    /// Where the article is read.
    fn link(&self, site: &Site) -> String {
        site.article_url(self.row.id, &self.row.slug)
    }
}

/// What the article feeds say of themselves.
const FEED_DESCRIPTION: &str = "Tin tức và biên bản làm việc của cấp ủy, chính quyền";

/// The article feeds' title: the site's name.
fn feed_title(site: &Site) -> String {
    format!("{} — tin mới", site.name)
}

fn published(row: &ArticleRow) -> DateTime<Utc> {
    row.published_at.unwrap_or(row.updated_at).and_utc()
}

/// Declares the handler of one format of the article feed: the latest published articles that
/// the query lets through, written by `render` from the items and the base of links.
macro_rules! article_feed {
    ($(#[doc = $doc:literal])* $name:ident, $path:literal, operation_id = $op:literal,
        $described:literal, content_type = $mime:literal, body = $body:ty,
        render = $render:path $(,)?) => {
        $(#[doc = $doc])*
        #[utoipa::path(operation_id = $op, tag = "sync", params(ArticleFeedQuery),
            responses((status = 200, description = $described, content_type = $mime, body = $body,
                headers(("ETag" = String)))))]
        #[get($path)]
        pub async fn $name(
            req: HttpRequest,
            state: web::Data<AppState>,
            query: StrictQuery<ArticleFeedQuery>,
        ) -> ApiResult<HttpResponse> {
            let q = query.into_inner();
            let items = state.db.run(move |conn| latest_articles(conn, &q)).await?;
            let body = $render(&items, &state.site);
            let content_type = concat!($mime, "; charset=utf-8");
            Ok(bytes_response(&req, StatusCode::OK, content_type, body, Tag::Body))
        }
    };
}

article_feed!(
    /// Latest articles as RSS 2.0
    ///
    /// The 50 latest published articles, newest first.
    articles_rss, "/feeds/articles.rss", operation_id = "feed_articles_rss",
    "An RSS 2.0 channel", content_type = "application/rss+xml", body = String, render = rss_channel,
);

article_feed!(
    /// Latest articles as Atom 1.0
    ///
    /// The 50 latest published articles, newest first.
    articles_atom, "/feeds/articles.atom", operation_id = "feed_articles_atom",
    "An Atom 1.0 feed", content_type = "application/atom+xml", body = String, render = atom_feed,
);

article_feed!(
    /// Latest articles as JSON Feed 1.1
    ///
    /// The 50 latest published articles, newest first, as JSON Feed 1.1
    /// (https://jsonfeed.org/version/1.1): each with its page on the site as `url`, the body as
    /// `content_text`, the cover's `large` variant as `image`, and its category and tags as `tags`.
    articles_json_feed, "/feeds/articles.json", operation_id = "feed_articles_json",
    "A JSON Feed 1.1", content_type = "application/feed+json", body = JsonFeed, render = json_feed,
);

/// A JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
#[derive(Serialize, ToSchema)]
pub struct JsonFeed<'a> {
    version: &'static str,
    title: String,
    feed_url: String,
    description: &'static str,
    language: &'a str,
    items: Vec<JsonFeedItem<'a>>,
}

/// One article of a JSON Feed.
#[derive(Serialize, ToSchema)]
pub struct JsonFeedItem<'a> {
    id: String,
    url: String,
    title: &'a str,
    content_text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonFeedAuthor<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
}

/// An author of a JSON Feed item.
#[derive(Serialize, ToSchema)]
pub struct JsonFeedAuthor<'a> {
    name: &'a str,
}

/// The items as a JSON Feed 1.1.
fn json_feed(items: &[FeedItem], site: &Site) -> Vec<u8> {
    let base = &site.api_base;
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: feed_title(site),
        feed_url: format!("{base}/feeds/articles.json"),
        description: FEED_DESCRIPTION,
        language: &site.language,
        items: items
            .iter()
            .map(|item| {
                let row = &item.row;
                JsonFeedItem {
                    id: item.link(site),
                    url: item.link(site),
                    title: &row.title,
                    content_text: &row.body,
                    summary: row.summary.as_deref(),
                    image: row.cover_media_id.map(|id| {
                        let path = crate::media::embed::file_url(id, Variant::Large);
                        format!("{base}{path}")
                    }),
                    date_published: published(row).to_rfc3339(),
                    date_modified: row.updated_at.and_utc().to_rfc3339(),
                    authors: item
                        .authors
                        .iter()
                        .map(|name| JsonFeedAuthor { name })
                        .collect(),
                    tags: &item.categories,
                }
            })
            .collect(),
    };
    // Serialising plain strings and numbers cannot fail.
    serde_json::to_vec(&feed).unwrap_or_default()
}

/// The items as an RSS 2.0 channel.
fn rss_channel(items: &[FeedItem], site: &Site) -> Vec<u8> {
    let channel = rss::ChannelBuilder::default()
        .title(feed_title(site))
        .link(format!("{}/api/v1/articles", site.api_base))
        .description(FEED_DESCRIPTION)
        .language(Some(site.language.clone()))
        .last_build_date(items.first().map(|i| published(&i.row).to_rfc2822()))
        .items(items.iter().map(|i| rss_item(i, site)).collect::<Vec<_>>())
        .build();
    channel.to_string().into_bytes()
}

/// The items as an Atom 1.0 feed.
fn atom_feed(items: &[FeedItem], site: &Site) -> Vec<u8> {
    use atom_syndication::{Feed, Link, Text};
    let base = &site.api_base;
    let mut feed = Feed::default();
    feed.set_title(Text::plain(feed_title(site)));
    feed.set_id(format!("{base}/feeds/articles.atom"));
    feed.set_lang(Some(site.language.clone()));
    let updated = items
        .first()
        .map(|i| published(&i.row))
        .unwrap_or_else(|| DateTime::<Utc>::UNIX_EPOCH);
    feed.set_updated(updated.fixed_offset());
    feed.set_links(vec![Link {
        href: format!("{base}/feeds/articles.atom"),
        rel: "self".into(),
        ..Link::default()
    }]);
    feed.set_entries(
        items
            .iter()
            .map(|i| atom_entry(i, site))
            .collect::<Vec<_>>(),
    );
    feed.to_string().into_bytes()
}

/// One article as an RSS item.
fn rss_item(item: &FeedItem, site: &Site) -> rss::Item {
    let (row, link) = (&item.row, item.link(site));
    rss::ItemBuilder::default()
        .title(Some(row.title.clone()))
        .link(Some(link.clone()))
        .description(row.summary.clone())
        .author((!item.authors.is_empty()).then(|| item.authors.join(", ")))
        .categories(
            item.categories
                .iter()
                .map(|c| rss::CategoryBuilder::default().name(c.clone()).build())
                .collect::<Vec<_>>(),
        )
        .guid(Some(
            rss::GuidBuilder::default()
                .value(link)
                .permalink(true)
                .build(),
        ))
        .pub_date(Some(published(row).to_rfc2822()))
        .build()
}

/// One article as an Atom entry.
fn atom_entry(item: &FeedItem, site: &Site) -> atom_syndication::Entry {
    use atom_syndication::{Entry, Link, Person, Text};
    let (row, link) = (&item.row, item.link(site));
    let mut entry = Entry::default();
    entry.set_categories(
        item.categories
            .iter()
            .map(|c| atom_syndication::Category {
                term: c.clone(),
                ..atom_syndication::Category::default()
            })
            .collect::<Vec<_>>(),
    );
    entry.set_title(Text::plain(row.title.clone()));
    entry.set_id(link.clone());
    entry.set_updated(row.updated_at.and_utc().fixed_offset());
    entry.set_published(Some(published(row).fixed_offset()));
    entry.set_summary(row.summary.clone().map(Text::plain));
    entry.set_links(vec![Link {
        href: link,
        rel: "alternate".into(),
        ..Link::default()
    }]);
    entry.set_authors(
        item.authors
            .iter()
            .map(|a| Person {
                name: a.clone(),
                ..Person::default()
            })
            .collect::<Vec<_>>(),
    );
    entry
}

type DirectiveDeadline = (
    i64,
    i64,
    Option<i32>,
    String,
    NaiveDate,
    String,
    NaiveDateTime,
);

/// Meetings as iCalendar
///
/// Every meeting as an event (all-day unless a start time is known), and with `directives=true`
/// each directive deadline as an all-day event. Subscribe to it from any calendar app.
#[utoipa::path(operation_id = "feed_meetings_ics", tag = "sync", params(CalendarQuery),
    responses((status = 200, description = "An iCalendar (RFC 5545) calendar", content_type = "text/calendar", body = String, headers(("ETag" = String)))))]
#[get("/feeds/meetings.ics")]
pub async fn meetings_ics(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: StrictQuery<CalendarQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let (rows, deadlines) = state
        .db
        .run(move |conn| {
            let mut mq = meetings::table
                .order((meetings::date.desc(), meetings::id.desc()))
                .into_boxed::<crate::db::MultiBackend>();
            if let Some(org) = q.organization_id {
                mq = mq.filter(
                    meetings::id.eq_any(
                        meeting_organizations::table
                            .filter(meeting_organizations::organization_id.eq(org))
                            .select(meeting_organizations::meeting_id),
                    ),
                );
            }
            let rows: Vec<MeetingRow> =
                mq.limit(1000).select(MeetingRow::as_select()).load(conn)?;
            let deadlines: Vec<DirectiveDeadline> = if q.directives.unwrap_or(false) {
                let mut dq = directives::table
                    .filter(directives::due_date.is_not_null())
                    .filter(directives::status.ne("cancelled"))
                    .into_boxed::<crate::db::MultiBackend>();
                if let Some(org) = q.organization_id {
                    dq = dq.filter(directives::lead_organization_id.eq(org));
                }
                dq.order((directives::due_date, directives::id))
                    .limit(1000)
                    .select((
                        directives::id,
                        directives::meeting_id,
                        directives::ordinal,
                        directives::text,
                        directives::due_date.assume_not_null(),
                        directives::status,
                        directives::updated_at,
                    ))
                    .load(conn)?
            } else {
                Vec::new()
            };
            Ok::<_, ApiError>((rows, deadlines))
        })
        .await?;
    // UIDs must stay the same whichever port or scheme a client used.
    let host = url::Url::parse(base_url(&state))
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "bantin".to_owned());
    let mut calendar = icalendar::Calendar::new();
    calendar
        .name("bantin — lịch làm việc")
        .timezone("Asia/Ho_Chi_Minh");
    for m in &rows {
        let mut event = icalendar::Event::new();
        event
            .uid(&format!("meeting-{}@{host}", m.id))
            .summary(&m.title)
            .timestamp(m.updated_at.and_utc());
        match m.starts_at {
            Some(t) => {
                event.starts(t.and_utc());
            }
            None => all_day(&mut event, m.date),
        }
        if let Some(d) = m.summary.as_ref().or(m.topic.as_ref()) {
            event.description(d);
        }
        if let Some(l) = &m.location {
            event.location(l);
        }
        event.status(match m.status.as_str() {
            "cancelled" => icalendar::EventStatus::Cancelled,
            "scheduled" => icalendar::EventStatus::Tentative,
            _ => icalendar::EventStatus::Confirmed,
        });
        calendar.push(event.done());
    }
    for (id, meeting_id, ordinal, text, due, status, updated_at) in &deadlines {
        let label = ordinal
            .map(|o| format!("Hạn nhiệm vụ {o}"))
            .unwrap_or_else(|| "Hạn nhiệm vụ".to_owned());
        let short: String = text.chars().take(120).collect();
        let mut event = icalendar::Event::new();
        event
            .uid(&format!("directive-{id}@{host}"))
            .summary(&format!("{label}: {short}"))
            .description(&format!(
                "{text}\n\nTrạng thái: {status}. Cuộc họp {meeting_id}."
            ))
            .timestamp(updated_at.and_utc());
        all_day(&mut event, *due);
        calendar.push(event.done());
    }
    let text = calendar.done().to_string();
    Ok(bytes_response(
        &req,
        StatusCode::OK,
        "text/calendar; charset=utf-8",
        text.into_bytes(),
        Tag::Body,
    ))
}

/// An all-day event: DTEND is the next day, as RFC 5545 makes it exclusive.
fn all_day(event: &mut icalendar::Event, day: NaiveDate) {
    event.starts(day);
    event.ends(day.succ_opt().unwrap_or(day));
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(articles_rss)
        .service(articles_atom)
        .service(articles_json_feed)
        .service(meetings_ics);
}
