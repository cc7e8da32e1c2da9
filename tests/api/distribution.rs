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

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

/// The text of every `name` element in the sitemap namespace.
fn texts(doc: &roxmltree::Document, ns: &str, name: &str) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name)
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

db_test!(with site_options();
    async fn the_sitemaps_list_the_site_pages_of_published_articles(app) {
        let index = app.get("/sitemap.xml").await;
        assert_eq!(index.status, 200);
        assert!(index.header("content-type").unwrap().starts_with("application/xml"));
        let text = String::from_utf8(index.body.to_vec()).unwrap();
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        assert_eq!(doc.root_element().tag_name().name(), "sitemapindex");
        assert_eq!(doc.root_element().tag_name().namespace(), Some(SITEMAP_NS));
        assert_eq!(
            texts(&doc, SITEMAP_NS, "loc"),
            vec!["https://api.tinhuy.example.vn/sitemaps/articles-1.xml", "https://api.tinhuy.example.vn/sitemaps/news.xml"]
        );

        let page = app.get("/sitemaps/articles-1.xml").await;
        assert_eq!(page.status, 200);
        let text = String::from_utf8(page.body.to_vec()).unwrap();
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        assert_eq!(doc.root_element().tag_name().name(), "urlset");
        assert_eq!(doc.root_element().tag_name().namespace(), Some(SITEMAP_NS));
        let list = app.get("/api/v1/articles?sort=published_at&limit=100").await.json();
        let mut pages: Vec<String> = list["data"].as_array().unwrap().iter().map(page_of).collect();
        let mut locs = texts(&doc, SITEMAP_NS, "loc");
        pages.sort();
        locs.sort();
        assert_eq!(locs, pages, "every published article, by its site page");
        for lastmod in texts(&doc, SITEMAP_NS, "lastmod") {
            chrono::DateTime::parse_from_rfc3339(&lastmod).unwrap_or_else(|e| panic!("{lastmod}: {e}"));
        }

        // A draft stays out; publishing it changes the page and its ETag.
        let etag = page.header("etag").unwrap().to_owned();
        assert_eq!(app.request(Method::GET, "/sitemaps/articles-1.xml", &[("If-None-Match", &etag)], None).await.status, 304);
        let token = app.user("editor").await.1;
        let draft = app.json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": "Bản nháp sitemap", "body": "b"})).await.json();
        let listed = String::from_utf8(app.get("/sitemaps/articles-1.xml").await.body.to_vec()).unwrap();
        assert!(!listed.contains(&format!("-{}</loc>", draft["id"])), "a draft is not listed");
        app.json(Method::PATCH, &format!("/api/v1/articles/{}", draft["id"]), Some(&token), &json!({"status": "published"})).await;
        let changed = app.request(Method::GET, "/sitemaps/articles-1.xml", &[("If-None-Match", &etag)], None).await;
        assert_eq!(changed.status, 200);
        assert!(String::from_utf8(changed.body.to_vec()).unwrap().contains(&format!("-{}</loc>", draft["id"])));

        app.get("/sitemaps/articles-2.xml").await.problem(404, "not_found");
        assert_eq!(app.get("/sitemaps/articles-0.xml").await.status, 404);
        app.get("/sitemaps/articles-x.xml").await.problem(400, "bad_request");
    }
);

db_test!(with Options {
        clock: bantin::time::Clock::Fixed(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2023, 5, 30, 12, 0, 0).unwrap()),
        ..site_options()
    };
    async fn the_news_sitemap_holds_the_last_two_days(app) {
        let res = app.get("/sitemaps/news.xml").await;
        assert_eq!(res.status, 200);
        let text = String::from_utf8(res.body.to_vec()).unwrap();
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        assert_eq!(doc.root_element().tag_name().namespace(), Some(SITEMAP_NS));
        let locs = texts(&doc, SITEMAP_NS, "loc");
        assert_eq!(locs.len(), 1, "one demo article was published within two days of the clock: {locs:?}");
        assert!(locs[0].starts_with("https://tinhuy.example.vn/tin-tuc/phat-huy-toi-da-loi-the"));
        assert_eq!(texts(&doc, NEWS_NS, "name"), vec![SITE]);
        assert_eq!(texts(&doc, NEWS_NS, "language"), vec!["vi"]);
        assert_eq!(texts(&doc, NEWS_NS, "publication_date"), vec!["2023-05-29T11:44:00Z"]);
        assert_eq!(texts(&doc, NEWS_NS, "title"), vec!["Phát huy tối đa lợi thế, thúc đẩy kinh tế - xã hội phát triển"]);
        let etag = res.header("etag").unwrap().to_owned();
        assert_eq!(app.request(Method::GET, "/sitemaps/news.xml", &[("If-None-Match", &etag)], None).await.status, 304);
    }
);

