//! The change feed and caching headers.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::Method;
use bantin::db::Backend;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::TestApp;

/// Follows the feed from `since` to the end, `limit` at a time.
async fn follow(
    app: &TestApp,
    token: Option<&str>,
    since: Option<String>,
    limit: u32,
) -> (Vec<Value>, String) {
    let mut all = Vec::new();
    let mut cursor = since;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/changes?limit={limit}&since={c}"),
            None => format!("/api/v1/changes?limit={limit}"),
        };
        let res = match token {
            Some(t) => app.get_as(&path, t).await,
            None => app.get(&path).await,
        };
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        let body = res.json();
        all.extend(body["data"].as_array().unwrap().iter().cloned());
        let next = body["page"]["next_cursor"].as_str().unwrap().to_owned();
        if !body["page"]["has_more"].as_bool().unwrap() {
            return (all, next);
        }
        cursor = Some(next);
    }
}

db_test!(
    async fn following_the_feed_replays_every_write_exactly_once(app) {
        let token = app.user("editor").await.1;
        let auth = format!("Bearer {token}");
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut live: Vec<(String, i64)> = Vec::new();
        for step in 0..60 {
            let choice = rng.gen_range(0..10);
            if choice < 4 || live.is_empty() {
                let (path, body) = match rng.gen_range(0..3) {
                    0 => ("articles", json!({"title": format!("Bài {step}"), "body": "b", "status": "published"})),
                    1 => ("people", json!({"full_name": format!("Người {step}")})),
                    _ => ("organizations", json!({"name": format!("Ban {step}"), "kind": "agency", "level": "district"})),
                };
                let res = app.json(Method::POST, &format!("/api/v1/{path}"), Some(&token), &body).await;
                assert_eq!(res.status, 201);
                live.push((path.to_owned(), res.json()["id"].as_i64().unwrap()));
            } else if choice < 8 {
                let (path, id) = live[rng.gen_range(0..live.len())].clone();
                let body = match path.as_str() {
                    "articles" => json!({"summary": format!("s{step}")}),
                    "people" => json!({"current_title": format!("t{step}")}),
                    _ => json!({"locality": format!("l{step}")}),
                };
                assert_eq!(app.json(Method::PATCH, &format!("/api/v1/{path}/{id}"), Some(&token), &body).await.status, 200);
            } else {
                let (path, id) = live.swap_remove(rng.gen_range(0..live.len()));
                assert_eq!(app.request(Method::DELETE, &format!("/api/v1/{path}/{id}"), &[("Authorization", &auth)], None).await.status, 204);
            }
        }
        let (changes, _) = follow(&app, Some(&token), None, 7).await;
        let seqs: Vec<i64> = changes.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "strictly increasing, so no duplicates");
        assert_eq!(changes.len() as i64, app.count("SELECT COUNT(*) AS n FROM changes").await, "nothing skipped");
        // Replaying the feed gives the current state: which records exist, at which version.
        let mut mirror: BTreeMap<(String, i64), i64> = BTreeMap::new();
        for c in &changes {
            let key = (c["resource"].as_str().unwrap().to_owned(), c["id"].as_i64().unwrap());
            if c["action"] == "deleted" {
                assert!(mirror.remove(&key).is_some(), "a deletion follows a creation: {c}");
            } else {
                if c["action"] == "created" {
                    assert!(!mirror.contains_key(&key));
                }
                mirror.insert(key, c["version"].as_i64().unwrap());
            }
        }
        for path in ["articles", "people", "organizations"] {
            let listed = app.get_as(&format!("/api/v1/{path}?limit=100"), &token).await.json();
            let actual: BTreeSet<(i64, i64)> = listed["data"].as_array().unwrap().iter().map(|r| (r["id"].as_i64().unwrap(), r["version"].as_i64().unwrap())).collect();
            let mirrored: BTreeSet<(i64, i64)> = mirror.iter().filter(|((r, _), _)| r == path).map(|((_, id), v)| (*id, *v)).collect();
            assert_eq!(mirrored, actual, "{path}");
        }
    }
);

db_test!(
    async fn anonymous_readers_do_not_see_changes_to_drafts(app) {
        let token = app.user("editor").await.1;
        let (_, start) = follow(&app, None, Some("now".into()), 100).await;
        let draft = app.json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": "Nháp", "body": "b"})).await.json();
        let public = app.json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": "Công khai", "body": "b", "status": "published"})).await.json();
        let (anonymous, _) = follow(&app, None, Some(start.clone()), 100).await;
        let ids: Vec<i64> = anonymous.iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![public["id"].as_i64().unwrap()]);
        let (editor, _) = follow(&app, Some(&token), Some(start.clone()), 100).await;
        assert_eq!(editor.len(), 2);
        assert_eq!(editor[0]["id"], draft["id"]);
        // Publishing the draft is visible to anonymous mirrors, and so is its deletion later.
        app.json(Method::PATCH, &format!("/api/v1/articles/{}", draft["id"]), Some(&token), &json!({"status": "published"})).await;
        let (after, _) = follow(&app, None, Some(start), 100).await;
        assert_eq!(after.last().unwrap()["action"], "updated");
    }
);

