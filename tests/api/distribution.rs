//! What a news site publishes from bantin: links to the site's pages, and the JSON Feed, read
//! back with a feed reader's parser.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::Options;

const TEMPLATE: &str = "https://tinhuy.example.vn/tin-tuc/{slug}-{id}";
const SITE: &str = "Cổng thông tin Thành ủy Thái Nguyên";

fn site_options() -> Options {
    Options {
        site_article_url: Some(TEMPLATE),
        site_name: Some(SITE),
        public_url: Some("https://api.tinhuy.example.vn"),
        ..Options::default()
    }
}

fn page_of(article: &Value) -> String {
    let slug = article["slug"].as_str().unwrap();
    let id = article["id"].as_i64().unwrap();
    format!("https://tinhuy.example.vn/tin-tuc/{slug}-{id}")
}

db_test!(with site_options();
    async fn articles_and_every_feed_link_to_the_site_page(app) {
        let list = app.get("/api/v1/articles").await.json();
        let articles = list["data"].as_array().unwrap();
        assert_eq!(articles.len(), 5);
        for a in articles {
            assert_eq!(a["url"], json!(page_of(a)));
        }
        let first = &articles[0];
        let one = app.get(&format!("/api/v1/articles/{}", first["id"])).await.json();
        assert_eq!(one["url"], json!(page_of(first)));
        let narrowed = app.get(&format!("/api/v1/articles/{}?fields=url", first["id"])).await.json();
        assert_eq!(narrowed, json!({"id": first["id"], "url": page_of(first)}));
        let pages: Vec<String> = articles.iter().map(page_of).collect();

        for (path, kind) in [("/feeds/articles.rss", "rss"), ("/feeds/articles.atom", "atom"), ("/feeds/articles.json", "json")] {
            let res = app.get(path).await;
            assert_eq!(res.status, 200, "{path}");
            let feed = feed_rs::parser::parse(&res.body[..]).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(feed.title.as_ref().map(|t| t.content.as_str()), Some(format!("{SITE} — tin mới").as_str()), "{path}");
            assert_eq!(feed.entries.len(), 5, "{path}");
            for entry in &feed.entries {
                let link = &entry.links.first().unwrap_or_else(|| panic!("{kind}: an entry without a link")).href;
                assert!(pages.contains(link), "{kind}: {link} is not a site page");
            }
        }
    }
);

db_test!(
    async fn without_a_template_articles_link_to_the_api(app) {
        let list = app.get("/api/v1/articles").await.json();
        for a in list["data"].as_array().unwrap() {
            let url = a["url"].as_str().unwrap();
            assert!(url.ends_with(&format!("/api/v1/articles/{}", a["slug"].as_str().unwrap())), "{url}");
        }
        // `url` follows the article and the site: it is not written.
        let token = app.user("editor").await.1;
        let id = list["data"][0]["id"].as_i64().unwrap();
        let before = app.get(&format!("/api/v1/articles/{id}")).await.json();
        let res = app.json(Method::PATCH, &format!("/api/v1/articles/{id}"), Some(&token), &json!({"url": "https://elsewhere.example/x"})).await;
        res.problem(422, "validation_failed");
        assert_eq!(app.get(&format!("/api/v1/articles/{id}")).await.json()["version"], before["version"]);
    }
);

db_test!(with site_options();
    async fn the_json_feed_follows_json_feed_1_1(app) {
        let res = app.get("/feeds/articles.json").await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("content-type"), Some("application/feed+json; charset=utf-8"));
        let feed = res.json();
        assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(feed["title"], format!("{SITE} — tin mới"));
        assert_eq!(feed["feed_url"], "https://api.tinhuy.example.vn/feeds/articles.json");
        assert_eq!(feed["language"], "vi");
        let items = feed["items"].as_array().unwrap();
        assert_eq!(items.len(), 5);
        for item in items {
            // Required: `id`, and `content_html` or `content_text`.
            assert!(item["id"].as_str().is_some_and(|s| !s.is_empty()));
            assert!(item["content_text"].as_str().is_some_and(|s| !s.is_empty()) || item["content_html"].is_string());
            assert!(item["url"].as_str().unwrap().starts_with("https://tinhuy.example.vn/tin-tuc/"));
            for date in ["date_published", "date_modified"] {
                chrono::DateTime::parse_from_rfc3339(item[date].as_str().unwrap()).unwrap_or_else(|e| panic!("{date}: {e}"));
            }
            if let Some(image) = item.get("image") {
                assert!(image.as_str().unwrap().starts_with("https://api.tinhuy.example.vn/api/v1/media/"), "{image}");
                assert!(image.as_str().unwrap().ends_with("/large"));
            }
        }
        let tuan_chau = items.iter().find(|i| i["title"].as_str().unwrap().contains("Tuần Châu")).unwrap();
        assert_eq!(tuan_chau["authors"], json!([{"name": "Thu Hường"}, {"name": "Văn Hiệp"}]));
        assert_eq!(tuan_chau["tags"][0], "kinh tế");
        assert_eq!(tuan_chau["date_published"], "2021-11-07T20:42:00+00:00");

        let by_category = app.get("/feeds/articles.json?category=kinh%20t%E1%BA%BF").await.json();
        assert_eq!(by_category["items"].as_array().unwrap().len(), 1);
        let etag = res.header("etag").unwrap().to_owned();
        assert_eq!(app.request(Method::GET, "/feeds/articles.json", &[("If-None-Match", &etag)], None).await.status, 304);
        app.get("/feeds/articles.json?colour=red").await.problem(400, "bad_request");
    }
);
