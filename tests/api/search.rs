//! Full-text search: `q` on the lists and `GET /search`, on both backends.

use actix_web::http::Method;
use bantin::db::Backend;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::TestApp;

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn field(body: &Value, key: &str) -> Vec<Value> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {body}"))
        .iter()
        .map(|o| o[key].clone())
        .collect()
}

fn titles(body: &Value) -> Vec<String> {
    field(body, "title")
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect()
}

async fn ok(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).await;
    assert_eq!(
        res.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&res.body)
    );
    res.json()
}

/// Creates an article through the API and returns its id.
async fn article(app: &TestApp, token: &str, body: Value) -> i64 {
    let res = app
        .json(Method::POST, "/api/v1/articles", Some(token), &body)
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().unwrap()
}

const CATEGORY: &str = "kiểm thử tìm kiếm";

/// Four published articles in one category, oldest first: A has the phrase "Thái Nguyên" in its
/// body; B has both words in its title, apart; C ends its title with "Thái" and begins its body
/// with "Nguyên" (no phrase across the two); D has the phrase in its title, and COVID.
async fn phrase_fixture(app: &TestApp, token: &str) -> [i64; 4] {
    let mut ids = [0; 4];
    let items = [
        (
            "Hội nghị sơ kết quý III",
            "Đoàn công tác của tỉnh Thái Nguyên đến thăm và làm việc.",
        ),
        (
            "Thái Bình và Nguyên Bình giao lưu",
            "Hai địa phương ký kết hợp tác.",
        ),
        ("Tin vắn Thái", "Nguyên tắc làm việc của Ban Chấp hành."),
        (
            "Thái Nguyên phòng chống COVID-19",
            "Tăng cường phòng, chống dịch bệnh.",
        ),
    ];
    for (i, (title, body)) in items.iter().enumerate() {
        ids[i] = article(
            app,
            token,
            json!({"title": title, "body": body, "status": "published", "category": CATEGORY}),
        )
        .await;
    }
    ids
}

