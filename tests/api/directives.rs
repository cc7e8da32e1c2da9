//! Directives: progress buckets at their boundary days, filters, sorts, status rules, progress
//! updates, the summary and the nested meeting routes. "Today" is fixed by the App's clock.

use std::collections::BTreeSet;

use actix_web::http::Method;
use bantin::time::Clock;
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::problem_fields as fields;
use crate::helpers::{ids_of, Options, TestApp};

/// Today in these tests: 1 December 2021 in Vietnam (09:00 there, 02:00 UTC).
fn options() -> Options {
    Options {
        clock: Clock::Fixed(Utc.with_ymd_and_hms(2021, 12, 1, 2, 0, 0).unwrap()),
        ..Options::default()
    }
}

/// Creates a directive at `meeting` through the nested route and returns it.
async fn add(app: &TestApp, token: &str, meeting: i64, body: Value) -> Value {
    let res = app
        .json(
            Method::POST,
            &format!("/api/v1/meetings/{meeting}/directives"),
            Some(token),
            &body,
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

fn set(ids: impl IntoIterator<Item = i64>) -> BTreeSet<i64> {
    ids.into_iter().collect()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

db_test!(with options();
    async fn progress_is_computed_for_today_in_vietnam_at_each_boundary_day(app) {
        let (_, token) = app.user("editor").await;
        let m = app.insert_meeting("Buổi làm việc", "2021-11-08").await;
        let d = |due: Option<&str>, status: &str, completed_at: Option<&str>| {
            let mut b = json!({"text": "Nhiệm vụ", "status": status, "due_date": due});
            if let Some(t) = completed_at {
                b["completed_at"] = json!(t);
            }
            b
        };
        let cases = [
            ("due yesterday", d(Some("2021-11-30"), "open", None), "overdue"),
            ("due today", d(Some("2021-12-01"), "open", None), "due_soon"),
            ("due in 7 days", d(Some("2021-12-08"), "in_progress", None), "due_soon"),
            ("due in 8 days", d(Some("2021-12-09"), "open", None), "on_track"),
            ("no due date", d(None, "in_progress", None), "no_deadline"),
            // 23:59 on the due day in Vietnam is still on time...
            ("done at the end of the due day", d(Some("2021-11-20"), "done", Some("2021-11-20T16:59:59Z")), "done_on_time"),
            // ...00:00 the next day there is late, though it is still the 20th in UTC.
            ("done the day after the due day", d(Some("2021-11-20"), "done", Some("2021-11-20T17:00:00Z")), "done_late"),
            ("done without a due date", d(None, "done", Some("2021-11-25T03:00:00Z")), "done_on_time"),
            ("cancelled", d(Some("2021-11-01"), "cancelled", None), "cancelled"),
        ];
        let mut expected: Vec<(i64, &str)> = Vec::new();
        for (case, body, progress) in cases {
            let created = add(&app, &token, m, body).await;
            assert_eq!(created["progress"], progress, "{case}: {created}");
            expected.push((id(&created), progress));
        }
        // The `progress` filter is the same rule, computed in SQL.
        for bucket in ["done_on_time", "done_late", "overdue", "due_soon", "on_track", "no_deadline", "cancelled"] {
            let body = app.get(&format!("/api/v1/directives?meeting_id={m}&progress={bucket}")).await.json();
            let want = set(expected.iter().filter(|(_, p)| *p == bucket).map(|(i, _)| *i));
            assert_eq!(set(ids_of(&body)), want, "progress={bucket}");
            for d in body["data"].as_array().unwrap() {
                assert_eq!(d["progress"], bucket);
            }
        }
        // And the nested list agrees.
        let nested = app.get(&format!("/api/v1/meetings/{m}/directives?progress=due_soon")).await.json();
        assert_eq!(nested["data"].as_array().unwrap().len(), 2);
    }
);

/// 17:00 UTC on 30 November: already 1 December in Vietnam.
fn midnight_in_vietnam() -> Options {
    Options {
        clock: Clock::Fixed(Utc.with_ymd_and_hms(2021, 11, 30, 17, 0, 0).unwrap()),
        ..Options::default()
    }
}

db_test!(with midnight_in_vietnam();
    async fn the_day_turns_at_midnight_in_vietnam_not_in_utc(app) {
        let (_, token) = app.user("editor").await;
        let m = app.insert_meeting("Buổi làm việc", "2021-11-08").await;
        let d = add(&app, &token, m, json!({"text": "Nhiệm vụ", "due_date": "2021-11-30"})).await;
        assert_eq!(d["progress"], "overdue");
        let done = add(&app, &token, m, json!({"text": "Xong", "due_date": "2021-11-30", "status": "done"})).await;
        assert_eq!(done["completed_at"], "2021-11-30T17:00:00Z");
        assert_eq!(done["progress"], "done_late");
        let soon = add(&app, &token, m, json!({"text": "Sắp đến hạn", "due_date": "2021-12-08"})).await;
        assert_eq!(soon["progress"], "due_soon");
    }
);

db_test!(with options();
    async fn lists_filter_by_meeting_organization_status_and_due_dates(app) {
        let (_, token) = app.user("editor").await;
        let m1 = app.insert_meeting("Một", "2021-10-01").await;
        let m2 = app.insert_meeting("Hai", "2021-10-02").await;
        let lead = app.insert_organization("Đảng ủy phường Lọc", None).await;
        let helper = app.insert_organization("UBND phường Lọc", None).await;
        let a = add(&app, &token, m1, json!({"text": "a", "lead_organization_id": lead, "due_date": "2021-12-10"})).await;
        let b = add(&app, &token, m1, json!({"text": "b", "lead_organization_id": helper, "assignee_organization_ids": [lead], "due_date": "2021-12-20", "status": "in_progress"})).await;
        let c = add(&app, &token, m2, json!({"text": "c", "lead_organization_id": helper, "due_date": "2021-12-31"})).await;
        let _ = add(&app, &token, m2, json!({"text": "d", "status": "done"})).await;
        let q = |query: &str| {
            let path = format!("/api/v1/directives?{query}");
            let app = &app;
            async move { set(ids_of(&app.get(&path).await.json())) }
        };
        assert_eq!(q(&format!("meeting_id={m1}")).await, set([id(&a), id(&b)]));
        // Lead or co-ordinating body.
        assert_eq!(q(&format!("organization_id={lead}")).await, set([id(&a), id(&b)]));
        assert_eq!(q(&format!("organization_id={helper}")).await, set([id(&b), id(&c)]));
        assert_eq!(q(&format!("organization_id={helper}&status=in_progress")).await, set([id(&b)]));
        // Strictly before, strictly after.
        assert_eq!(q(&format!("organization_id={helper}&due_before=2021-12-31")).await, set([id(&b)]));
        assert_eq!(q(&format!("organization_id={helper}&due_after=2021-12-20")).await, set([id(&c)]));
        assert_eq!(q(&format!("organization_id={lead}&due_after=2021-12-09&due_before=2021-12-11")).await, set([id(&a)]));
        assert_eq!(q("updated_since=2999-01-01T00:00:00Z").await, set([]));
        let counted = app.get(&format!("/api/v1/directives?meeting_id={m2}&count=true")).await.json();
        assert_eq!(counted["page"]["total"], 2);
        assert_eq!(counted["data"][0]["assignee_organization_ids"], json!([]));
        let b_read = app.get(&format!("/api/v1/directives/{}", id(&b))).await.json();
        assert_eq!(b_read["assignee_organization_ids"], json!([lead]));
    }
);

db_test!(with options();
    async fn cursors_walk_every_order_exactly_once(app) {
        let (_, token) = app.user("editor").await;
        let m = app.insert_meeting("Thứ tự", "2021-10-01").await;
        let dues = [Some("2021-12-05"), None, Some("2021-11-01"), Some("2021-12-05"), None, Some("2021-11-15"), Some("2022-01-01")];
        let mut made = Vec::new();
        for (i, due) in dues.iter().enumerate() {
            let ordinal = if i % 3 == 2 { Value::Null } else { json!(i + 1) };
            made.push(add(&app, &token, m, json!({"text": format!("việc {i}"), "due_date": due, "ordinal": ordinal})).await);
        }
        let key = |d: &Value| (d["due_date"].as_str().map(str::to_owned), id(d));
        // Earliest due first, no due date last; ties by id.
        let mut want: Vec<&Value> = made.iter().collect();
        want.sort_by_key(|d| (d["due_date"].is_null(), key(d)));
        let walked = app.walk(&format!("/api/v1/directives?meeting_id={m}&limit=2")).await;
        assert_eq!(ids_of(&json!(walked)), want.iter().map(|d| id(d)).collect::<Vec<_>>());
        // Latest due first, no due date still last.
        let mut want_desc: Vec<&Value> = made.iter().collect();
        want_desc.sort_by_key(|d| (d["due_date"].is_null(), std::cmp::Reverse(key(d))));
        let walked = app.walk(&format!("/api/v1/directives?meeting_id={m}&limit=2&sort=-due_date")).await;
        assert_eq!(ids_of(&json!(walked)), want_desc.iter().map(|d| id(d)).collect::<Vec<_>>());
        // A bucket whose directives all have a due date (ordered without the NULL term).
        let walked = app.walk(&format!("/api/v1/directives?meeting_id={m}&limit=1&progress=overdue")).await;
        assert_eq!(walked.iter().map(|d| d["due_date"].clone()).collect::<Vec<_>>(), vec![json!("2021-11-01"), json!("2021-11-15")]);
        // The meeting's own list: numbered conclusions in order, unnumbered ones last.
        let walked = app.walk(&format!("/api/v1/meetings/{m}/directives?limit=3")).await;
        let ordinals: Vec<Value> = walked.iter().map(|d| d["ordinal"].clone()).collect();
        assert_eq!(ordinals, vec![json!(1), json!(2), json!(4), json!(5), json!(7), Value::Null, Value::Null]);
        // A cursor is bound to its order.
        let first = app.get(&format!("/api/v1/directives?meeting_id={m}&limit=1")).await.json();
        let cursor = first["page"]["next_cursor"].as_str().unwrap().to_owned();
        app.get(&format!("/api/v1/directives?meeting_id={m}&limit=1&sort=-due_date&cursor={cursor}")).await.problem(400, "bad_request");
    }
);

db_test!(with options();
    async fn bad_query_parameters_are_400_problems_naming_the_parameter(app) {
        for (query, field) in [
            ("progress=late", "progress"),
            ("status=finished", "status"),
            ("sort=text", "sort"),
            ("due_before=31/12/2021", "due_before"),
            ("colour=red", "colour"),
            ("cursor=abc", "cursor"),
            ("limit=0", "limit"),
        ] {
            let problem = app.get(&format!("/api/v1/directives?{query}")).await.problem(400, "bad_request");
            assert_eq!(fields(&problem), vec![field], "{query}");
        }
        let problem = app.get("/api/v1/meetings/1/directives?meeting_id=2").await.problem(400, "bad_request");
        assert_eq!(fields(&problem), vec!["meeting_id"]);
        app.get("/api/v1/meetings/999999/directives").await.problem(404, "not_found");
        app.get("/api/v1/directives/999999").await.problem(404, "not_found");
    }
);

db_test!(with options();
    async fn status_rules_stamp_and_clear_completed_at(app) {
        let (_, token) = app.user("editor").await;
        let m = app.insert_meeting("Trạng thái", "2021-11-08").await;
        let d = add(&app, &token, m, json!({"text": "Nhiệm vụ", "due_date": "2021-12-31"})).await;
        let path = format!("/api/v1/directives/{}", id(&d));
        let done = app.json(Method::PATCH, &path, Some(&token), &json!({"status": "done"})).await.json();
        assert_eq!(done["completed_at"], "2021-12-01T02:00:00Z", "defaults to now");
        assert_eq!(done["progress"], "done_on_time");
        assert_eq!(done["version"], 2);
        let dated = app.json(Method::PATCH, &path, Some(&token), &json!({"completed_at": "2021-11-30T01:00:00Z"})).await.json();
        assert_eq!(dated["completed_at"], "2021-11-30T01:00:00Z");
        let reopened = app.json(Method::PATCH, &path, Some(&token), &json!({"status": "in_progress"})).await.json();
        assert_eq!(reopened["completed_at"], Value::Null, "leaving done clears it");
        assert_eq!(reopened["progress"], "on_track");
        for (body, field) in [
            (json!({"completed_at": "2021-11-30T01:00:00Z"}), "completed_at"),
            (json!({"status": "done", "completed_at": "2021-12-02T00:00:00Z"}), "completed_at"),
            (json!({"status": "finished"}), "status"),
            (json!({"status": null}), "status"),
            (json!({"text": ""}), "text"),
            (json!({"due_date": "2021-02-30"}), "due_date"),
            (json!({"ordinal": 0}), "ordinal"),
            (json!({"progress": "done_on_time"}), "progress"),
        ] {
            let problem = app.json(Method::PATCH, &path, Some(&token), &body).await.problem(422, "validation_failed");
            assert_eq!(fields(&problem), vec![field], "{body}");
        }
        app.json(Method::PATCH, &path, Some(&token), &json!({"status": "done"})).await;
        let problem = app.json(Method::PATCH, &path, Some(&token), &json!({"completed_at": null})).await.problem(422, "validation_failed");
        assert_eq!(fields(&problem), vec!["completed_at"]);
        // A stale If-Match writes nothing.
        app.json_with(Method::PATCH, &path, Some(&token), &json!({"text": "khác"}), &[("If-Match", "\"1\"")]).await.problem(412, "precondition_failed");
        assert_eq!(app.get(&path).await.json()["text"], "Nhiệm vụ");
    }
);

db_test!(with options();
    async fn a_cancelled_directive_is_final_except_for_an_admin(app) {
        let (_, editor) = app.user("editor").await;
        let (_, admin) = app.user("admin").await;
        let m = app.insert_meeting("Hủy", "2021-11-08").await;
        let d = add(&app, &editor, m, json!({"text": "Nhiệm vụ"})).await;
        let path = format!("/api/v1/directives/{}", id(&d));
        let cancelled = app.json(Method::PATCH, &path, Some(&editor), &json!({"status": "cancelled"})).await.json();
        assert_eq!(cancelled["progress"], "cancelled");
        app.json(Method::PATCH, &path, Some(&editor), &json!({"status": "open"})).await.problem(403, "forbidden");
        app.json(Method::PATCH, &path, Some(&editor), &json!({"text": "sửa"})).await.problem(403, "forbidden");
        app.json(Method::POST, &format!("{path}/updates"), Some(&editor), &json!({"note": "mở lại", "status": "open"})).await.problem(403, "forbidden");
        app.request(Method::DELETE, &path, &[("Authorization", &format!("Bearer {editor}"))], None).await.problem(403, "forbidden");
        // A note alone changes nothing and is allowed.
        let note = app.json(Method::POST, &format!("{path}/updates"), Some(&editor), &json!({"note": "Đã hủy theo kết luận mới"})).await;
        assert_eq!(note.status, 201);
        let reopened = app.json(Method::PATCH, &path, Some(&admin), &json!({"status": "open"})).await.json();
        assert_eq!(reopened["status"], "open");
        assert_eq!(reopened["progress"], "no_deadline");
    }
);

db_test!(with options();
    async fn progress_updates_are_append_only_and_change_the_status_in_the_same_transaction(app) {
        let (editor_id, editor) = app.user("editor").await;
        let (_, viewer) = app.user("viewer").await;
        let m = app.insert_meeting("Cập nhật", "2021-11-08").await;
        let d = add(&app, &editor, m, json!({"text": "Nhiệm vụ", "due_date": "2021-11-30"})).await;
        assert_eq!(d["progress"], "overdue");
        let updates = format!("/api/v1/directives/{}/updates", id(&d));
        let first = app.json(Method::POST, &updates, Some(&editor), &json!({"note": "Đang triển khai", "status": "in_progress"})).await;
        assert_eq!(first.status, 201, "{}", String::from_utf8_lossy(&first.body));
        let first = first.json();
        assert_eq!(first["author_user_id"], editor_id);
        assert!(first["author_name"].as_str().unwrap().starts_with("editor-"));
        assert_eq!(first["created_at"], "2021-12-01T02:00:00Z");
        let read = app.get(&format!("/api/v1/directives/{}", id(&d))).await.json();
        assert_eq!((read["status"].clone(), read["version"].clone()), (json!("in_progress"), json!(2)));
        let second = app.json(Method::POST, &updates, Some(&editor), &json!({"note": "Đã hoàn thành", "status": "done"})).await.json();
        let read = app.get(&format!("/api/v1/directives/{}", id(&d))).await.json();
        assert_eq!(read["status"], "done");
        assert_eq!(read["completed_at"], "2021-12-01T02:00:00Z");
        assert_eq!(read["progress"], "done_late");
        let note = app.json(Method::POST, &updates, Some(&editor), &json!({"note": "Ghi chú thêm"})).await.json();
        assert_eq!(note["status"], Value::Null);
        assert_eq!(app.get(&format!("/api/v1/directives/{}", id(&d))).await.json()["version"], 3, "a note alone leaves the directive");
        let history = app.get(&updates).await.json();
        assert_eq!(ids_of(&history), vec![id(&first), id(&second), id(&note)]);
        let one = format!("{updates}/{}", id(&first));
        assert_eq!(app.get_as(&one, &editor).await.json(), first);
        // Anonymous readers get no login name or user id.
        let anonymous = app.get(&one).await.json();
        assert_eq!((anonymous["author_user_id"].clone(), anonymous["author_name"].clone()), (Value::Null, Value::Null));
        // Never edited or deleted.
        let auth = format!("Bearer {editor}");
        app.json(Method::PATCH, &one, Some(&editor), &json!({"note": "khác"})).await.problem(405, "method_not_allowed");
        app.request(Method::DELETE, &one, &[("Authorization", &auth)], None).await.problem(405, "method_not_allowed");
        // Validation, roles and a missing directive; none of them writes.
        let before = app.count("SELECT COUNT(*) AS n FROM directive_updates").await;
        let problem = app.json(Method::POST, &updates, Some(&editor), &json!({"status": "late", "author_name": "x"})).await.problem(422, "validation_failed");
        assert_eq!(set_of(fields(&problem)), set_of(vec!["author_name".into(), "note".into(), "status".into()]));
        app.json(Method::POST, &updates, None, &json!({"note": "x"})).await.problem(401, "unauthorized");
        app.json(Method::POST, &updates, Some(&viewer), &json!({"note": "x"})).await.problem(403, "forbidden");
        app.json(Method::POST, "/api/v1/directives/999999/updates", Some(&editor), &json!({"note": "x"})).await.problem(404, "not_found");
        app.get("/api/v1/directives/999999/updates").await.problem(404, "not_found");
        app.get(&format!("{updates}/999999")).await.problem(404, "not_found");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM directive_updates").await, before);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM changes WHERE resource = 'directive_updates'").await, 3);
    }
);

fn set_of(v: Vec<String>) -> BTreeSet<String> {
    v.into_iter().collect()
}

db_test!(with options();
    async fn writes_check_every_field_and_every_reference(app) {
        let (_, token) = app.user("editor").await;
        let (_, viewer) = app.user("viewer").await;
        let m = app.insert_meeting("Kiểm tra", "2021-11-08").await;
        let lead = app.insert_organization("Đảng ủy phường Kiểm", None).await;
        let before = app.count("SELECT COUNT(*) AS n FROM directives").await;
        let problem = app.json(Method::POST, "/api/v1/directives", Some(&token), &json!({"due_date": "soon", "colour": "red", "id": 5})).await.problem(422, "validation_failed");
        assert_eq!(set_of(fields(&problem)), set_of(["colour", "due_date", "id", "meeting_id", "text"].map(String::from).to_vec()));
        let problem = app.json(Method::POST, "/api/v1/directives", Some(&token), &json!({
            "meeting_id": 999999, "text": "x", "issued_by_person_id": 999999,
            "lead_organization_id": lead, "assignee_organization_ids": [999999, lead]
        })).await.problem(422, "validation_failed");
        assert_eq!(set_of(fields(&problem)), set_of([
            "meeting_id", "issued_by_person_id", "assignee_organization_ids[0]", "assignee_organization_ids[1]"
        ].map(String::from).to_vec()));
        let problem = app.json(Method::POST, "/api/v1/directives", Some(&token), &json!({"meeting_id": m, "text": "x", "assignee_organization_ids": [lead, lead]})).await.problem(422, "validation_failed");
        assert_eq!(fields(&problem), vec!["assignee_organization_ids[1]"]);
        // On the nested route the meeting comes from the path.
        let problem = app.json(Method::POST, &format!("/api/v1/meetings/{m}/directives"), Some(&token), &json!({"meeting_id": m, "text": "x"})).await.problem(422, "validation_failed");
        assert_eq!(fields(&problem), vec!["meeting_id"]);
        app.json(Method::POST, "/api/v1/meetings/999999/directives", Some(&token), &json!({"text": "x"})).await.problem(404, "not_found");
        app.json(Method::POST, "/api/v1/directives", None, &json!({"meeting_id": m, "text": "x"})).await.problem(401, "unauthorized");
        app.json(Method::POST, "/api/v1/directives", Some(&viewer), &json!({"meeting_id": m, "text": "x"})).await.problem(403, "forbidden");
        app.json(Method::PATCH, "/api/v1/directives/999999", Some(&token), &json!({"text": "x"})).await.problem(404, "not_found");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM directives").await, before);

        let res = app.json(Method::POST, "/api/v1/directives", Some(&token), &json!({
            "meeting_id": m, "ordinal": 1, "text": "Báo cáo BTV trong năm 2021", "issued_by_person_id": 1,
            "lead_organization_id": lead, "assignee_organization_ids": [1, 2],
            "source_document": "Thông báo kết luận số 45-TB/TU", "due_date": "2021-12-31"
        })).await;
        assert_eq!(res.status, 201);
        let created = res.json();
        assert_eq!(res.header("location").unwrap(), format!("/api/v1/directives/{}", id(&created)));
        assert_eq!(created["assignee_organization_ids"], json!([1, 2]));
        assert_eq!(created["source_document"], "Thông báo kết luận số 45-TB/TU");
        let path = format!("/api/v1/directives/{}", id(&created));
        // Making a co-ordinating body the lead is refused; replacing the list whole is fine.
        let problem = app.json(Method::PATCH, &path, Some(&token), &json!({"lead_organization_id": 2})).await.problem(422, "validation_failed");
        assert_eq!(fields(&problem), vec!["lead_organization_id"]);
        let patched = app.json(Method::PATCH, &path, Some(&token), &json!({"lead_organization_id": 2, "assignee_organization_ids": null, "ordinal": null})).await.json();
        assert_eq!((patched["lead_organization_id"].clone(), patched["assignee_organization_ids"].clone(), patched["ordinal"].clone()), (json!(2), json!([]), Value::Null));
        assert_eq!(patched["text"], "Báo cáo BTV trong năm 2021");
        // An Idempotency-Key replays the first response.
        let body = json!({"text": "Một lần"});
        let nested = format!("/api/v1/meetings/{m}/directives");
        let first = app.json_with(Method::POST, &nested, Some(&token), &body, &[("Idempotency-Key", "k-1")]).await;
        let again = app.json_with(Method::POST, &nested, Some(&token), &body, &[("Idempotency-Key", "k-1")]).await;
        assert_eq!((first.status, again.status), (201, 201));
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(first.json()["id"], again.json()["id"]);
    }
);

db_test!(with options();
    async fn deleting_takes_the_history_along_and_leaves_tombstones(app) {
        let (_, token) = app.user("editor").await;
        let m = app.insert_meeting("Xóa", "2021-11-08").await;
        let d = add(&app, &token, m, json!({"text": "Nhiệm vụ"})).await;
        let path = format!("/api/v1/directives/{}", id(&d));
        app.json(Method::POST, &format!("{path}/updates"), Some(&token), &json!({"note": "x"})).await;
        let auth = format!("Bearer {token}");
        let res = app.request(Method::DELETE, &path, &[("Authorization", &auth), ("If-Match", "\"1\"")], None).await;
        assert_eq!(res.status, 204);
        app.get(&path).await.problem(404, "not_found");
        app.request(Method::DELETE, &path, &[("Authorization", &auth)], None).await.problem(404, "not_found");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM directive_updates").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM changes WHERE action = 'deleted' AND resource IN ('directives', 'directive_updates')").await, 2);
    }
);

