//! An article as a schema.org `NewsArticle` in JSON-LD, for a front end to embed as is in
//! `<script type="application/ld+json">` and for search engines to read: what Google's article
//! structured data asks for, every link to the article its page on the site.

use actix_web::http::header::{self, HeaderValue};
use actix_web::HttpRequest;
use serde::Serialize;
use utoipa::ToSchema;

use super::embed::Article;
use crate::site::Site;

/// The media type of JSON-LD.
pub const MEDIA_TYPE: &str = "application/ld+json";

/// Whether the request's `Accept` asks for JSON-LD (listed and not refused with `q=0`).
pub fn wanted(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|range| {
            let mut parts = range.split(';').map(str::trim);
            let is_ld = parts
                .next()
                .is_some_and(|t| t.eq_ignore_ascii_case(MEDIA_TYPE));
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            is_ld && !refused
        })
}

/// `Vary: Accept`: the same URL answers JSON or JSON-LD.
pub fn vary(res: &mut actix_web::HttpResponse) {
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
}

/// A schema.org `Thing` named by type and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct Named {
    #[serde(rename = "@type")]
    #[schema(example = "Person")]
    pub kind: &'static str,
    pub name: String,
}

/// The page an article is the main entity of.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebPage {
    #[serde(rename = "@type")]
    #[schema(example = "WebPage")]
    pub kind: &'static str,
    #[serde(rename = "@id")]
    pub id: String,
}

/// A schema.org `NewsArticle` (https://schema.org/NewsArticle).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "@context": "https://schema.org", "@type": "NewsArticle",
    "headline": "BTV Thành ủy làm việc với Đảng ủy phường Tuần Châu",
    "description": "Ngày 8/11, Ban Thường vụ Thành ủy đã có buổi làm việc với Đảng ủy phường Tuần Châu…",
    "datePublished": "2021-11-08T03:42:00+07:00", "dateModified": "2021-11-08T03:42:00+07:00",
    "author": [{"@type": "Person", "name": "Thu Hường"}],
    "publisher": {"@type": "Organization", "name": "Cổng thông tin Thành ủy"},
    "image": ["https://api.tinhuy.example.vn/api/v1/media/5093627183920117/large"],
    "inLanguage": "vi",
    "mainEntityOfPage": {"@type": "WebPage", "@id": "https://tinhuy.example.vn/tin-tuc/btv-thanh-uy"},
    "url": "https://tinhuy.example.vn/tin-tuc/btv-thanh-uy",
    "keywords": ["Chuyển đổi số"]
}))]
pub struct NewsArticle {
    #[serde(rename = "@context")]
    pub context: &'static str,
    #[serde(rename = "@type")]
    pub kind: &'static str,
    pub headline: String,
    /// The summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The body, when the server is set to include it (`BANTIN_JSONLD_BODY`).
    #[serde(rename = "articleBody", skip_serializing_if = "Option::is_none")]
    pub article_body: Option<String>,
    /// When it was published, in Vietnam time with its offset; absent when not published.
    #[serde(rename = "datePublished", skip_serializing_if = "Option::is_none")]
    pub date_published: Option<String>,
    #[serde(rename = "dateModified")]
    pub date_modified: String,
    pub author: Vec<Named>,
    pub publisher: Named,
    /// The cover, when there is one: its variants, widest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub image: Vec<String>,
    #[serde(rename = "inLanguage")]
    pub in_language: String,
    #[serde(rename = "mainEntityOfPage")]
    pub main_entity_of_page: WebPage,
    pub url: String,
    /// The names of its tags, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
}

/// In Vietnam time, with its offset.
fn vietnam(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&crate::time::VIETNAM)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

impl NewsArticle {
    /// `article` read with its tags and cover embedded (`include=tags,media`).
    pub fn of(article: Article, site: &Site) -> Self {
        let image = article
            .cover_media
            .as_ref()
            .map(|m| {
                let v = &m.variants;
                [&v.large.url, &v.medium.url, &v.thumb.url]
                    .into_iter()
                    .map(|path| format!("{}{path}", site.api_base))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            context: "https://schema.org",
            kind: "NewsArticle",
            headline: article.title,
            description: article.summary,
            article_body: site.jsonld_body.then_some(article.body),
            date_published: article.published_at.map(vietnam),
            date_modified: vietnam(article.updated_at),
            author: article
                .authors
                .into_iter()
                .map(|name| Named {
                    kind: "Person",
                    name,
                })
                .collect(),
            publisher: Named {
                kind: "Organization",
                name: site.name.clone(),
            },
            image,
            in_language: site.language.clone(),
            main_entity_of_page: WebPage {
                kind: "WebPage",
                id: article.url.clone(),
            },
            url: article.url,
            keywords: article
                .tags
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.name)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn accept_chooses_json_ld_unless_refused() {
        let ask = |accept: &str| {
            wanted(
                &TestRequest::default()
                    .insert_header(("Accept", accept))
                    .to_http_request(),
            )
        };
        assert!(ask("application/ld+json"));
        assert!(ask("text/html, application/ld+json;q=0.9"));
        assert!(!ask("application/json"));
        assert!(!ask("application/ld+json;q=0"));
        assert!(!wanted(&TestRequest::default().to_http_request()));
    }

    #[test]
    fn times_are_in_vietnam_time() {
        let t = chrono::DateTime::parse_from_rfc3339("2021-11-07T20:42:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(vietnam(t), "2021-11-08T03:42:00+07:00");
    }
}
