//! `GET /api/v1/articles` and `GET /api/v1/articles/{id_or_slug}`.

use std::collections::HashSet;

use actix_web::http::Method;
use bantin::articles::model::{ArticleRow, ArticleStatus};
use bantin::db::schema::articles;
use chrono::{NaiveDateTime, TimeZone, Utc};
use diesel::RunQueryDsl;
use serde_json::Value;

use crate::db_test;
use crate::helpers::TestApp;

/// Adds an article straight to the database (the write API is tested on its own).
async fn insert(
    app: &TestApp,
    slug: &str,
    status: &str,
    published_at: Option<NaiveDateTime>,
    category: Option<&str>,
) -> i64 {
    let row = ArticleRow {
        id: 0,
        slug: slug.to_owned(),
        title: format!("Bài {slug}"),
        summary: None,
        body: "Nội dung".to_owned(),
        category: category.map(str::to_owned),
        source_name: None,
        source_url: None,
        status: ArticleStatus::parse(status).expect("a known status"),
        published_at,
        cover_media_id: None,
        created_at: bantin::time::now(),
        updated_at: bantin::time::now(),
        version: 1,
    };
    app.db
        .run(move |conn| {
            Ok(diesel::insert_into(articles::table)
                .values(row)
                .returning(articles::id)
                .get_result::<i64>(conn)?)
        })
        .await
        .unwrap()
}

fn at(y: i32, m: u32, d: u32, h: u32) -> Option<NaiveDateTime> {
    Some(Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().naive_utc())
}

fn ids(body: &Value) -> Vec<i64> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect()
}

/// Follows `next_cursor` from the first page to the last, checking the Link header on the way.
async fn walk(app: &TestApp, first: &str) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut path = first.to_owned();
    for _ in 0..100 {
        let res = app.get(&path).await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        let body = res.json();
        seen.extend(ids(&body));
        match body["page"]["next_cursor"].as_str() {
            Some(cursor) => {
                let link = res
                    .header("link")
                    .expect("a Link header when another page follows");
                assert!(
                    link.starts_with("</api/v1/articles?") && link.ends_with(">; rel=\"next\""),
                    "{link}"
                );
                path = link[1..link.find('>').unwrap()].to_owned();
                assert!(path.contains(&format!("cursor={}", urlencode(cursor))));
            }
            None => {
                assert!(res.header("link").is_none());
                return seen;
            }
        }
    }
    panic!("the cursor walk did not end");
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