db_test!(with options();
    async fn the_summary_counts_each_bucket_for_organizations_meeting_dates_and_past_days(app) {
        let (_, token) = app.user("editor").await;
        let october = app.insert_meeting("Tháng 10", "2021-10-15").await;
        let november = app.insert_meeting("Tháng 11", "2021-11-20").await;
        let parent = app.insert_organization("Thành ủy Tổng hợp", None).await;
        let child = app.insert_organization("Đảng ủy phường Con", Some(parent)).await;
        let grandchild = app.insert_organization("Chi bộ Cháu", Some(child)).await;
        let other = app.insert_organization("Cơ quan Khác", None).await;
        let post = |meeting: i64, body: Value| {
            let (app, token) = (&app, &token);
            async move { add(app, token, meeting, body).await }
        };
        post(october, json!({"text": "1", "lead_organization_id": parent, "due_date": "2021-11-05", "status": "done", "completed_at": "2021-11-04T03:00:00Z"})).await;
        post(october, json!({"text": "2", "lead_organization_id": child, "due_date": "2021-11-05", "status": "done", "completed_at": "2021-11-25T03:00:00Z"})).await;
        post(october, json!({"text": "3", "lead_organization_id": other, "assignee_organization_ids": [grandchild], "due_date": "2021-12-05"})).await;
        post(november, json!({"text": "4", "lead_organization_id": parent})).await;
        post(october, json!({"text": "5", "lead_organization_id": parent, "due_date": "2021-11-12", "status": "cancelled"})).await;
        post(october, json!({"text": "6", "lead_organization_id": other, "due_date": "2021-11-01"})).await;
        let summary = |query: String| {
            let app = &app;
            async move {
                let res = app.get(&format!("/api/v1/directives/summary?{query}")).await;
                assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
                assert!(res.header("etag").is_some());
                res.json()
            }
        };
        let counts = |s: &Value| {
            ["done_on_time", "done_late", "overdue", "due_soon", "on_track", "no_deadline", "cancelled"]
                .map(|k| s["counts"][k].as_i64().unwrap())
        };
        let own = summary(format!("organization_id={parent}")).await;
        assert_eq!(own["as_of"], "2021-12-01");
        assert_eq!((own["total"].clone(), counts(&own)), (json!(3), [1, 0, 0, 0, 0, 1, 1]));
        assert_eq!(own["on_time_percent"], 100.0);
        let all = summary(format!("organization_id={parent}&descendants=true")).await;
        assert_eq!((all["total"].clone(), counts(&all)), (json!(5), [1, 1, 0, 1, 0, 1, 1]));
        assert_eq!(all["on_time_percent"], 50.0);
        // On 10 November: directive 4 was not issued yet, 2 was not done yet (so overdue), and 5
        // was not cancelled yet (due within 7 days).
        let past = summary(format!("organization_id={parent}&descendants=true&as_of=2021-11-10")).await;
        assert_eq!(past["as_of"], "2021-11-10");
        assert_eq!((past["total"].clone(), counts(&past)), (json!(4), [1, 0, 1, 1, 1, 0, 0]));
        assert_eq!(past["on_time_percent"], 50.0);
        let range = summary(format!("organization_id={parent}&descendants=true&issued_from=2021-11-01")).await;
        assert_eq!(counts(&range), [0, 0, 0, 0, 0, 1, 0]);
        let range = summary(format!("organization_id={parent}&descendants=true&issued_to=2021-10-31")).await;
        assert_eq!(range["total"], 4);
        let one = summary(format!("meeting_id={november}")).await;
        assert_eq!((one["total"].clone(), one["on_time_percent"].clone()), (json!(1), Value::Null));
        // Every bucket of the whole summary agrees with the list filtered by that bucket.
        let whole = summary(String::new()).await;
        for (k, n) in ["done_on_time", "done_late", "overdue", "due_soon", "on_track", "no_deadline", "cancelled"].iter().zip(counts(&whole)) {
            let listed = app.get(&format!("/api/v1/directives?progress={k}&count=true&limit=1")).await.json();
            assert_eq!(listed["page"]["total"], n, "{k}");
        }
        let listed = app.get("/api/v1/directives?count=true&limit=1").await.json();
        assert_eq!(listed["page"]["total"], whole["total"]);
        for (query, field) in [
            ("descendants=true", "descendants"),
            ("issued_from=2021-11-02&issued_to=2021-11-01", "issued_to"),
            ("as_of=yesterday", "as_of"),
            ("progress=overdue", "progress"),
        ] {
            let problem = app.get(&format!("/api/v1/directives/summary?{query}")).await.problem(400, "bad_request");
            assert_eq!(fields(&problem), vec![field], "{query}");
        }
    }
);