fn ids_of(body: &Value) -> Vec<i64> {
    field(body, "id")
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

db_test!(
    async fn search_ignores_case_and_diacritics_and_reads_d_as_d(app) {
        let plain = ok(&app, "/api/v1/articles?q=tuan%20chau").await;
        assert_eq!(
            titles(&plain),
            vec!["BTV Thành ủy làm việc với Đảng ủy phường Tuần Châu"]
        );
        let upper = ok(&app, &format!("/api/v1/articles?q={}", enc("TUẦN CHÂU"))).await;
        let lower = ok(&app, &format!("/api/v1/articles?q={}", enc("tuần châu"))).await;
        assert_eq!(upper, plain);
        assert_eq!(lower, plain);

        let wards = ok(&app, "/api/v1/organizations?q=dang%20uy%20phuong&limit=100").await;
        let names = titles_of_orgs(&wards);
        assert!(names.len() >= 12, "{names:?}");
        assert!(names.contains(&"Đảng ủy phường Tuần Châu".to_owned()));
        assert!(names.iter().all(|n| n.starts_with("Đảng ủy phường")), "{names:?}");

        let hits = ok(&app, "/api/v1/search?q=dang%20uy%20phuong%20tuan%20chau").await;
        let found: Vec<(String, String)> = hits["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["type"].as_str().unwrap().to_owned(), h["title"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(found[0], ("organizations".to_owned(), "Đảng ủy phường Tuần Châu".to_owned()), "a title match first: {found:?}");
        assert!(found.contains(&("articles".to_owned(), "BTV Thành ủy làm việc với Đảng ủy phường Tuần Châu".to_owned())));
        let people = ok(&app, &format!("/api/v1/people?q={}", enc("bí thư"))).await;
        assert!(!people["data"].as_array().unwrap().is_empty());
    }
);

fn titles_of_orgs(body: &Value) -> Vec<String> {
    field(body, "name")
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect()
}

db_test!(
    async fn phrases_exclusions_and_title_matches_first(app) {
        let token = app.user("editor").await.1;
        let [a, b, c, d] = phrase_fixture(&app, &token).await;
        let list = |q: &str| format!("/api/v1/articles?q={}&category={}", enc(q), enc(CATEGORY));
        assert_eq!(ids_of(&ok(&app, &list("thai nguyen")).await), vec![d, b, c, a], "title matches first, then newest first");
        assert_eq!(ids_of(&ok(&app, &list("\"thai nguyen\"")).await), vec![d, a], "a phrase, never across title and body");
        assert_eq!(ids_of(&ok(&app, &list("thai nguyen -covid")).await), vec![b, c, a]);
        assert_eq!(ids_of(&ok(&app, &list("\"thai nguyen\" -\"phong chong\"")).await), vec![a]);
        assert_eq!(ids_of(&ok(&app, &list("covid-19")).await), vec![d], "a word with punctuation is a phrase of its parts");
        assert_eq!(ids_of(&ok(&app, &list("\"thai nguyen")).await), vec![d, b, c, a], "an unbalanced quote is read as text");
        let by_date = ok(&app, &format!("{}&sort=published_at", list("thai nguyen"))).await;
        assert_eq!(ids_of(&by_date), vec![a, b, c, d], "with sort, the given order");
        let counted = ok(&app, &format!("{}&count=true", list("\"thai nguyen\""))).await;
        assert_eq!(counted["page"]["total"], 2);
        let everywhere = ok(&app, "/api/v1/search?q=thai%20nguyen%20-covid&types=articles&count=true&limit=100").await;
        let found = ids_of(&everywhere);
        assert!(!found.contains(&d));
        for id in [a, b, c] {
            assert!(found.contains(&id));
        }
        assert_eq!(everywhere["page"]["total"], found.len());
    }
);

db_test!(
    async fn snippets_keep_diacritics_and_mark_the_matched_words(app) {
        let hits = ok(&app, "/api/v1/search?q=tuan%20chau&types=articles").await;
        let hit = &hits["data"][0];
        assert_eq!(hit["type"], "articles");
        assert_eq!(hit["title"], "BTV Thành ủy làm việc với Đảng ủy phường Tuần Châu");
        let snippet = hit["snippet"].as_str().unwrap();
        assert!(snippet.contains("<mark>Tuần</mark> <mark>Châu</mark>"), "{snippet}");

        let token = app.user("editor").await.1;
        let id = article(&app, &token, json!({
            "title": "Giới thiệu sản phẩm OCOP",
            "body": "Giá <b>trị</b> & “Hương Sen” của làng nghề Hương Sen, xã Trà Sơn.",
            "status": "published"
        })).await;
        let hits = ok(&app, "/api/v1/search?q=huong%20sen&types=articles").await;
        assert_eq!(hits["data"][0]["id"], id);
        assert_eq!(
            hits["data"][0]["snippet"],
            "Giá &lt;b&gt;trị&lt;/b&gt; &amp; “<mark>Hương</mark> <mark>Sen</mark>” của làng nghề <mark>Hương</mark> <mark>Sen</mark>, xã Trà Sơn."
        );
        let phrase = ok(&app, &format!("/api/v1/search?q={}&types=articles", enc("\"lang nghe\" -abc"))).await;
        let snippet = phrase["data"][0]["snippet"].as_str().unwrap();
        assert!(snippet.contains("của <mark>làng</mark> <mark>nghề</mark> Hương"), "{snippet}");
    }
);

db_test!(
    async fn the_index_follows_every_write_and_hides_drafts_from_anonymous_callers(app) {
        let token = app.user("editor").await.1;
        let viewer = app.user("viewer").await.1;
        let id = article(&app, &token, json!({"title": "Dự thảo báo cáo bantinnhap", "body": "Nội dung"})).await;
        assert!(ok(&app, "/api/v1/search?q=bantinnhap").await["data"].as_array().unwrap().is_empty());
        assert!(ok(&app, "/api/v1/articles?q=bantinnhap").await["data"].as_array().unwrap().is_empty());
        let seen = app.get_as("/api/v1/search?q=bantinnhap", &viewer).await.json();
        assert_eq!(ids_of(&seen), vec![id]);
        let seen = app.get_as("/api/v1/articles?q=bantinnhap", &viewer).await.json();
        assert_eq!(ids_of(&seen), vec![id]);

        let res = app.json(Method::PATCH, &format!("/api/v1/articles/{id}"), Some(&token), &json!({"title": "Báo cáo bantinsua", "status": "published", "authors": ["Thu Hường"]})).await;
        assert_eq!(res.status, 200);
        assert!(ok(&app, "/api/v1/search?q=bantinnhap").await["data"].as_array().unwrap().is_empty());
        assert_eq!(ids_of(&ok(&app, "/api/v1/search?q=bantinsua").await), vec![id]);
        assert_eq!(ids_of(&ok(&app, "/api/v1/articles?q=bantinsua%20thu%20huong").await), vec![id], "authors are searched");
        let auth = format!("Bearer {token}");
        let res = app.request(Method::DELETE, &format!("/api/v1/articles/{id}"), &[("Authorization", &auth)], None).await;
        assert_eq!(res.status, 204);
        assert!(ok(&app, "/api/v1/search?q=bantinsua").await["data"].as_array().unwrap().is_empty());

        let person = app.json(Method::POST, "/api/v1/people", Some(&token), &json!({"full_name": "Nguyễn Thị Hằng Nga", "current_title": "Phó Bí thư Đảng ủy"})).await.json();
        let found = ok(&app, "/api/v1/people?q=hang%20nga").await;
        assert_eq!(field(&found, "id"), vec![person["id"].clone()]);
        app.json(Method::PATCH, &format!("/api/v1/people/{}", person["id"]), Some(&token), &json!({"full_name": "Nguyễn Thị Hồng"})).await;
        assert!(ok(&app, "/api/v1/people?q=hang%20nga").await["data"].as_array().unwrap().is_empty());
        let org = app.json(Method::POST, "/api/v1/organizations", Some(&token), &json!({"name": "Đảng ủy xã Đông Sơn", "short_name": "ĐU Đông Sơn", "kind": "party_committee", "level": "commune"})).await.json();
        assert_eq!(field(&ok(&app, "/api/v1/organizations?q=du%20dong%20son").await, "id"), vec![org["id"].clone()]);
        let meeting = app.json(Method::POST, "/api/v1/meetings", Some(&token), &json!({"title": "Làm việc với xã Đông Sơn", "kind": "working_session", "date": "2021-11-20", "topic": "Chuyển đổi số bantinhop"})).await.json();
        let hits = ok(&app, &format!("/api/v1/search?q={}&types=meetings,organizations", enc("dong son"))).await;
        let first: Vec<(Value, Value)> = hits["data"].as_array().unwrap().iter().take(2).map(|h| (h["type"].clone(), h["id"].clone())).collect();
        assert_eq!(first, vec![(json!("organizations"), org["id"].clone()), (json!("meetings"), meeting["id"].clone())], "title matches, the newest first: {hits}");
        assert_eq!(ids_of(&ok(&app, "/api/v1/meetings?q=bantinhop").await), vec![meeting["id"].as_i64().unwrap()]);
    }
);

fn texts(body: &Value) -> Vec<String> {
    field(body, "text")
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect()
}

db_test!(
    async fn directives_are_searched_by_text_with_their_filters_and_orders(app) {
        let found = ok(&app, "/api/v1/directives?q=quy%20hoach%20tuan%20chau&count=true").await;
        let texts_found = texts(&found);
        assert_eq!(texts_found.len(), 1, "{found}");
        assert!(texts_found[0].contains("quy hoạch phân khu cho phường Tuần Châu"), "{found}");
        assert_eq!(found["page"]["total"], 1);
        let id = found["data"][0]["id"].as_i64().unwrap();
        let meeting = found["data"][0]["meeting_id"].as_i64().unwrap();
        assert_eq!(found["data"][0]["progress"], "overdue", "the record is whole: {found}");

        // Every word must match; diacritics and case do not matter.
        let upper = ok(&app, &format!("/api/v1/directives?q={}", enc("QUY HOẠCH Tuần Châu"))).await;
        assert_eq!(ids_of(&upper), vec![id]);
        assert!(ok(&app, "/api/v1/directives?q=quy%20hoach%20tuan%20chau%20covid").await["data"].as_array().unwrap().is_empty());

        // With the other filters, in both lists.
        let nested = ok(&app, &format!("/api/v1/meetings/{meeting}/directives?q=tuan%20chau")).await;
        let nested_ids = ids_of(&nested);
        assert!(nested_ids.contains(&id) && nested_ids.len() >= 2, "{nested}");
        assert!(nested["data"].as_array().unwrap().iter().all(|d| d["meeting_id"] == meeting));
        let overdue = ok(&app, "/api/v1/directives?q=tuan%20chau&progress=overdue").await;
        assert_eq!(ids_of(&overdue), vec![id]);
        let none = ok(&app, "/api/v1/directives?q=tuan%20chau&progress=done_on_time").await;
        assert!(none["data"].as_array().unwrap().is_empty(), "{none}");

        // Best match first without `sort`; the given order with it.
        let ranked = ok(&app, "/api/v1/directives?q=covid&limit=100").await;
        let sorted = ok(&app, "/api/v1/directives?q=covid&limit=100&sort=ordinal").await;
        let mut a = ids_of(&ranked);
        let b = ids_of(&sorted);
        assert!(a.len() >= 2, "{ranked}");
        let meetings_in_order: Vec<i64> = sorted["data"].as_array().unwrap().iter().map(|d| d["meeting_id"].as_i64().unwrap()).collect();
        assert!(meetings_in_order.windows(2).all(|w| w[0] <= w[1]), "sort=ordinal keeps its order: {sorted}");
        a.sort_unstable();
        let mut b_sorted = b.clone();
        b_sorted.sort_unstable();
        assert_eq!(a, b_sorted, "the same set in either order");

        // A best-match page's cursor follows best-match order.
        let first = ok(&app, "/api/v1/directives?q=covid&limit=1").await;
        let cursor = first["page"]["next_cursor"].as_str().expect("a next page").to_owned();
        let second = ok(&app, &format!("/api/v1/directives?q=covid&limit=1&cursor={cursor}")).await;
        assert_eq!([ids_of(&first), ids_of(&second)].concat(), ids_of(&ranked)[..2].to_vec());
        app.get(&format!("/api/v1/directives?q=covid&sort=due_date&cursor={cursor}")).await.problem(400, "bad_request");
    }
);

db_test!(
    async fn pages_in_best_match_order_follow_their_cursors(app) {
        let whole = ok(&app, "/api/v1/search?q=dang%20uy&limit=100").await;
        assert!(whole["page"]["next_cursor"].is_null());
        let mut paged = Vec::new();
        let mut path = "/api/v1/search?q=dang%20uy&limit=3".to_owned();
        loop {
            let page = ok(&app, &path).await;
            paged.extend(page["data"].as_array().unwrap().iter().cloned());
            match page["page"]["next_cursor"].as_str() {
                Some(c) => path = format!("/api/v1/search?q=dang%20uy&limit=3&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(&paged, whole["data"].as_array().unwrap());
        assert!(paged.len() > 6);

        let all = ok(&app, "/api/v1/organizations?q=phuong&limit=100&level=commune").await;
        let first = app.get("/api/v1/organizations?q=phuong&limit=2&level=commune").await;
        let link = first.header("link").unwrap().to_owned();
        let next = link.trim_start_matches('<').split('>').next().unwrap().to_owned();
        let second = ok(&app, &next).await;
        let both: Vec<Value> = field(&first.json(), "id").into_iter().chain(field(&second, "id")).collect();
        assert_eq!(both, field(&all, "id")[..4].to_vec());

        let cursor = first.json()["page"]["next_cursor"].as_str().unwrap().to_owned();
        app.get(&format!("/api/v1/organizations?q=phuong&sort=name&cursor={cursor}")).await.problem(400, "bad_request");
        app.get(&format!("/api/v1/search?q=phuong&cursor={cursor}")).await.problem(400, "bad_request");
        app.get("/api/v1/search?q=phuong&cursor=e30.AAAA").await.problem(400, "bad_request");
    }
);

db_test!(
    async fn bad_queries_are_a_400_naming_the_parameter(app) {
        for (path, param) in [
            ("/api/v1/articles?q=%20%2C%20", "q"),
            ("/api/v1/meetings?q=%22%22", "q"),
            ("/api/v1/people?q=-covid", "q"),
            ("/api/v1/directives?q=-covid", "q"),
            ("/api/v1/meetings/1/directives?q=%20", "q"),
            ("/api/v1/search", "q"),
            ("/api/v1/search?q=-covid%20-%22ha%20noi%22", "q"),
            ("/api/v1/search?q=...", "q"),
            ("/api/v1/search?q=covid&types=articles,posts", "types"),
            ("/api/v1/search?q=covid&limit=0", "limit"),
            ("/api/v1/search?q=covid&sort=name", "sort"),
        ] {
            let problem = app.get(path).await.problem(400, "bad_request");
            assert_eq!(problem["errors"][0]["field"], param, "{path}: {problem}");
        }
        let long = format!("/api/v1/search?q={}", "a".repeat(201));
        app.get(&long).await.problem(400, "bad_request");
        let fine = format!("/api/v1/search?q={}", enc(&"ầ".repeat(200)));
        assert_eq!(app.get(&fine).await.status, 200, "200 characters, not bytes");
    }
);

db_test!(
    async fn random_queries_never_fail_the_server(app) {
        let mut runner = TestRunner::deterministic();
        let strategy = proptest::prop_oneof![
            proptest::string::string_regex("\\PC{0,40}").unwrap(),
            proptest::string::string_regex("[-\"' ()*:^+~|&!<>a-zđầƯ0-9]{0,40}").unwrap(),
        ];
        for _ in 0..60 {
            let q = strategy.new_tree(&mut runner).unwrap().current();
            for path in ["/api/v1/search", "/api/v1/articles", "/api/v1/organizations"] {
                let res = app.get(&format!("{path}?q={}", enc(&q))).await;
                assert!(res.status == 200 || res.status == 400, "{path} q={q:?}: {} {}", res.status, String::from_utf8_lossy(&res.body));
            }
        }
    }
);

/// The same data and the same queries on both backends give the same records in the same order.
#[actix_web::test]
#[cfg_attr(not(postgres_tests), ignore = "BANTIN_TEST_POSTGRES_URL is not set")]
async fn both_backends_find_the_same_records() {
    let Some(pg) = TestApp::spawn(Backend::Postgres).await else {
        eprintln!("skipped: BANTIN_TEST_POSTGRES_URL is not set");
        return;
    };
    let sqlite = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    for app in [&sqlite, &pg] {
        let token = app.user("editor").await.1;
        phrase_fixture(app, &token).await;
    }
    let queries = [
        "thai nguyen",
        "\"thai nguyen\"",
        "thai nguyen -covid",
        "dang uy phuong",
        "\"dang uy phuong\" -tuan",
        "TUẦN CHÂU",
        "bi thu",
        "ngan sach",
        "\"ban thuong vu\"",
        "covid-19",
        "phuong -\"dang uy\"",
        "chi tieu nhiem ky",
        "2021",
    ];
    for q in queries {
        for path in [
            format!("/api/v1/search?q={}&limit=100", enc(q)),
            format!("/api/v1/articles?q={}&limit=100", enc(q)),
            format!("/api/v1/organizations?q={}&limit=100", enc(q)),
            format!("/api/v1/meetings?q={}&limit=100", enc(q)),
            format!("/api/v1/directives?q={}&limit=100", enc(q)),
        ] {
            let a = ok(&sqlite, &path).await;
            let b = ok(&pg, &path).await;
            let key = |body: &Value| -> Vec<(Value, Value)> {
                body["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| (h["type"].clone(), h["id"].clone()))
                    .collect()
            };
            assert_eq!(key(&a), key(&b), "{path}");
        }
    }
}