db_test!(with site_options();
    async fn a_sitemap_page_streams_in_batches_and_pages_follow_on(app) {
        // Pages of 3 read 2 rows at a time: the 5 demo articles make pages of 3 and 2.
        let site = bantin::site::Site {
            article_url: Some(bantin::site::ArticleUrlTemplate::parse(TEMPLATE).unwrap()),
            api_base: "https://api.tinhuy.example.vn".into(),
            name: SITE.into(),
            language: "vi".into(),
            jsonld_body: false,
        };
        let read = |n: i64| {
            let (db, site) = (app.db.clone(), site.clone());
            async move {
                let (tx, mut rx) = tokio::sync::mpsc::channel(100);
                bantin::sync::sitemaps::stream_page(&db, n, &site, (3, 2), tx).await.unwrap();
                let mut chunks: Vec<bytes::Bytes> = Vec::new();
                while let Some(chunk) = rx.recv().await {
                    chunks.push(chunk.unwrap());
                }
                let text = String::from_utf8(chunks.concat()).unwrap();
                let locs = roxmltree::Document::parse(&text).expect("well-formed XML").root_element().descendants().filter(|n| n.tag_name().name() == "loc").count();
                (locs, chunks.len())
            }
        };
        let (first, chunks) = read(1).await;
        assert_eq!(first, 3);
        assert!(chunks >= 3, "the head, batches, the tail");
        assert_eq!(read(2).await.0, 2);
        assert_eq!(read(3).await.0, 0);

        // A client that is gone stops the page at once, without an error.
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        drop(rx);
        bantin::sync::sitemaps::stream_page(&app.db, 1, &site, (3, 2), tx).await.unwrap();
    }
);

db_test!(with site_options();
    async fn an_article_answers_a_news_article_in_json_ld(app) {
        let token = app.user("editor").await.1;
        let list = app.get("/api/v1/articles?q=tuan%20chau").await.json();
        let article = list["data"][0].clone();
        let id = article["id"].as_i64().unwrap();
        // A cover and a tag, for `image` and `keywords`.
        let media = crate::media::upload(&app, &token, "image/png", crate::media::png(1200, 800)).await.json();
        let tag = app.json(Method::POST, "/api/v1/tags", Some(&token), &json!({"name": "Chuyển đổi số"})).await.json();
        app.json(Method::PATCH, &format!("/api/v1/articles/{id}"), Some(&token), &json!({"cover_media_id": media["id"], "tag_ids": [tag["id"]]})).await;

        let ld = [("Accept", "application/ld+json")];
        let res = app.request(Method::GET, &format!("/api/v1/articles/{id}"), &ld, None).await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("content-type"), Some("application/ld+json"));
        assert!(res.header("vary").unwrap().split(',').any(|v| v.trim() == "Accept"));
        let doc = res.json();
        let page = page_of(&article);
        assert_eq!(doc["@context"], "https://schema.org");
        assert_eq!(doc["@type"], "NewsArticle");
        assert_eq!(doc["headline"], article["title"]);
        assert_eq!(doc["description"], article["summary"]);
        assert!(doc.get("articleBody").is_none(), "the body only when the server is set to include it");
        assert_eq!(doc["datePublished"], "2021-11-08T03:42:00+07:00");
        chrono::DateTime::parse_from_rfc3339(doc["dateModified"].as_str().unwrap()).unwrap();
        assert_eq!(doc["author"], json!([{"@type": "Person", "name": "Thu Hường"}, {"@type": "Person", "name": "Văn Hiệp"}]));
        assert_eq!(doc["publisher"], json!({"@type": "Organization", "name": SITE}));
        assert_eq!(doc["inLanguage"], "vi");
        assert_eq!(doc["mainEntityOfPage"], json!({"@type": "WebPage", "@id": page}));
        assert_eq!(doc["url"], json!(page));
        assert_eq!(doc["keywords"], json!(["Chuyển đổi số"]));
        let images: Vec<&str> = doc["image"].as_array().unwrap().iter().map(|i| i.as_str().unwrap()).collect();
        assert_eq!(images[0], format!("https://api.tinhuy.example.vn/api/v1/media/{}/large", media["id"]));

        // The JSON answer varies by Accept too; `fields` has no meaning for JSON-LD.
        let json = app.get(&format!("/api/v1/articles/{id}")).await;
        assert!(json.header("vary").unwrap().split(',').any(|v| v.trim() == "Accept"));
        assert!(json.header("content-type").unwrap().starts_with("application/json"));
        app.request(Method::GET, &format!("/api/v1/articles/{id}?fields=title"), &ld, None).await.problem(400, "bad_request");
        let etag = res.header("etag").unwrap().to_owned();
        let again = app.request(Method::GET, &format!("/api/v1/articles/{id}"), &[("Accept", "application/ld+json"), ("If-None-Match", &etag)], None).await;
        assert_eq!(again.status, 304);

        // Anonymous callers get it for published articles only, like the JSON.
        let draft = app.json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": "Bản nháp", "body": "b"})).await.json();
        app.request(Method::GET, &format!("/api/v1/articles/{}", draft["id"]), &ld, None).await.problem(404, "not_found");
    }
);

db_test!(with Options { jsonld_body: true, ..site_options() };
    async fn the_json_ld_carries_the_body_when_set_to(app) {
        let article = app.get("/api/v1/articles?limit=1").await.json()["data"][0].clone();
        let doc = app.request(Method::GET, &format!("/api/v1/articles/{}", article["slug"].as_str().unwrap()), &[("Accept", "application/ld+json")], None).await.json();
        assert_eq!(doc["articleBody"], article["body"]);
    }
);