db_test!(with options();
    async fn the_demo_directives_are_served_with_their_progress(app) {
        let whole = app.get("/api/v1/directives/summary").await.json();
        assert_eq!(whole["total"], 34);
        // "báo cáo BTV trong năm 2021" is the one deadline the articles give.
        assert_eq!(whole["counts"]["on_track"], 1);
        assert_eq!(whole["counts"]["no_deadline"], 33);
        let tuan_chau = app.get("/api/v1/meetings/2/directives").await.json();
        let ordinals: Vec<i64> = tuan_chau["data"].as_array().unwrap().iter().map(|d| d["ordinal"].as_i64().unwrap()).collect();
        assert_eq!(ordinals, (1..=7).collect::<Vec<_>>());
        assert_eq!(tuan_chau["data"][3]["due_date"], "2021-12-31");
        // Eleven wards co-ordinate the third conclusion of the Thái Nguyên session.
        let wards = app.get("/api/v1/meetings/1/directives").await.json();
        assert_eq!(wards["data"][2]["assignee_organization_ids"].as_array().unwrap().len(), 11);
        // Thành ủy Thái Nguyên with the bodies below it: its seven conclusions and the wards' one.
        let thai_nguyen = app.get("/api/v1/directives/summary?organization_id=5").await.json();
        assert_eq!(thai_nguyen["total"], 7);
        let with_wards = app.get("/api/v1/directives/summary?organization_id=5&descendants=true").await.json();
        assert_eq!(with_wards["total"], 8);
        // The embedding the meetings resource uses: ordered by ordinal, unnumbered last.
        let today = chrono::NaiveDate::from_ymd_opt(2021, 12, 1).unwrap();
        let loaded = app
            .db
            .run(move |conn| bantin::directives::api::load_for_meetings(conn, &[2, 5, 999], today))
            .await
            .unwrap();
        assert_eq!(loaded.len(), 2);
        let huong_xuan: Vec<Option<i32>> = loaded[&5].iter().map(|d| d.ordinal).collect();
        assert_eq!(huong_xuan, vec![Some(1), Some(2), Some(3), Some(4), Some(5), Some(6), None, None]);
        assert_eq!(loaded[&2][3].progress, bantin::directives::model::Progress::OnTrack);
    }
);

db_test!(with options();
    async fn a_directive_answers_304_to_its_etag(app) {
        let res = app.get("/api/v1/directives/1").await;
        let etag = res.header("etag").unwrap().to_owned();
        let again = app.request(Method::GET, "/api/v1/directives/1", &[("If-None-Match", &etag)], None).await;
        assert_eq!(again.status, 304);
        let list = app.get("/api/v1/directives?limit=5").await;
        let etag = list.header("etag").unwrap().to_owned();
        let again = app.request(Method::GET, "/api/v1/directives?limit=5", &[("If-None-Match", &etag)], None).await;
        assert_eq!(again.status, 304);
    }
);
