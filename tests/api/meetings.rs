//! Meetings and attendees: reads, filters, includes, writes and the chair rule.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::TestApp;

fn ids(body: &Value) -> Vec<i64> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

async fn org(app: &TestApp, token: &str, name: &str) -> i64 {
    let res = app
        .json(
            Method::POST,
            "/api/v1/organizations",
            Some(token),
            &json!({"name": name, "kind": "party_committee", "level": "commune"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().unwrap()
}

async fn person(app: &TestApp, token: &str, name: &str) -> i64 {
    let res = app
        .json(
            Method::POST,
            "/api/v1/people",
            Some(token),
            &json!({"full_name": name, "current_title": "Bí thư"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().unwrap()
}

db_test!(
    async fn the_five_demo_meetings_are_served_latest_first_with_their_bodies(app) {
        let body = app.get("/api/v1/meetings?count=true").await.json();
        assert_eq!(body["page"]["total"], 5);
        let dates: Vec<&str> = body["data"].as_array().unwrap().iter().map(|m| m["date"].as_str().unwrap()).collect();
        assert_eq!(dates, vec!["2023-05-29", "2022-05-11", "2021-11-08", "2021-10-20", "2020-06-04"]);
        let thai_nguyen = &body["data"][0];
        assert_eq!(thai_nguyen["counterpart_organization_ids"].as_array().unwrap().len(), 11, "eleven wards at once");
        assert_eq!(thai_nguyen["host_organization_ids"].as_array().unwrap().len(), 1);
        let asc = app.get("/api/v1/meetings?sort=date").await.json();
        let mut reversed = ids(&body);
        reversed.reverse();
        assert_eq!(ids(&asc), reversed);
        let afternoon = app.get("/api/v1/meetings?date_from=2021-10-20&date_to=2021-10-20").await.json();
        assert_eq!(afternoon["data"][0]["part_of_day"], "afternoon");
    }
);

db_test!(
    async fn meetings_filter_by_organization_and_its_role_person_dates_and_status(app) {
        let all = app.get("/api/v1/meetings?include=attendees").await.json();
        let first = &all["data"][0];
        let host = first["host_organization_ids"][0].as_i64().unwrap();
        let ward = first["counterpart_organization_ids"][3].as_i64().unwrap();
        assert_eq!(ids(&app.get(&format!("/api/v1/meetings?organization_id={ward}")).await.json()), vec![first["id"].as_i64().unwrap()]);
        assert_eq!(ids(&app.get(&format!("/api/v1/meetings?organization_id={ward}&org_role=counterpart")).await.json()).len(), 1);
        assert_eq!(ids(&app.get(&format!("/api/v1/meetings?organization_id={ward}&org_role=host")).await.json()).len(), 0);
        assert!(ids(&app.get(&format!("/api/v1/meetings?organization_id={host}&org_role=host")).await.json()).contains(&first["id"].as_i64().unwrap()));
        app.get("/api/v1/meetings?org_role=host").await.problem(400, "bad_request");
        let chair = first["chair_person_id"].as_i64().unwrap();
        assert_eq!(ids(&app.get(&format!("/api/v1/meetings?person_id={chair}")).await.json()), vec![first["id"].as_i64().unwrap()]);
        assert_eq!(ids(&app.get("/api/v1/meetings?date_from=2021-01-01&date_to=2021-12-31").await.json()).len(), 2);
        assert_eq!(ids(&app.get("/api/v1/meetings?status=held").await.json()).len(), 5);
        assert_eq!(ids(&app.get("/api/v1/meetings?status=cancelled").await.json()).len(), 0);
        for bad in ["status=done", "date_from=2021-13-01", "org_role=judge&organization_id=1", "include=secrets", "sort=title", "person_id=x"] {
            app.get(&format!("/api/v1/meetings?{bad}")).await.problem(400, "bad_request");
        }
        let walked = {
            let mut seen = Vec::new();
            let mut path = "/api/v1/meetings?limit=2".to_owned();
            loop {
                let body = app.get(&path).await.json();
                seen.extend(ids(&body));
                match body["page"]["next_cursor"].as_str() {
                    Some(c) => path = format!("/api/v1/meetings?limit=2&cursor={c}"),
                    None => break seen,
                }
            }
        };
        assert_eq!(walked, ids(&all));
    }
);

db_test!(
    async fn a_meeting_embeds_everything_it_points_to(app) {
        let m = app.get("/api/v1/meetings?date_from=2021-11-08&date_to=2021-11-08").await.json()["data"][0].clone();
        let id = m["id"].as_i64().unwrap();
        let full = app.get(&format!("/api/v1/meetings/{id}?include=attendees,directives,targets,articles,organizations")).await.json();
        let directives = full["directives"].as_array().unwrap();
        assert_eq!(directives.len(), 7, "the Tuần Châu conclusions");
        assert!(directives.iter().all(|d| d["meeting_id"] == id && d["progress"].is_string()));
        let targets = full["targets"].as_array().unwrap();
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0]["reported_percent"], 83.0);
        let attendees = full["attendees"].as_array().unwrap();
        assert!(!attendees.is_empty());
        let chair = attendees.iter().find(|a| a["role"] == "chair").expect("a chair attendee");
        assert_eq!(chair["person_id"], full["chair_person_id"]);
        assert_eq!(chair["person"]["full_name"], "Vũ Văn Diện");
        assert_eq!(full["articles"][0]["slug"], "btv-thanh-uy-lam-viec-voi-dang-uy-phuong-tuan-chau");
        let orgs: Vec<i64> = full["organizations"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect();
        let mut expected: Vec<i64> = m["host_organization_ids"].as_array().unwrap().iter().chain(m["counterpart_organization_ids"].as_array().unwrap()).map(|v| v.as_i64().unwrap()).collect();
        expected.sort();
        let mut got = orgs.clone();
        got.sort();
        assert_eq!(got, expected);
        let bare = app.get(&format!("/api/v1/meetings/{id}")).await;
        assert!(bare.json().get("attendees").is_none());
        assert_eq!(bare.header("etag"), Some(format!("\"{}\"", m["version"]).as_str()));
        app.get("/api/v1/meetings/999999").await.problem(404, "not_found");
        app.get(&format!("/api/v1/meetings/{id}?include=attendees,nothing")).await.problem(400, "bad_request");
        app.get("/api/v1/meetings/abc").await.problem(400, "bad_request");
    }
);

/// SQL statements one page of meetings with every include costs, and how many meetings it held.
async fn page_cost(app: &TestApp) -> (u64, usize) {
    let before = app.db.statements();
    let res = app
        .get(
            "/api/v1/meetings?include=attendees,directives,targets,articles,organizations&limit=20",
        )
        .await;
    assert_eq!(res.status, 200);
    (
        app.db.statements() - before,
        res.json()["data"].as_array().unwrap().len(),
    )
}

db_test!(
    async fn a_page_of_meetings_with_every_include_costs_a_fixed_number_of_statements(app) {
        let (small, n_small) = page_cost(&app).await;
        // Grow the page to 20 meetings, each with attendees, organizations and an article.
        let token = app.user("editor").await.1;
        let o = org(&app, &token, "Đảng ủy phường Mới").await;
        for i in 0..16 {
            let p = person(&app, &token, &format!("Người {i}")).await;
            let m: Value = app
                .json(Method::POST, "/api/v1/meetings", Some(&token), &json!({"title": format!("Buổi {i}"), "kind": "working_session", "date": "2024-01-01", "host_organization_ids": [1], "counterpart_organization_ids": [o], "chair_person_id": p}))
                .await
                .json();
            app.json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": format!("Tin {i}"), "body": "b", "status": "published", "meeting_ids": [m["id"]]})).await;
            let d = app.json(Method::POST, &format!("/api/v1/meetings/{}/directives", m["id"]), Some(&token), &json!({"text": format!("Nhiệm vụ {i}"), "lead_organization_id": o, "assignee_organization_ids": [1], "due_date": "2024-12-31"})).await;
            assert_eq!(d.status, 201, "{}", String::from_utf8_lossy(&d.body));
            let t = app.json(Method::POST, "/api/v1/targets", Some(&token), &json!({"organization_id": o, "meeting_id": m["id"], "indicator": format!("Chỉ tiêu {i}"), "unit": "%", "period_label": "năm 2024", "plan_value": 10.0, "actual_value": 12.0})).await;
            assert_eq!(t.status, 201, "{}", String::from_utf8_lossy(&t.body));
        }
        let (large, n_large) = page_cost(&app).await;
        assert_eq!((n_small, n_large), (5, 20));
        eprintln!("statements per page: {small} for {n_small} meetings, {large} for {n_large}");
        assert_eq!(small, large, "the statement count does not grow with the page");
        assert!(large <= 16, "{large} statements");
    }
);

db_test!(
    async fn meetings_are_written_through_the_shared_write_path(app) {
        let token = app.user("editor").await.1;
        let host = org(&app, &token, "Thị ủy Hương Trà mới").await;
        let ward = org(&app, &token, "Đảng ủy phường Hương Văn").await;
        let chair = person(&app, &token, "Hà Văn Tuấn Hai").await;
        let body = json!({"title": "Thường trực Thị ủy làm việc với Đảng ủy phường Hương Văn", "kind": "working_session", "date": "2021-10-21", "part_of_day": "afternoon", "host_organization_ids": [host], "counterpart_organization_ids": [ward], "chair_person_id": chair, "period_label": "9 tháng đầu năm 2021"});
        let res = app.json(Method::POST, "/api/v1/meetings", Some(&token), &body).await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        let created = res.json();
        assert_eq!(created["status"], "held");
        assert_eq!(created["counterpart_organization_ids"], json!([ward]));
        let location = res.header("location").unwrap().to_owned();
        let with = app.get(&format!("{location}?include=attendees")).await.json();
        assert_eq!(with["attendees"].as_array().unwrap().len(), 1, "the chair became an attendee");
        assert_eq!(with["attendees"][0]["role"], "chair");

        let bad = app.json(Method::POST, "/api/v1/meetings", Some(&token), &json!({"kind": "party", "date": "hôm nay", "host_organization_ids": [999999], "chair_person_id": 0})).await;
        let problem = bad.problem(422, "validation_failed");
        let mut fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        fields.sort();
        assert_eq!(fields, vec!["chair_person_id", "date", "kind", "title"]);
        let missing = app.json(Method::POST, "/api/v1/meetings", Some(&token), &json!({"title": "t", "kind": "other", "date": "2021-01-01", "host_organization_ids": [999999], "chair_person_id": 888888})).await;
        let problem = missing.problem(422, "validation_failed");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["host_organization_ids[0]", "chair_person_id"], "a missing reference is a 422 naming the field");
        let both = app.json(Method::POST, "/api/v1/meetings", Some(&token), &json!({"title": "t", "kind": "other", "date": "2021-01-01", "host_organization_ids": [host], "counterpart_organization_ids": [host]})).await;
        both.problem(422, "validation_failed");

        let path = location.clone();
        let patched = app.json_with(Method::PATCH, &path, Some(&token), &json!({"summary": "Tóm tắt", "period_label": null}), &[("If-Match", "\"1\"")]).await;
        assert_eq!(patched.status, 200, "{}", String::from_utf8_lossy(&patched.body));
        assert_eq!(patched.json()["summary"], "Tóm tắt");
        assert!(patched.json()["period_label"].is_null());
        app.json_with(Method::PATCH, &path, Some(&token), &json!({"summary": "x"}), &[("If-Match", "\"1\"")]).await.problem(412, "precondition_failed");
        app.json(Method::PATCH, &path, Some(&token), &json!({"title": null})).await.problem(422, "validation_failed");

        // Deleting a meeting an article reports on is refused; one without takes its attendees along.
        let demo_meeting = app.get("/api/v1/meetings?limit=1").await.json()["data"][0]["id"].as_i64().unwrap();
        let auth = format!("Bearer {token}");
        let refused = app.request(Method::DELETE, &format!("/api/v1/meetings/{demo_meeting}"), &[("Authorization", &auth)], None).await;
        let problem = refused.problem(409, "conflict");
        assert!(problem["detail"].as_str().unwrap().contains("articles"), "{problem}");
        let attendee_id = with["attendees"][0]["id"].as_i64().unwrap();
        let del = app.request(Method::DELETE, &path, &[("Authorization", &auth)], None).await;
        assert_eq!(del.status, 204);
        app.get(&path).await.problem(404, "not_found");
        app.get(&format!("/api/v1/attendees/{attendee_id}")).await.problem(404, "not_found");
        let tombstones = app.count("SELECT COUNT(*) AS n FROM changes WHERE action = 'deleted'").await;
        assert_eq!(tombstones, 2, "the meeting and its attendee");
    }
);

db_test!(
    async fn attendees_are_listed_nested_and_flat_and_a_person_attends_once(app) {
        let token = app.user("editor").await.1;
        let meeting = app.get("/api/v1/meetings?date_from=2022-05-11&date_to=2022-05-11").await.json()["data"][0]["id"].as_i64().unwrap();
        let nested = app.get(&format!("/api/v1/meetings/{meeting}/attendees?include=person")).await.json();
        let n = nested["data"].as_array().unwrap().len();
        assert!(n >= 3, "{nested}");
        assert!(nested["data"][0]["person"]["full_name"].is_string());
        let flat = app.get(&format!("/api/v1/attendees?meeting_id={meeting}")).await.json();
        assert_eq!(flat["data"].as_array().unwrap().len(), n);
        assert!(flat["data"][0].get("person").is_none());
        let speakers = app.get("/api/v1/attendees?role=speaker").await.json();
        assert!(speakers["data"].as_array().unwrap().iter().all(|a| a["role"] == "speaker"));
        app.get("/api/v1/meetings/999999/attendees").await.problem(404, "not_found");

        let newcomer = person(&app, &token, "Nguyễn Văn Mới").await;
        let added = app.json(Method::POST, &format!("/api/v1/meetings/{meeting}/attendees"), Some(&token), &json!({"person_id": newcomer, "role": "guest", "title_at_meeting": "Khách mời"})).await;
        assert_eq!(added.status, 201, "{}", String::from_utf8_lossy(&added.body));
        assert_eq!(added.json()["person"]["full_name"], "Nguyễn Văn Mới");
        let twice = app.json(Method::POST, "/api/v1/attendees", Some(&token), &json!({"meeting_id": meeting, "person_id": newcomer})).await;
        twice.problem(409, "conflict");
        let bad = app.json(Method::POST, "/api/v1/attendees", Some(&token), &json!({"person_id": 999999, "role": "boss"})).await;
        let problem = bad.problem(422, "validation_failed");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["meeting_id", "role"]);
        let missing = app.json(Method::POST, "/api/v1/attendees", Some(&token), &json!({"meeting_id": meeting, "person_id": 999999})).await;
        assert_eq!(missing.problem(422, "validation_failed")["errors"][0]["field"], "person_id");
        let id = added.json()["id"].as_i64().unwrap();
        app.json(Method::PATCH, &format!("/api/v1/attendees/{id}"), Some(&token), &json!({"person_id": 1})).await.problem(422, "validation_failed");
    }
);

db_test!(
    async fn the_chair_of_a_meeting_and_its_chair_attendee_stay_the_same_person(app) {
        let token = app.user("editor").await.1;
        let meeting = app.get("/api/v1/meetings?date_from=2021-11-08&date_to=2021-11-08").await.json()["data"][0].clone();
        let id = meeting["id"].as_i64().unwrap();
        let old_chair = meeting["chair_person_id"].as_i64().unwrap();
        let chairs = |body: &Value| -> Vec<i64> {
            body["attendees"].as_array().unwrap().iter().filter(|a| a["role"] == "chair").map(|a| a["person_id"].as_i64().unwrap()).collect()
        };
        // A new attendee made chair takes over the meeting's chair.
        let newcomer = person(&app, &token, "Trần Chủ Trì").await;
        let res = app.json(Method::POST, &format!("/api/v1/meetings/{id}/attendees"), Some(&token), &json!({"person_id": newcomer, "role": "chair"})).await;
        assert_eq!(res.status, 201);
        let now = app.get(&format!("/api/v1/meetings/{id}?include=attendees")).await.json();
        assert_eq!(now["chair_person_id"], newcomer);
        assert_eq!(chairs(&now), vec![newcomer]);
        assert!(now["attendees"].as_array().unwrap().iter().any(|a| a["person_id"] == old_chair && a["role"] == "attendee"));
        // Setting the meeting's chair moves the role back.
        let res = app.json(Method::PATCH, &format!("/api/v1/meetings/{id}"), Some(&token), &json!({"chair_person_id": old_chair})).await;
        assert_eq!(res.status, 200);
        let now = app.get(&format!("/api/v1/meetings/{id}?include=attendees")).await.json();
        assert_eq!(chairs(&now), vec![old_chair]);
        // Taking the role away leaves the meeting without a chair.
        let chair_attendee = now["attendees"].as_array().unwrap().iter().find(|a| a["role"] == "chair").unwrap()["id"].as_i64().unwrap();
        app.json(Method::PATCH, &format!("/api/v1/attendees/{chair_attendee}"), Some(&token), &json!({"role": "speaker"})).await;
        let now = app.get(&format!("/api/v1/meetings/{id}?include=attendees")).await.json();
        assert!(now["chair_person_id"].is_null());
        assert!(chairs(&now).is_empty());
        // Clearing the meeting's chair demotes the chair attendee; deleting the chair attendee clears it.
        app.json(Method::PATCH, &format!("/api/v1/attendees/{chair_attendee}"), Some(&token), &json!({"role": "chair"})).await;
        assert_eq!(app.get(&format!("/api/v1/meetings/{id}")).await.json()["chair_person_id"], old_chair);
        let auth = format!("Bearer {token}");
        assert_eq!(app.request(Method::DELETE, &format!("/api/v1/attendees/{chair_attendee}"), &[("Authorization", &auth)], None).await.status, 204);
        assert!(app.get(&format!("/api/v1/meetings/{id}")).await.json()["chair_person_id"].is_null());
    }
);