db_test!(
    async fn the_feed_starts_now_filters_resources_and_refuses_bad_parameters(app) {
        let token = app.user("editor").await.1;
        let (from_start, _) = follow(&app, None, None, 50).await;
        assert_eq!(from_start.len(), 118, "the demo data's creations");
        let (nothing, now) = follow(&app, None, Some("now".into()), 10).await;
        assert!(nothing.is_empty());
        app.json(Method::POST, "/api/v1/people", Some(&token), &json!({"full_name": "Mới"})).await;
        app.json(Method::POST, "/api/v1/organizations", Some(&token), &json!({"name": "Ban mới", "kind": "agency", "level": "district"})).await;
        let (both, _) = follow(&app, None, Some(now.clone()), 10).await;
        assert_eq!(both.len(), 2);
        let only = app.get(&format!("/api/v1/changes?since={now}&resources=people")).await.json();
        assert_eq!(only["data"].as_array().unwrap().len(), 1);
        assert_eq!(only["data"][0]["resource"], "people");
        for bad in ["since=garbage", "resources=secrets", "limit=0", "limit=1001", "cursor=x"] {
            app.get(&format!("/api/v1/changes?{bad}")).await.problem(400, "bad_request");
        }
        let wrong_list = app.get("/api/v1/articles?limit=1").await.json();
        let _ = wrong_list;
    }
);

#[actix_web::test]
#[cfg_attr(not(postgres_tests), ignore = "BANTIN_TEST_POSTGRES_URL is not set")]
async fn concurrent_writers_on_postgresql_number_changes_in_commit_order() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        eprintln!("skipped: BANTIN_TEST_POSTGRES_URL is not set");
        return;
    };
    let token = app.user("editor").await.1;
    let (_, start) = follow(&app, Some(&token), Some("now".into()), 100).await;
    // Writer A takes its place in the feed and holds its transaction open.
    let pool = app.db.pool().clone();
    let (opened_tx, opened_rx) = std::sync::mpsc::channel::<()>();
    let (commit_tx, commit_rx) = std::sync::mpsc::channel::<()>();
    let writer_a = std::thread::spawn(move || {
        use diesel::connection::SimpleConnection;
        let mut conn = pool.get().unwrap();
        conn.batch_execute("BEGIN").unwrap();
        bantin::sync::changes::record(
            &mut conn,
            bantin::resource::Resource::People,
            424242,
            bantin::sync::changes::Action::Updated,
            9,
            true,
        )
        .unwrap();
        opened_tx.send(()).unwrap();
        commit_rx.recv().unwrap();
        conn.batch_execute("COMMIT").unwrap();
    });
    opened_rx.recv().unwrap();
    // Writer B starts after A and must not get a place in the feed before A commits.
    let client = crate::helpers::client();
    let url = app.url("/api/v1/people");
    let auth = format!("Bearer {token}");
    let writer_b = actix_web::rt::spawn(async move {
        crate::helpers::send(
            &client,
            Method::POST,
            &url,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            Some(r#"{"full_name": "Người viết sau"}"#.into()),
        )
        .await
    });
    actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!writer_b.is_finished(), "B waits for A's commit");
    let (meanwhile, _) = follow(&app, Some(&token), Some(start.clone()), 100).await;
    assert!(
        meanwhile.is_empty(),
        "neither is visible while A is open: {meanwhile:?}"
    );
    commit_tx.send(()).unwrap();
    writer_a.join().unwrap();
    let created = writer_b.await.unwrap();
    assert_eq!(created.status, 201);
    let (after, _) = follow(&app, Some(&token), Some(start), 100).await;
    let ids: Vec<i64> = after.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(
        ids,
        vec![424242, created.json()["id"].as_i64().unwrap()],
        "A before B, as committed"
    );
}

db_test!(
    async fn anonymous_reads_are_cacheable_and_authenticated_ones_are_not(app) {
        let token = app.user("viewer").await.1;
        let anonymous = app.get("/api/v1/articles").await;
        assert_eq!(anonymous.header("cache-control"), Some(bantin::http::caching::PUBLIC));
        let vary: Vec<String> = anonymous.headers.get_all("vary").map(|v| v.to_str().unwrap().to_lowercase()).collect();
        assert!(vary.iter().any(|v| v.contains("authorization")), "{vary:?}");
        let authed = app.get_as("/api/v1/articles", &token).await;
        assert_eq!(authed.header("cache-control"), Some("private, no-store"));
        assert_eq!(app.get("/health/ready").await.header("cache-control"), Some("no-store"));
        assert_eq!(app.get("/api/v1/articles/999999").await.header("cache-control"), Some("no-store"));
    }
);
