//! Targets: the computed percent of plan and status (both directions), filters, sorts, the
//! summary per organization and period, and writes.

use std::collections::BTreeSet;

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::{ids_of, TestApp};

async fn add(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app
        .json(Method::POST, "/api/v1/targets", Some(token), &body)
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn fields(problem: &Value) -> BTreeSet<String> {
    crate::helpers::problem_fields(problem)
        .into_iter()
        .collect()
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// A target body for `organization` with the figures given.
fn target(organization: i64, indicator: &str, figures: Value) -> Value {
    let mut body = json!({
        "organization_id": organization, "indicator": indicator, "unit": "%",
        "period_label": "năm 2021", "period_start": "2021-01-01", "period_end": "2021-12-31"
    });
    for (k, v) in figures.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

db_test!(
    async fn each_status_and_percent_follows_the_rule_in_both_directions(app) {
        let (_, token) = app.user("editor").await;
        let org = app.insert_organization("Đảng ủy phường Chỉ Tiêu", None).await;
        let cases = [
            ("12/10 đảng viên", json!({"plan_value": 10, "actual_value": 12}), json!(120.0), "exceeded"),
            ("10/10", json!({"plan_value": 10, "actual_value": 10}), json!(100.0), "met"),
            ("8,2/10", json!({"plan_value": 10, "actual_value": 8.2}), json!(82.0), "not_met"),
            ("2/3 rounds to 2 decimals", json!({"plan_value": 3, "actual_value": 2}), json!(66.67), "not_met"),
            ("reported 83% of plan", json!({"actual_value": 8.2, "reported_percent": 83}), json!(83.0), "not_met"),
            ("reported 100%", json!({"reported_percent": 100}), json!(100.0), "met"),
            ("reported 120%", json!({"reported_percent": 120}), json!(120.0), "exceeded"),
            // The reported percent is shown as given; the figures decide the status.
            ("figures over the reported percent", json!({"plan_value": 10, "actual_value": 12, "reported_percent": 119.5}), json!(119.5), "exceeded"),
            // A poverty rate of 0.24 % against a plan of 1 % is better than the plan, not short of it.
            ("tỷ lệ hộ nghèo", json!({"direction": "lower_is_better", "plan_value": 1, "actual_value": 0.24}), json!(24.0), "exceeded"),
            ("lower, equal", json!({"direction": "lower_is_better", "plan_value": 1, "actual_value": 1}), json!(100.0), "met"),
            ("lower, above plan", json!({"direction": "lower_is_better", "plan_value": 1, "actual_value": 1.5}), json!(150.0), "not_met"),
            ("lower, reported only", json!({"direction": "lower_is_better", "reported_percent": 80}), json!(80.0), "unknown"),
            ("actual only", json!({"actual_value": 0.24}), Value::Null, "unknown"),
            ("plan only", json!({"plan_value": 96.35}), Value::Null, "unknown"),
            ("plan of 0 without an actual", json!({"plan_value": 0}), Value::Null, "unknown"),
            ("nothing", json!({}), Value::Null, "unknown"),
        ];
        let mut expected: Vec<(i64, &str)> = Vec::new();
        for (indicator, figures, percent, status) in cases {
            let created = add(&app, &token, target(org, indicator, figures)).await;
            assert_eq!(created["percent_of_plan"], percent, "{indicator}");
            assert_eq!(created["status"], status, "{indicator}");
            expected.push((id(&created), status));
        }
        // The status filter is the same rule, in SQL.
        for status in ["exceeded", "met", "not_met", "unknown"] {
            let listed = app.get(&format!("/api/v1/targets?organization_id={org}&status={status}&limit=100")).await.json();
            let want: BTreeSet<i64> = expected.iter().filter(|(_, s)| *s == status).map(|(i, _)| *i).collect();
            assert_eq!(ids_of(&listed).into_iter().collect::<BTreeSet<_>>(), want, "{status}");
        }
        // Sorted by percent, highest first, those without one last.
        let walked = app.walk(&format!("/api/v1/targets?organization_id={org}&sort=-percent&limit=3")).await;
        let percents: Vec<Value> = walked.iter().map(|t| t["percent_of_plan"].clone()).collect();
        assert_eq!(percents, [150.0, 120.0, 120.0, 119.5, 100.0, 100.0, 100.0, 83.0, 82.0, 80.0, 66.67, 24.0].iter().map(|p| json!(p)).chain(std::iter::repeat_n(Value::Null, 4)).collect::<Vec<_>>());
        let walked = app.walk(&format!("/api/v1/targets?organization_id={org}&sort=percent&limit=5")).await;
        assert_eq!(walked[0]["percent_of_plan"], 24.0);
        assert_eq!(walked[11]["percent_of_plan"], 150.0);
        assert!(walked[12..].iter().all(|t| t["percent_of_plan"].is_null()));
        assert_eq!(walked.len(), 16);
    }
);

db_test!(
    async fn lists_filter_by_organization_meeting_period_words_and_sort_by_period(app) {
        let (_, token) = app.user("editor").await;
        let a = app.insert_organization("Đảng ủy phường Lọc Chỉ Tiêu", None).await;
        let b = app.insert_organization("Đảng ủy phường Khác", None).await;
        let m = app.insert_meeting("Sơ kết", "2021-07-05").await;
        let t1 = add(&app, &token, json!({"organization_id": a, "meeting_id": m, "indicator": "Thu ngân sách nhà nước", "unit": "tỷ đồng", "period_label": "6 tháng đầu năm 2021", "period_start": "2021-01-01", "period_end": "2021-06-30"})).await;
        let t2 = add(&app, &token, json!({"organization_id": a, "indicator": "Tỷ lệ hộ nghèo", "unit": "%", "period_label": "năm 2021", "period_end": "2021-12-31", "direction": "lower_is_better"})).await;
        let t3 = add(&app, &token, json!({"organization_id": a, "indicator": "Ngân sách xã", "unit": "triệu đồng", "period_label": "năm 2020", "period_end": "2020-12-31"})).await;
        let t4 = add(&app, &token, json!({"organization_id": a, "indicator": "Đường giao thông nông thôn", "unit": "km", "period_label": "nhiệm kỳ"})).await;
        let t5 = add(&app, &token, json!({"organization_id": b, "indicator": "Thu ngân sách", "unit": "tỷ đồng", "period_label": "năm 2021"})).await;
        let q = |query: &str| {
            let path = format!("/api/v1/targets?{query}");
            let app = &app;
            async move { ids_of(&app.get(&path).await.json()) }
        };
        // Latest period first by default; those without an end last.
        assert_eq!(q(&format!("organization_id={a}")).await, vec![id(&t2), id(&t1), id(&t3), id(&t4)]);
        assert_eq!(q(&format!("organization_id={a}&sort=period")).await, vec![id(&t3), id(&t1), id(&t2), id(&t4)]);
        let walked = app.walk(&format!("/api/v1/targets?organization_id={a}&limit=1")).await;
        assert_eq!(ids_of(&json!(walked)), vec![id(&t2), id(&t1), id(&t3), id(&t4)]);
        assert_eq!(q(&format!("meeting_id={m}")).await, vec![id(&t1)]);
        let both = q("period_label=n%C4%83m%202021&limit=100").await;
        assert!(both.contains(&id(&t2)) && both.contains(&id(&t5)));
        assert_eq!(q(&format!("organization_id={a}&period_label=n%C4%83m%202021")).await, vec![id(&t2)]);
        // Words ignore case and diacritics, đ read as d; all must occur; quotes keep a phrase.
        assert_eq!(q(&format!("organization_id={a}&q=HO%20NGHEO")).await, vec![id(&t2)]);
        assert_eq!(q(&format!("organization_id={a}&q=ngan%20sach")).await, vec![id(&t1), id(&t3)]);
        assert_eq!(q(&format!("organization_id={a}&q=%22sach%20nha%20nuoc%22")).await, vec![id(&t1)]);
        assert_eq!(q(&format!("organization_id={a}&q=%22nuoc%20sach%22")).await, Vec::<i64>::new());
        assert_eq!(q(&format!("organization_id={a}&q=duong")).await, vec![id(&t4)]);
        let counted = app.get(&format!("/api/v1/targets?organization_id={a}&count=true&limit=1")).await.json();
        assert_eq!(counted["page"]["total"], 4);
        assert_eq!(q("updated_since=2999-01-01T00:00:00Z").await, Vec::<i64>::new());
        for (query, field) in [("status=done", "status"), ("sort=-indicator", "sort"), ("organisation_id=1", "organisation_id"), ("meeting_id=x", "meeting_id")] {
            let problem = app.get(&format!("/api/v1/targets?{query}")).await.problem(400, "bad_request");
            assert_eq!(fields(&problem), names(&[field]), "{query}");
        }
        let first = app.get(&format!("/api/v1/targets?organization_id={a}&limit=1")).await.json();
        let cursor = first["page"]["next_cursor"].as_str().unwrap().to_owned();
        app.get(&format!("/api/v1/targets?organization_id={a}&limit=1&sort=percent&cursor={cursor}")).await.problem(400, "bad_request");
    }
);

db_test!(
    async fn the_summary_counts_statuses_per_organization_and_period(app) {
        let (_, token) = app.user("editor").await;
        let ward = app.insert_organization("Đảng ủy phường Tổng Kết", None).await;
        let other = app.insert_organization("Đảng ủy xã Tổng Kết", None).await;
        // "12/14 chỉ tiêu đạt và vượt": 5 exceeded, 7 met, 2 not met.
        for i in 0..14 {
            let actual = match i { 0..=4 => 12.0, 5..=11 => 10.0, _ => 8.0 };
            add(&app, &token, target(ward, &format!("Chỉ tiêu {i}"), json!({"plan_value": 10, "actual_value": actual}))).await;
        }
        add(&app, &token, json!({"organization_id": ward, "indicator": "Tỷ lệ hộ nghèo", "unit": "%", "period_label": "năm 2022"})).await;
        add(&app, &token, target(other, "Thu ngân sách", json!({"reported_percent": 100}))).await;
        let page = app.get(&format!("/api/v1/targets/summary?organization_id={ward}")).await.json();
        assert_eq!(page["data"], json!([
            {"organization_id": ward, "period_label": "năm 2021", "total": 14, "exceeded": 5, "met": 7, "not_met": 2, "unknown": 0, "met_or_exceeded": 12},
            {"organization_id": ward, "period_label": "năm 2022", "total": 1, "exceeded": 0, "met": 0, "not_met": 0, "unknown": 1, "met_or_exceeded": 0}
        ]));
        let one = app.get(&format!("/api/v1/targets/summary?organization_id={ward}&period_label=n%C4%83m%202022")).await.json();
        assert_eq!(one["data"].as_array().unwrap().len(), 1);
        // Every group of every organization, page by page, in order; the demo's included.
        let walked = app.walk("/api/v1/targets/summary?limit=2").await;
        let keys: Vec<(i64, String)> = walked.iter().map(|g| (g["organization_id"].as_i64().unwrap(), g["period_label"].as_str().unwrap().to_owned())).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(keys, sorted);
        let groups: i64 = walked.iter().map(|g| g["total"].as_i64().unwrap()).sum();
        let all = app.get("/api/v1/targets?count=true&limit=1").await.json();
        assert_eq!(all["page"]["total"], groups);
        assert!(keys.contains(&(other, "năm 2021".to_owned())));
        let problem = app.get("/api/v1/targets/summary?status=met").await.problem(400, "bad_request");
        assert_eq!(fields(&problem), names(&["status"]));
    }
);

db_test!(
    async fn the_demo_targets_are_served_with_their_status(app) {
        let thanh_son = app.get("/api/v1/targets?meeting_id=3&sort=period&limit=100").await.json();
        let rows: Vec<(String, Value, String)> = thanh_son["data"].as_array().unwrap().iter().map(|t| (
            t["indicator"].as_str().unwrap().to_owned(), t["percent_of_plan"].clone(), t["status"].as_str().unwrap().to_owned()
        )).collect();
        assert_eq!(rows.len(), 6);
        let find = |name: &str| rows.iter().find(|r| r.0.starts_with(name)).unwrap().clone();
        assert_eq!(find("Phát triển đảng viên mới"), ("Phát triển đảng viên mới".into(), json!(120.0), "exceeded".into()));
        assert_eq!(find("Số chỉ tiêu đạt và vượt").1, json!(85.71));
        assert_eq!(find("Tổng giá trị sản xuất").2, "not_met");
        assert_eq!(find("Tỷ lệ hộ nghèo").2, "unknown", "the article states no plan");
        let found = app.get("/api/v1/targets?q=ho%20ngheo").await.json();
        assert_eq!(found["data"].as_array().unwrap().len(), 2, "hộ nghèo and hộ cận nghèo");
        let industry = app.get("/api/v1/targets?q=cong%20nghiep").await.json();
        assert_eq!(industry["data"][0]["percent_of_plan"], 120.57);
        assert_eq!(industry["data"][0]["status"], "exceeded");
        let summary = app.get("/api/v1/targets/summary?meeting_id=4&period_label=%C4%91%E1%BA%A1i%20h%E1%BB%99i%20nhi%E1%BB%87m%20k%E1%BB%B3%202020%20-%202025").await.json();
        assert_eq!(summary["data"][0]["not_met"], 2);
        // The embedding the meetings resource uses.
        let loaded = app
            .db
            .run(|conn| bantin::targets::api::load_for_meetings(conn, &[3, 4, 1]))
            .await
            .unwrap();
        assert_eq!((loaded[&3].len(), loaded[&4].len(), loaded.contains_key(&1)), (6, 11, false));
        let ids: Vec<i64> = loaded[&4].iter().map(|t| t.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }
);

db_test!(
    async fn writes_name_every_bad_field_and_check_the_figures_together(app) {
        let (_, token) = app.user("editor").await;
        let (_, viewer) = app.user("viewer").await;
        let org = app.insert_organization("Đảng ủy phường Ghi", None).await;
        let before = app.count("SELECT COUNT(*) AS n FROM targets").await;
        let problem = app.json(Method::POST, "/api/v1/targets", Some(&token), &json!({
            "organization_id": org, "indicator": "Thu ngân sách", "unit": " ", "period_label": "năm 2021",
            "plan_value": 0, "actual_value": 5, "period_start": "2021-12-31", "period_end": "2021-01-01",
            "direction": "up", "reported_percent": -3, "status": "met"
        })).await.problem(422, "validation_failed");
        assert_eq!(fields(&problem), names(&["unit", "plan_value", "period_end", "direction", "reported_percent", "status"]));
        let problem = app.json(Method::POST, "/api/v1/targets", Some(&token), &json!({"plan_value": "mười"})).await.problem(422, "validation_failed");
        assert_eq!(fields(&problem), names(&["organization_id", "indicator", "unit", "period_label", "plan_value"]));
        let problem = app.json(Method::POST, "/api/v1/targets", Some(&token), &json!({"organization_id": 999999, "meeting_id": 999999, "indicator": "x", "unit": "đơn vị lạ", "period_label": "y"})).await.problem(422, "validation_failed");
        assert_eq!(fields(&problem), names(&["organization_id", "meeting_id"]));
        app.json(Method::POST, "/api/v1/targets", None, &target(org, "x", json!({}))).await.problem(401, "unauthorized");
        app.json(Method::POST, "/api/v1/targets", Some(&viewer), &target(org, "x", json!({}))).await.problem(403, "forbidden");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM targets").await, before);

        // Any unit text is fine.
        let created = add(&app, &token, target(org, "Phát triển đảng viên mới", json!({"unit": "chi, đảng bộ", "plan_value": 0}))).await;
        assert_eq!(created["unit"], "chi, đảng bộ");
        let path = format!("/api/v1/targets/{}", id(&created));
        // The figures are checked after the patch is applied.
        let problem = app.json(Method::PATCH, &path, Some(&token), &json!({"actual_value": 12})).await.problem(422, "validation_failed");
        assert_eq!(fields(&problem), names(&["plan_value"]));
        let problem = app.json(Method::PATCH, &path, Some(&token), &json!({"period_start": "2022-01-01"})).await.problem(422, "validation_failed");
        assert_eq!(fields(&problem), names(&["period_end"]));
        let problem = app.json(Method::PATCH, &path, Some(&token), &json!({"unit": null, "indicator": ""})).await.problem(422, "validation_failed");
        assert_eq!(fields(&problem), names(&["unit", "indicator"]));
        let patched = app.json(Method::PATCH, &path, Some(&token), &json!({"plan_value": 10, "actual_value": 12, "note": "12/10"})).await;
        assert_eq!(patched.header("etag"), Some("\"2\""));
        let patched = patched.json();
        assert_eq!((patched["status"].clone(), patched["percent_of_plan"].clone(), patched["version"].clone()), (json!("exceeded"), json!(120.0), json!(2)));
        let cleared = app.json(Method::PATCH, &path, Some(&token), &json!({"actual_value": null, "indicator": "Kết nạp đảng viên"})).await.json();
        assert_eq!((cleared["status"].clone(), cleared["percent_of_plan"].clone()), (json!("unknown"), Value::Null));
        // The folded indicator follows the new text.
        let found = app.get(&format!("/api/v1/targets?organization_id={org}&q=ket%20nap")).await.json();
        assert_eq!(ids_of(&found), vec![id(&created)]);
        app.json_with(Method::PATCH, &path, Some(&token), &json!({"note": "x"}), &[("If-Match", "\"1\"")]).await.problem(412, "precondition_failed");
        let etag = app.get(&path).await.header("etag").unwrap().to_owned();
        assert_eq!(app.request(Method::GET, &path, &[("If-None-Match", &etag)], None).await.status, 304);
        let auth = format!("Bearer {token}");
        assert_eq!(app.request(Method::DELETE, &path, &[("Authorization", &auth)], None).await.status, 204);
        app.get(&path).await.problem(404, "not_found");
        app.json(Method::PATCH, &path, Some(&token), &json!({"note": "x"})).await.problem(404, "not_found");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM changes WHERE resource = 'targets' AND action <> 'created'").await, 3);
    }
);

db_test!(
    async fn rows_written_before_the_folded_column_are_filled_when_migrating(app) {
        let org = app.insert_organization("Đảng ủy phường Cũ", None).await;
        app.db
            .run(move |conn| {
                use bantin::db::schema::targets::dsl as t;
                use diesel::{ExpressionMethods, RunQueryDsl};
                let now = bantin::time::now();
                diesel::insert_into(t::targets)
                    .values((
                        t::organization_id.eq(org),
                        t::indicator.eq("Tỷ lệ Đảng viên được đánh giá"),
                        t::unit.eq("%"),
                        t::period_label.eq("năm 2021"),
                        t::direction.eq("higher_is_better"),
                        t::created_at.eq(now),
                        t::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        let search = format!("/api/v1/targets?organization_id={org}&q=dang%20vien");
        assert!(ids_of(&app.get(&search).await.json()).is_empty());
        let filled = app
            .db
            .run(|conn| Ok(bantin::targets::model::fill_folded_indicators(conn)?))
            .await
            .unwrap();
        assert_eq!(filled, 1);
        assert_eq!(ids_of(&app.get(&search).await.json()).len(), 1);
    }
);
