//! Organizations and people.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::db_test;

fn names(body: &Value, key: &str) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o[key].as_str().unwrap().to_owned())
        .collect()
}

db_test!(
    async fn organizations_filter_by_kind_level_parent_name_and_day(app) {
        let wards = app.get("/api/v1/organizations?q=dang%20uy%20phuong%20tuan%20chau").await.json();
        assert_eq!(names(&wards, "name"), vec!["Đảng ủy phường Tuần Châu"]);
        assert_eq!(app.get("/api/v1/organizations?q=%C4%90%E1%BA%A2NG%20%E1%BB%A6Y%20PH%C6%AF%E1%BB%9CNG%20TU%E1%BA%A6N%20CH%C3%82U").await.json(), wards, "case and diacritics do not matter");
        let communes = app.get("/api/v1/organizations?level=commune&kind=party_committee&limit=100").await.json();
        assert!(names(&communes, "name").len() >= 12);
        assert!(communes["data"].as_array().unwrap().iter().all(|o| o["level"] == "commune" && o["kind"] == "party_committee"));
        let sorted = names(&communes, "name");
        let mut expected = sorted.clone();
        expected.sort();
        assert_eq!(sorted, expected, "by name");
        let city = app.get("/api/v1/organizations?q=thanh%20uy%20thai%20nguyen&kind=party_committee").await.json();
        let city_id = city["data"][0]["id"].as_i64().unwrap();
        let children = app.get(&format!("/api/v1/organizations?parent_id={city_id}")).await.json();
        assert!(!children["data"].as_array().unwrap().is_empty());
        let with = app.get(&format!("/api/v1/organizations/{city_id}?include=children")).await.json();
        assert_eq!(with["children"].as_array().unwrap().len(), children["data"].as_array().unwrap().len());
        for bad in ["kind=ministry", "level=village", "active_on=tomorrow", "q=%20%2C%20", "include=parent"] {
            app.get(&format!("/api/v1/organizations?{bad}")).await.problem(400, "bad_request");
        }
        app.get(&format!("/api/v1/organizations?q={}", "a".repeat(201))).await.problem(400, "bad_request");
    }
);

db_test!(
    async fn merged_bodies_keep_their_history_and_point_at_their_successor(app) {
        let token = app.user("editor").await.1;
        let new = app.json(Method::POST, "/api/v1/organizations", Some(&token), &json!({"name": "Tỉnh ủy Thái Nguyên (mới)", "kind": "party_committee", "level": "province", "valid_from": "2025-07-01"})).await.json();
        let old = app.json(Method::POST, "/api/v1/organizations", Some(&token), &json!({"name": "Tỉnh ủy Bắc Kạn", "kind": "party_committee", "level": "province"})).await.json();
        let old_id = old["id"].as_i64().unwrap();
        let res = app.json(Method::PATCH, &format!("/api/v1/organizations/{old_id}"), Some(&token), &json!({"valid_to": "2025-06-30", "successor_id": new["id"]})).await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        assert_eq!(res.json()["successor_id"], new["id"]);
        let before = app.get("/api/v1/organizations?level=province&active_on=2025-06-30&limit=100").await.json();
        assert!(names(&before, "name").contains(&"Tỉnh ủy Bắc Kạn".to_owned()));
        assert!(!names(&before, "name").contains(&"Tỉnh ủy Thái Nguyên (mới)".to_owned()));
        let after = app.get("/api/v1/organizations?level=province&active_on=2025-07-01&limit=100").await.json();
        assert!(!names(&after, "name").contains(&"Tỉnh ủy Bắc Kạn".to_owned()));
        assert!(names(&after, "name").contains(&"Tỉnh ủy Thái Nguyên (mới)".to_owned()));
        let bad = app.json(Method::PATCH, &format!("/api/v1/organizations/{old_id}"), Some(&token), &json!({"valid_from": "2026-01-01"})).await;
        bad.problem(422, "validation_failed");
        app.json(Method::PATCH, &format!("/api/v1/organizations/{old_id}"), Some(&token), &json!({"successor_id": old_id})).await.problem(422, "validation_failed");
        app.json(Method::PATCH, &format!("/api/v1/organizations/{}", new["id"]), Some(&token), &json!({"parent_id": new["id"]})).await.problem(422, "validation_failed");
    }
);