db_test!(
    async fn anonymous_readers_see_the_five_demo_articles_newest_first(app) {
        let body = app.get("/api/v1/articles").await.json();
        let data = body["data"].as_array().unwrap();
        assert_eq!(data.len(), 5);
        assert_eq!(body["page"]["limit"], 20);
        assert!(body["page"]["next_cursor"].is_null());
        assert!(body["page"].get("total").is_none(), "total only with count=true");
        let dates: Vec<Option<&str>> = data.iter().map(|a| a["published_at"].as_str()).collect();
        assert_eq!(dates[0], Some("2023-05-29T11:44:00Z"));
        assert_eq!(dates[1], Some("2022-05-11T00:00:00Z"), "no time printed: 07:00 in Vietnam on its meeting's day");
        assert_eq!(dates[2], Some("2021-11-07T20:42:00Z"));
        assert_eq!(dates[3], Some("2021-10-21T17:00:00Z"));
        assert_eq!(dates[4], Some("2020-06-04T00:00:00Z"), "no time printed: 07:00 in Vietnam on its meeting's day");
        let oldest_first = app.get("/api/v1/articles?sort=published_at").await.json();
        let dates: Vec<&str> = oldest_first["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["published_at"].as_str().expect("every published article is dated"))
            .collect();
        assert_eq!(dates.len(), 5);
        assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    }
);

db_test!(
    async fn published_articles_stored_without_a_date_are_dated_at_start_up(app) {
        use bantin::db::schema::{article_meetings, changes};
        use diesel::{ExpressionMethods, QueryDsl};
        let with_meeting = insert(&app, "undated-with-meeting", "published", None, None).await;
        let alone = insert(&app, "undated-alone", "published", None, None).await;
        let draft = insert(&app, "undated-draft", "draft", None, None).await;
        let meeting = app.insert_meeting("Họp không ghi giờ", "2022-03-04").await;
        let (again, updated) = app
            .db
            .run(move |conn| {
                diesel::insert_into(article_meetings::table)
                    .values((
                        article_meetings::article_id.eq(with_meeting),
                        article_meetings::meeting_id.eq(meeting),
                        article_meetings::position.eq(0),
                    ))
                    .execute(conn)?;
                let before: i64 = changes::table
                    .select(diesel::dsl::max(changes::seq))
                    .first::<Option<i64>>(conn)?
                    .unwrap_or(0);
                bantin::startup::backfill(conn).map_err(bantin::error::ApiError::internal)?;
                let again = bantin::db::transaction(conn, bantin::articles::write::date_undated)?;
                let updated: Vec<i64> = changes::table
                    .filter(changes::seq.gt(before))
                    .filter(changes::resource.eq("articles"))
                    .filter(changes::action.eq("updated"))
                    .select(changes::resource_id)
                    .load(conn)?;
                Ok((again, updated))
            })
            .await
            .unwrap();
        assert_eq!(again, 0, "a second run finds nothing to date");
        let token = app.user("viewer").await.1;
        let read = |id: i64| format!("/api/v1/articles/{id}");
        let first = app.get_as(&read(with_meeting), &token).await.json();
        assert_eq!(first["published_at"], "2022-03-04T00:00:00Z", "its meeting's day, 07:00 in Vietnam");
        assert_eq!(first["version"], 2, "dating is a change like any other");
        let second = app.get_as(&read(alone), &token).await.json();
        assert!(second["published_at"].is_string(), "no meeting: dated when it was created");
        let third = app.get_as(&read(draft), &token).await.json();
        assert!(third["published_at"].is_null(), "a draft keeps no date");
        assert!(updated.contains(&with_meeting) && updated.contains(&alone), "{updated:?}");
        assert!(!updated.contains(&draft));
    }
);

db_test!(
    async fn walking_limit_2_cursors_returns_every_article_exactly_once(app) {
        for i in 0..6 {
            insert(&app, &format!("extra-{i}"), "published", at(2022, 1, 1 + (i % 2) as u32, 8), None).await;
        }
        insert(&app, "undated-extra", "published", None, None).await;
        let all = ids(&app.get("/api/v1/articles?limit=100").await.json());
        assert_eq!(all.len(), 12);
        for sort in ["-published_at", "published_at", "-updated_at", "updated_at"] {
            let walked = walk(&app, &format!("/api/v1/articles?limit=2&sort={sort}")).await;
            let unique: HashSet<i64> = walked.iter().copied().collect();
            assert_eq!(walked.len(), 12, "{sort}: {walked:?}");
            assert_eq!(unique.len(), 12, "{sort}: duplicates in {walked:?}");
            let whole = ids(&app.get(&format!("/api/v1/articles?limit=100&sort={sort}")).await.json());
            assert_eq!(walked, whole, "{sort}: pages in the same order as one long page");
        }
    }
);

db_test!(
    async fn a_cursor_stays_stable_when_articles_are_inserted_meanwhile(app) {
        let first = app.get("/api/v1/articles?limit=2").await.json();
        let cursor = first["page"]["next_cursor"].as_str().unwrap().to_owned();
        insert(&app, "newer", "published", at(2030, 1, 1, 0), None).await;
        let second = app.get(&format!("/api/v1/articles?limit=2&cursor={}", urlencode(&cursor))).await.json();
        let mut seen = ids(&first);
        seen.extend(ids(&second));
        let expected: Vec<i64> = ids(&app.get("/api/v1/articles?limit=5").await.json())[1..5].to_vec();
        assert_eq!(seen, expected, "the new article is before the cursor and does not shift pages");
    }
);

db_test!(
    async fn a_tampered_cursor_is_a_400_problem(app) {
        let body = app.get("/api/v1/articles?limit=2").await.json();
        let cursor = body["page"]["next_cursor"].as_str().unwrap().to_owned();
        let mut tampered = cursor.clone().into_bytes();
        tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        for bad in [tampered.as_str(), "not-a-cursor", "eyJzIjoiLXB1Ymxpc2hlZF9hdCJ9.AAAA"] {
            let res = app.get(&format!("/api/v1/articles?limit=2&cursor={}", urlencode(bad))).await;
            let problem = res.problem(400, "bad_request");
            assert_eq!(problem["errors"][0]["field"], "cursor");
        }
        // A cursor made for one order is refused under another.
        let res = app.get(&format!("/api/v1/articles?limit=2&sort=updated_at&cursor={}", urlencode(&cursor))).await;
        res.problem(400, "bad_request");
    }
);

db_test!(
    async fn bad_query_parameters_are_400_problems_naming_the_parameter(app) {
        for (query, field) in [
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("limit=abc", "limit"),
            ("colour=red", "colour"),
            ("sort=title", "sort"),
            ("status=secret", "status"),
            ("published_from=yesterday", "published_from"),
            ("updated_since=2021-11-07", "updated_since"),
            ("count=maybe", "count"),
            ("meeting_id=x", "meeting_id"),
            ("include=secrets", "include"),
            ("limit=1&limit=2", "limit"),
        ] {
            let res = app.get(&format!("/api/v1/articles?{query}")).await;
            let problem = res.problem(400, "bad_request");
            assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
            assert!(problem["detail"].as_str().unwrap().contains(field), "{query}: {problem}");
        }
    }
);

db_test!(
    async fn count_true_adds_the_total(app) {
        let body = app.get("/api/v1/articles?limit=1&count=true").await.json();
        assert_eq!(body["page"]["total"], 5);
        assert_eq!(body["data"].as_array().unwrap().len(), 1);
    }
);

db_test!(
    async fn anonymous_readers_never_see_drafts_or_archived_articles(app) {
        let draft = insert(&app, "ban-nhap", "draft", None, None).await;
        insert(&app, "luu-tru", "archived", at(2020, 1, 1, 0), None).await;
        let all = app.get("/api/v1/articles?count=true").await.json();
        assert_eq!(all["page"]["total"], 5);
        let drafts = app.get("/api/v1/articles?status=draft").await.json();
        assert_eq!(drafts["data"].as_array().unwrap().len(), 0);
        app.get(&format!("/api/v1/articles/{draft}")).await.problem(404, "not_found");
        app.get("/api/v1/articles/ban-nhap").await.problem(404, "not_found");
    }
);

db_test!(
    async fn lists_filter_by_category_meeting_and_time(app) {
        let by_category = app.get("/api/v1/articles?category=kinh%20t%E1%BA%BF").await.json();
        assert_eq!(by_category["data"].as_array().unwrap().len(), 1);
        assert_eq!(by_category["data"][0]["slug"], "btv-thanh-uy-lam-viec-voi-dang-uy-phuong-tuan-chau");

        let article = app.get("/api/v1/articles/btv-thanh-uy-lam-viec-voi-dang-uy-phuong-tuan-chau").await.json();
        let meeting_id = article["meeting_ids"][0].as_i64().unwrap();
        let by_meeting = app.get(&format!("/api/v1/articles?meeting_id={meeting_id}")).await.json();
        assert_eq!(ids(&by_meeting), vec![article["id"].as_i64().unwrap()]);

        // Dates are days in Vietnam: 08/11/2021 03:42 local is 2021-11-07T20:42Z.
        let day = app.get("/api/v1/articles?published_from=2021-11-08&published_to=2021-11-08").await.json();
        assert_eq!(ids(&day), vec![article["id"].as_i64().unwrap()]);
        let before = app.get("/api/v1/articles?published_to=2021-11-07T20:41:59Z").await.json();
        assert_eq!(before["data"].as_array().unwrap().len(), 2, "the 2021-10-22 and 2020-06-04 articles");
        let exact = app.get("/api/v1/articles?published_from=2021-11-07T20:42:00Z&published_to=2021-11-07T20:42:00Z").await.json();
        assert_eq!(ids(&exact), vec![article["id"].as_i64().unwrap()]);

        let future = app.get("/api/v1/articles?updated_since=2100-01-01T00:00:00Z").await.json();
        assert_eq!(future["data"].as_array().unwrap().len(), 0);
        let past = app.get("/api/v1/articles?updated_since=2000-01-01T00:00:00Z").await.json();
        assert_eq!(past["data"].as_array().unwrap().len(), 5);
    }
);

db_test!(
    async fn an_article_is_found_by_id_or_slug_and_embeds_its_meetings(app) {
        let by_slug = app.get("/api/v1/articles/btv-thanh-uy-lam-viec-voi-dang-uy-phuong-tuan-chau").await;
        assert_eq!(by_slug.status, 200);
        let article = by_slug.json();
        assert_eq!(by_slug.header("etag"), Some(format!("\"{}\"", article["version"]).as_str()));
        let by_id = app.get(&format!("/api/v1/articles/{}", article["id"])).await.json();
        assert_eq!(article, by_id);
        assert!(article.get("meetings").is_none(), "embeds only when asked");

        let with = app
            .get("/api/v1/articles/btv-thanh-uy-lam-viec-voi-dang-uy-phuong-tuan-chau?include=meetings")
            .await
            .json();
        let meetings = with["meetings"].as_array().unwrap();
        assert_eq!(meetings.len(), 1);
        assert_eq!(meetings[0]["id"], article["meeting_ids"][0]);
        assert_eq!(meetings[0]["date"], "2021-11-08");
        assert_eq!(meetings[0]["kind"], "working_session");
        assert!(meetings[0]["article_ids"].as_array().unwrap().contains(&article["id"]));

        let list = app.get("/api/v1/articles?include=meetings").await.json();
        for a in list["data"].as_array().unwrap() {
            assert_eq!(a["meetings"].as_array().unwrap().len(), a["meeting_ids"].as_array().unwrap().len());
        }
        app.get("/api/v1/articles/999999").await.problem(404, "not_found");
        app.get("/api/v1/articles/khong-co-bai-nay").await.problem(404, "not_found");
        app.get("/api/v1/articles/1?include=people").await.problem(400, "bad_request");
        app.get("/api/v1/articles/1?limit=2").await.problem(400, "bad_request");
    }
);

db_test!(
    async fn etags_answer_304_to_if_none_match(app) {
        for path in ["/api/v1/articles", "/api/v1/articles/1", "/api/v1/articles/1?include=meetings"] {
            let first = app.get(path).await;
            let etag = first.header("etag").expect("etag").to_owned();
            let again = app.request(Method::GET, path, &[("If-None-Match", &etag)], None).await;
            assert_eq!(again.status, 304, "{path}");
            assert!(again.body.is_empty());
            assert_eq!(again.header("etag"), Some(etag.as_str()));
            let changed = app.request(Method::GET, path, &[("If-None-Match", "\"other\"")], None).await;
            assert_eq!(changed.status, 200, "{path}");
        }
        let list = app.get("/api/v1/articles").await;
        insert(&app, "moi", "published", at(2024, 1, 1, 0), None).await;
        let after = app.request(Method::GET, "/api/v1/articles", &[("If-None-Match", list.header("etag").unwrap())], None).await;
        assert_eq!(after.status, 200, "a new article changes the list's ETag");
    }
);

/// Articles whose stored `relations` differ from what their relation tables hold now.
async fn stale_relations(app: &TestApp) -> i64 {
    match app.backend {
        bantin::db::Backend::Postgres => {
            app.count("SELECT COUNT(*) AS n FROM articles WHERE relations <> article_relations(id)")
                .await
        }
        bantin::db::Backend::Sqlite => {
            app.count(
                "SELECT COUNT(*) AS n FROM articles a JOIN article_relations v \
                 ON v.article_id = a.id WHERE a.relations <> v.relations",
            )
            .await
        }
    }
}

db_test!(
    async fn the_stored_relations_follow_every_write_of_authors_meetings_and_gallery(app) {
        assert_eq!(stale_relations(&app).await, 0, "after the demo data");
        let token = app.user("editor").await.1;
        let meetings = crate::helpers::ids_of(&app.get("/api/v1/meetings?limit=2").await.json());
        let auth = format!("Bearer {token}");
        let photo = app
            .request(
                Method::POST,
                "/api/v1/media",
                &[("Authorization", &auth), ("Content-Type", "image/png")],
                Some(crate::media::png(6, 4).into()),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let res = app
            .json(
                Method::POST,
                "/api/v1/articles",
                Some(&token),
                &serde_json::json!({
                    "title": "Thường trực Thị ủy làm việc với Đảng ủy phường",
                    "body": "Nội dung",
                    "status": "published",
                    "authors": ["Thu Hường", "Văn Hiệp"],
                    "meeting_ids": [meetings[1], meetings[0]],
                    "media": [{"media_id": photo, "caption": "Toàn cảnh"}, {"media_id": photo}]
                }),
            )
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        let id = res.json()["id"].as_i64().unwrap();
        let path = format!("/api/v1/articles/{id}");
        let read = app.get(&path).await.json();
        assert_eq!(read["authors"], serde_json::json!(["Thu Hường", "Văn Hiệp"]));
        assert_eq!(read["meeting_ids"], serde_json::json!([meetings[1], meetings[0]]));
        assert_eq!(read["media"][0]["caption"], "Toàn cảnh");
        assert_eq!(read["media"][1]["caption"], Value::Null);
        assert_eq!(stale_relations(&app).await, 0, "after a create");

        // One relation changed, the others kept; then each cleared.
        for (patch, check) in [
            (serde_json::json!({"authors": ["Văn Hiệp"]}), "authors"),
            (serde_json::json!({"meeting_ids": null}), "meeting_ids"),
            (serde_json::json!({"media": []}), "media"),
        ] {
            let res = app.json(Method::PATCH, &path, Some(&token), &patch).await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            let read = app.get(&path).await.json();
            let expected = patch[check].clone();
            let expected = if expected.is_null() { serde_json::json!([]) } else { expected };
            assert_eq!(read[check], expected, "{check}: {read}");
            assert_eq!(stale_relations(&app).await, 0, "after patching {check}");
        }
        assert_eq!(app.get(&path).await.json()["authors"], serde_json::json!(["Văn Hiệp"]));

        // A write to the relation tables that is not the API's (an import, a fix by hand).
        let sql = format!("INSERT INTO article_authors (article_id, position, name) VALUES ({id}, 7, 'Minh Anh')");
        app.db
            .run(move |conn| Ok(diesel::sql_query(sql).execute(conn)?))
            .await
            .unwrap();
        assert_eq!(app.get(&path).await.json()["authors"], serde_json::json!(["Văn Hiệp", "Minh Anh"]));
        assert_eq!(stale_relations(&app).await, 0, "after a write by hand");

        let res = app.request(Method::DELETE, &path, &[("Authorization", &auth)], None).await;
        assert_eq!(res.status, 204);
        assert_eq!(stale_relations(&app).await, 0, "after a delete");
    }
);
