//! Webhooks: the admin API, the SSRF guard, and deliveries by the worker — signed, retried,
//! claimed once among several workers, and surviving a restart — on both backends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse, HttpServer};
use bantin::config::WebhookSettings;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::db_test;
use crate::helpers::{Options, TestApp};

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
    answered: u16,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A subscriber on 127.0.0.1 that records every request and fails the first `fail_first`
/// attempts of each message (all of them while `always_fail` is set).
#[derive(Clone)]
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Received>>>,
    always_fail: Arc<Mutex<bool>>,
}

impl Receiver {
    fn start(fail_first: usize) -> Self {
        let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
        let always_fail: Arc<Mutex<bool>> = Arc::default();
        let (s, f) = (seen.clone(), always_fail.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let server = HttpServer::new(move || {
            let (seen, always_fail) = (s.clone(), f.clone());
            actix_web::App::new().route(
                "/hook",
                web::post().to(move |req: HttpRequest, body: web::Bytes| {
                    let (seen, always_fail) = (seen.clone(), always_fail.clone());
                    async move {
                        let header = |n: &str| {
                            req.headers()
                                .get(n)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("")
                                .to_owned()
                        };
                        let id = header("webhook-id");
                        let mut seen = seen.lock().unwrap();
                        let earlier = seen.iter().filter(|r| r.id == id).count();
                        let answered = if *always_fail.lock().unwrap() || earlier < fail_first {
                            500
                        } else {
                            200
                        };
                        seen.push(Received {
                            id,
                            timestamp: header("webhook-timestamp"),
                            signature: header("webhook-signature"),
                            body: body.to_vec(),
                            answered,
                        });
                        HttpResponse::build(
                            actix_web::http::StatusCode::from_u16(answered).unwrap(),
                        )
                        .finish()
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        actix_web::rt::spawn(server);
        Self {
            url,
            seen,
            always_fail,
        }
    }

    fn seen(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    /// The messages acknowledged with a 2xx, by webhook-id, with how often each was.
    fn acknowledged(&self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for r in self.seen().iter().filter(|r| r.answered == 200) {
            *out.entry(r.id.clone()).or_default() += 1;
        }
        out
    }
}

/// Whether `signature` (the header: space-separated `v1,<base64>`) holds a valid signature of
/// the request under `secret`, computed here independently of the server.
fn signed_with(r: &Received, secret: &str) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", r.id, r.timestamp).as_bytes());
    mac.update(&r.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    r.signature.split(' ').any(|s| s == expected)
}

async fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

fn fast(worker: bool) -> WebhookSettings {
    WebhookSettings {
        worker,
        allow_private: true,
        timeout: Duration::from_secs(5),
        retry_base: Duration::from_millis(100),
        retry_window: Duration::from_secs(3600),
        poll: Duration::from_millis(50),
    }
}

async fn create_hook(app: &TestApp, admin: &str, body: Value) -> Value {
    let res = app
        .json(Method::POST, "/api/v1/webhooks", Some(admin), &body)
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

async fn create_article(app: &TestApp, editor: &str, title: &str) -> i64 {
    let res = app
        .json(
            Method::POST,
            "/api/v1/articles",
            Some(editor),
            &json!({"title": title, "body": "Nội dung.", "status": "published"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().unwrap()
}

db_test!(
    async fn webhooks_are_for_admins_and_keep_their_secret_to_themselves(app) {
        let admin = app.user("admin").await.1;
        let editor = app.user("editor").await.1;
        let url = "http://127.0.0.1:9/hook";
        app.get("/api/v1/webhooks").await.problem(401, "unauthorized");
        app.get_as("/api/v1/webhooks", &editor).await.problem(403, "forbidden");
        app.json(Method::POST, "/api/v1/webhooks", Some(&editor), &json!({"url": url}))
            .await
            .problem(403, "forbidden");

        // Every field problem at once.
        let bad = app
            .json(
                Method::POST,
                "/api/v1/webhooks",
                Some(&admin),
                &json!({"url": "ftp://example.vn/x", "resources": ["articles", "posts"], "active": "yes", "secret": "mine", "colour": 1}),
            )
            .await
            .problem(422, "validation_failed");
        let mut fields: Vec<&str> = bad["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["active", "colour", "resources[1]", "secret", "url"], "{bad}");
        app.json(Method::POST, "/api/v1/webhooks", Some(&admin), &json!({}))
            .await
            .problem(422, "validation_failed");
        assert_eq!(app.get_as("/api/v1/webhooks?count=true", &admin).await.json()["page"]["total"], 0, "nothing was created");

        let created = create_hook(&app, &admin, json!({"url": url, "resources": ["meetings", "articles"], "description": "Cổng thông tin tỉnh"})).await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("whsec_") && STANDARD.decode(&secret[6..]).unwrap().len() == 32, "{created}");
        assert_eq!(created["resources"], json!(["articles", "meetings"]));
        assert_eq!(created["active"], true);
        let id = created["id"].as_i64().unwrap();
        let read = app.get_as(&format!("/api/v1/webhooks/{id}"), &admin).await;
        assert_eq!(read.status, 200);
        let read = read.json();
        assert!(read.get("secret").is_none(), "the secret is shown once: {read}");
        assert_eq!(read["description"], "Cổng thông tin tỉnh");
        let listed = app.get_as("/api/v1/webhooks", &admin).await.json();
        assert!(!listed.to_string().contains(&secret));

        // A merge patch with If-Match; a stale version is a 412.
        let patched = app
            .json_with(Method::PATCH, &format!("/api/v1/webhooks/{id}"), Some(&admin), &json!({"resources": null, "active": false}), &[("If-Match", "\"1\"")])
            .await;
        assert_eq!(patched.status, 200, "{}", String::from_utf8_lossy(&patched.body));
        assert_eq!(patched.json()["resources"], json!([]));
        assert_eq!(patched.json()["active"], false);
        app.json_with(Method::PATCH, &format!("/api/v1/webhooks/{id}"), Some(&admin), &json!({"active": true}), &[("If-Match", "\"1\"")])
            .await
            .problem(412, "precondition_failed");
        app.json(Method::PATCH, &format!("/api/v1/webhooks/{id}"), Some(&admin), &json!({"url": "javascript:alert(1)"}))
            .await
            .problem(422, "validation_failed");

        // Rotation gives a new secret once; the old one keeps signing for a while.
        let rotated = app.json(Method::POST, &format!("/api/v1/webhooks/{id}/rotate-secret"), Some(&admin), &json!({})).await;
        assert_eq!(rotated.status, 200, "{}", String::from_utf8_lossy(&rotated.body));
        let rotated = rotated.json();
        assert_ne!(rotated["secret"], secret.as_str());
        assert!(rotated["previous_secret_expires_at"].is_string(), "{rotated}");

        let deliveries = app.get_as(&format!("/api/v1/webhooks/{id}/deliveries"), &admin).await;
        assert_eq!(deliveries.status, 200);
        app.get_as(&format!("/api/v1/webhooks/{id}/deliveries?status=lost"), &admin).await.problem(400, "bad_request");
        app.get_as("/api/v1/webhooks/999999/deliveries", &admin).await.problem(404, "not_found");

        let deleted = app.request(Method::DELETE, &format!("/api/v1/webhooks/{id}"), &[("Authorization", &format!("Bearer {editor}"))], None).await;
        deleted.problem(403, "forbidden");
        let deleted = app.request(Method::DELETE, &format!("/api/v1/webhooks/{id}"), &[("Authorization", &format!("Bearer {admin}"))], None).await;
        assert_eq!(deleted.status, 204);
        app.get_as(&format!("/api/v1/webhooks/{id}"), &admin).await.problem(404, "not_found");
    }
);

db_test!(
    with Options { webhooks: Some(WebhookSettings { allow_private: false, ..fast(false) }), ..Options::default() };
    async fn addresses_inside_the_network_are_refused(app) {
        let admin = app.user("admin").await.1;
        for url in [
            "http://127.0.0.1:9/hook",
            "http://localhost:8080/hook",
            "http://[::1]/hook",
            "http://10.0.0.7/hook",
            "http://192.168.1.10/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::ffff:127.0.0.1]/hook",
        ] {
            let problem = app
                .json(Method::POST, "/api/v1/webhooks", Some(&admin), &json!({"url": url}))
                .await
                .problem(422, "validation_failed");
            assert_eq!(problem["errors"][0]["field"], "url", "{url}: {problem}");
        }
        assert_eq!(app.get_as("/api/v1/webhooks?count=true", &admin).await.json()["page"]["total"], 0);
        // A public address is fine.
        create_hook(&app, &admin, json!({"url": "https://203.113.131.2/hook"})).await;
    }
);

db_test!(
    with Options { webhooks: Some(fast(true)), ..Options::default() };
    async fn a_receiver_that_fails_twice_gets_the_third_attempt_signed(app) {
        let receiver = Receiver::start(2);
        let admin = app.user("admin").await.1;
        let editor = app.user("editor").await.1;
        let hook = create_hook(&app, &admin, json!({"url": receiver.url, "resources": ["articles"]})).await;
        let secret = hook["secret"].as_str().unwrap().to_owned();
        let hook_id = hook["id"].as_i64().unwrap();
        let article = create_article(&app, &editor, "Làm việc với Đảng ủy phường Tuần Châu").await;
        // A change of another resource is not sent to this subscriber.
        app.json(Method::PATCH, "/api/v1/meetings/1", Some(&editor), &json!({"summary": "Đã cập nhật."})).await;

        wait_until("three attempts", Duration::from_secs(20), || receiver.seen().len() >= 3).await;
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        let seen = receiver.seen();
        assert_eq!(seen.len(), 3, "one message, tried three times: {seen:?}");
        assert_eq!(seen.iter().map(|r| r.answered).collect::<Vec<_>>(), [500, 500, 200]);
        for r in &seen {
            assert_eq!(r.id, seen[0].id, "the same webhook-id on every attempt");
            assert!(signed_with(r, &secret), "signature of {r:?}");
            assert!(!signed_with(r, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
            let sent_at: i64 = r.timestamp.parse().unwrap();
            assert!((sent_at - chrono::Utc::now().timestamp()).abs() < 60);
        }
        let body = seen[2].json();
        assert_eq!(body["type"], "articles.created");
        assert_eq!(body["data"]["resource"], "articles");
        assert_eq!(body["data"]["id"], article);
        assert_eq!(body["data"]["action"], "created");
        assert_eq!(seen[0].id, format!("msg_{}", body["data"]["seq"]));

        // The admin sees the delivery, its attempts and their answers.
        let path = format!("/api/v1/webhooks/{hook_id}/deliveries");
        let mut delivery = Value::Null;
        for _ in 0..100 {
            let page = app.get_as(&path, &admin).await.json();
            delivery = page["data"][0].clone();
            if delivery["status"] == "succeeded" {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(delivery["status"], "succeeded", "{delivery}");
        assert_eq!(delivery["attempt_count"], 3);
        assert_eq!(delivery["response_code"], 200);
        assert_eq!(delivery["event_type"], "articles.created");
        let codes: Vec<Value> = delivery["attempts"].as_array().unwrap().iter().map(|a| a["response_code"].clone()).collect();
        assert_eq!(codes, [json!(500), json!(500), json!(200)]);
        assert_eq!(delivery["attempts"][0]["error"], "HTTP 500");
        let one = app.get_as(&format!("{path}/{}", delivery["id"]), &admin).await;
        assert_eq!(one.status, 200);
        assert_eq!(one.json(), delivery);
        app.get_as(&format!("/api/v1/webhooks/{}/deliveries/{}", hook_id + 1, delivery["id"]), &admin).await.problem(404, "not_found");
        let hook = app.get_as(&format!("/api/v1/webhooks/{hook_id}"), &admin).await.json();
        assert_eq!(hook["failing_since"], Value::Null, "cleared by the success: {hook}");
    }
);

db_test!(
    with Options { webhooks: Some(fast(true)), ..Options::default() };
    async fn a_restart_loses_nothing_and_two_workers_send_each_change_once(app) {
        let receiver = Receiver::start(0);
        let admin = app.user("admin").await.1;
        let editor = app.user("editor").await.1;
        let start = app.get_as("/api/v1/changes?since=now", &admin).await.json();
        let start = start["page"]["next_cursor"].as_str().unwrap().to_owned();
        let hook = create_hook(&app, &admin, json!({"url": receiver.url})).await;
        let secret = hook["secret"].as_str().unwrap().to_owned();
        for i in 0..3 {
            create_article(&app, &editor, &format!("Bản tin trước khi dừng {i}")).await;
        }
        wait_until("three deliveries", Duration::from_secs(20), || receiver.acknowledged().len() >= 3).await;

        // The server stops; writes go on (another server takes them); the server starts again.
        app.stop_worker();
        let rotated = app.json(Method::POST, &format!("/api/v1/webhooks/{}/rotate-secret", hook["id"]), Some(&admin), &json!({})).await.json();
        let new_secret = rotated["secret"].as_str().unwrap().to_owned();
        let mut last = 0;
        for i in 0..3 {
            last = create_article(&app, &editor, &format!("Bản tin khi dừng {i}")).await;
        }
        let deleted = app.request(Method::DELETE, &format!("/api/v1/articles/{last}"), &[("Authorization", &format!("Bearer {editor}"))], None).await;
        assert_eq!(deleted.status, 204);
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(receiver.seen().len(), 3, "nothing is sent while stopped");

        // Two workers now, as with two servers: each change still arrives once.
        app.start_worker();
        let other = app.extra_worker();
        for i in 0..20 {
            create_article(&app, &editor, &format!("Bản tin với hai máy chủ {i}")).await;
        }
        wait_until("every change", Duration::from_secs(30), || receiver.acknowledged().len() >= 27).await;
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        other.stop();

        let acknowledged = receiver.acknowledged();
        assert!(acknowledged.values().all(|n| *n == 1), "each message once: {acknowledged:?}");
        assert_eq!(receiver.seen().len(), 27, "nothing acknowledged was sent again");
        // Exactly the feed's changes since the webhook was made.
        let feed = app.get_as(&format!("/api/v1/changes?since={start}&limit=1000"), &admin).await.json();
        let wanted: std::collections::HashSet<String> = feed["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("msg_{}", c["seq"]))
            .collect();
        let got: std::collections::HashSet<String> = acknowledged.keys().cloned().collect();
        assert_eq!(got, wanted, "the feed's changes since the webhook was made, no more, no less");
        let deletions = receiver.seen().iter().filter(|r| r.json()["data"]["action"] == "deleted").count();
        assert_eq!(deletions, 1);
        // Before the rotation, the old secret; after it, both (the new one first).
        let seen = receiver.seen();
        assert!(seen[..3].iter().all(|r| signed_with(r, &secret)));
        assert!(seen[3..].iter().all(|r| signed_with(r, &new_secret) && signed_with(r, &secret)));
    }
);

db_test!(
    with Options { webhooks: Some(WebhookSettings { retry_window: Duration::from_secs(1), ..fast(true) }), ..Options::default() };
    async fn a_subscriber_that_keeps_failing_is_disabled_and_resumes_when_enabled(app) {
        let receiver = Receiver::start(0);
        *receiver.always_fail.lock().unwrap() = true;
        let admin = app.user("admin").await.1;
        let editor = app.user("editor").await.1;
        let hook = create_hook(&app, &admin, json!({"url": receiver.url})).await;
        let id = hook["id"].as_i64().unwrap();
        create_article(&app, &editor, "Bản tin không tới").await;

        let mut read = Value::Null;
        for _ in 0..200 {
            read = app.get_as(&format!("/api/v1/webhooks/{id}"), &admin).await.json();
            if read["active"] == false {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(read["active"], false, "{read}");
        let reason = read["disabled_reason"].as_str().unwrap();
        assert!(reason.contains("HTTP 500") && reason.contains("articles.created"), "{reason}");
        assert!(read["disabled_at"].is_string() && read["failing_since"].is_string());
        let deliveries = app.get_as(&format!("/api/v1/webhooks/{id}/deliveries?status=failed"), &admin).await.json();
        assert_eq!(deliveries["data"].as_array().unwrap().len(), 1, "{deliveries}");
        assert!(deliveries["data"][0]["attempt_count"].as_i64().unwrap() >= 2);
        assert_eq!(deliveries["data"][0]["next_attempt_at"], Value::Null);

        // While disabled nothing is sent; enabled again, it resumes where it stopped.
        let tries = receiver.seen().len();
        let waiting = create_article(&app, &editor, "Bản tin chờ").await;
        actix_web::rt::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(receiver.seen().len(), tries);
        *receiver.always_fail.lock().unwrap() = false;
        let enabled = app.json(Method::PATCH, &format!("/api/v1/webhooks/{id}"), Some(&admin), &json!({"active": true})).await.json();
        assert_eq!(enabled["disabled_reason"], Value::Null, "{enabled}");
        wait_until("the waiting change", Duration::from_secs(20), || {
            receiver.seen().iter().any(|r| r.answered == 200 && r.json()["data"]["id"] == waiting)
        })
        .await;
    }
);