db_test!(
    async fn an_organization_in_use_cannot_be_deleted_and_the_409_says_by_what(app) {
        let token = app.user("editor").await.1;
        let auth = format!("Bearer {token}");
        let tuan_chau = app.get("/api/v1/organizations?q=dang%20uy%20phuong%20tuan%20chau").await.json()["data"][0]["id"].as_i64().unwrap();
        let res = app.request(Method::DELETE, &format!("/api/v1/organizations/{tuan_chau}"), &[("Authorization", &auth)], None).await;
        let problem = res.problem(409, "conflict");
        assert!(problem["detail"].as_str().unwrap().contains("meetings"), "{problem}");
        let lone = app.json(Method::POST, "/api/v1/organizations", Some(&token), &json!({"name": "Ban lâm thời", "kind": "other", "level": "district"})).await.json();
        let res = app.request(Method::DELETE, &format!("/api/v1/organizations/{}", lone["id"]), &[("Authorization", &auth)], None).await;
        assert_eq!(res.status, 204);
        app.get(&format!("/api/v1/organizations/{}", lone["id"])).await.problem(404, "not_found");
        let bad = app.json(Method::POST, "/api/v1/organizations", Some(&token), &json!({"name": "", "kind": "club", "parent_id": 999999})).await;
        let problem = bad.problem(422, "validation_failed");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["name", "kind", "level"]);
        let missing = app.json(Method::POST, "/api/v1/organizations", Some(&token), &json!({"name": "x", "kind": "other", "level": "district", "parent_id": 999999})).await;
        assert_eq!(missing.problem(422, "validation_failed")["errors"][0]["field"], "parent_id");
    }
);

db_test!(
    async fn a_person_shows_the_meetings_attended_with_the_role_and_title_held_there(app) {
        let people = app.get("/api/v1/people?q=vu%20van%20dien").await.json();
        assert_eq!(names(&people, "full_name"), vec!["Vũ Văn Diện"]);
        let id = people["data"][0]["id"].as_i64().unwrap();
        let with = app.get(&format!("/api/v1/people/{id}?include=meetings")).await.json();
        let meetings = with["meetings"].as_array().unwrap();
        assert_eq!(meetings.len(), 1);
        assert_eq!(meetings[0]["role"], "chair");
        assert!(meetings[0]["title_at_meeting"].as_str().unwrap().contains("Bí thư Thành ủy"));
        assert_eq!(meetings[0]["meeting"]["date"], "2021-11-08");
        let all = app.get("/api/v1/people?limit=100&count=true").await.json();
        assert_eq!(all["page"]["total"], 10);
        let sorted = names(&all, "full_name");
        let mut expected = sorted.clone();
        expected.sort();
        assert_eq!(sorted, expected);
        let org = with["organization_id"].as_i64().unwrap();
        assert!(names(&app.get(&format!("/api/v1/people?organization_id={org}")).await.json(), "full_name").contains(&"Vũ Văn Diện".to_owned()));
        app.get("/api/v1/people/999999").await.problem(404, "not_found");
        app.get(&format!("/api/v1/people/{id}?include=articles")).await.problem(400, "bad_request");
    }
);

db_test!(
    async fn people_are_written_and_cannot_be_deleted_while_they_attend(app) {
        let token = app.user("editor").await.1;
        let auth = format!("Bearer {token}");
        let created = app.json(Method::POST, "/api/v1/people", Some(&token), &json!({"full_name": "Lê Thị Hoa", "current_title": "Chủ tịch UBND phường"})).await;
        assert_eq!(created.status, 201);
        let id = created.json()["id"].as_i64().unwrap();
        let patched = app.json(Method::PATCH, &format!("/api/v1/people/{id}"), Some(&token), &json!({"current_title": null, "full_name": "Lê Thị Hoà"})).await.json();
        assert!(patched["current_title"].is_null());
        assert_eq!(patched["version"], 2);
        assert_eq!(names(&app.get("/api/v1/people?q=le%20thi%20hoa").await.json(), "full_name"), vec!["Lê Thị Hoà"]);
        app.json(Method::POST, "/api/v1/people", Some(&token), &json!({"full_name": "  ", "organization_id": 999999})).await.problem(422, "validation_failed");
        let dien = app.get("/api/v1/people?q=vu%20van%20dien").await.json()["data"][0]["id"].as_i64().unwrap();
        let refused = app.request(Method::DELETE, &format!("/api/v1/people/{dien}"), &[("Authorization", &auth)], None).await;
        assert!(refused.problem(409, "conflict")["detail"].as_str().unwrap().contains("attendees"));
        assert_eq!(app.request(Method::DELETE, &format!("/api/v1/people/{id}"), &[("Authorization", &auth)], None).await.status, 204);
        app.json(Method::POST, "/api/v1/people", None, &json!({"full_name": "x"})).await.problem(401, "unauthorized");
    }
);
