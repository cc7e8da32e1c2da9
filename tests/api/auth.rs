//! Tokens, roles, users, and the login throttle.

use actix_web::http::Method;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::db_test;
use crate::helpers::{TestApp, PASSWORD, TEST_SECRET};

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn claims(sub: i64, exp: u64, iss: &str, aud: &str) -> serde_json::Value {
    json!({"sub": sub.to_string(), "role": "admin", "iat": now() - 10, "exp": exp, "iss": iss, "aud": aud, "jti": "t"})
}

fn sign(alg: Algorithm, secret: &str, claims: &serde_json::Value) -> String {
    encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn assert_401(app: &TestApp, token: &str, why: &str) {
    let res = app.get_as("/api/v1/auth/me", token).await;
    assert_eq!(
        res.status,
        401,
        "{why}: {}",
        String::from_utf8_lossy(&res.body)
    );
    res.problem(401, "unauthorized");
    assert_eq!(res.header("www-authenticate"), Some("Bearer"), "{why}");
    // A bad token is refused even where anonymous reading is allowed.
    let list = app.get_as("/api/v1/articles", token).await;
    assert_eq!(list.status, 401, "{why}");
}

db_test!(
    async fn a_login_gives_a_bearer_token_that_names_the_caller(app) {
        let (id, token) = app.user("editor").await;
        let me = app.get_as("/api/v1/auth/me", &token).await;
        assert_eq!(me.status, 200);
        let me = me.json();
        assert_eq!(me["id"], id);
        assert_eq!(me["role"], "editor");
        assert!(me.get("password_hash").is_none() && me.get("password").is_none());
        let parts: Vec<&str> = token.split('.').collect();
        let header: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "HS256");
        let payload: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        for claim in ["sub", "role", "iat", "exp", "iss", "aud", "jti"] {
            assert!(payload.get(claim).is_some(), "claim {claim} missing: {payload}");
        }
        assert_eq!(payload["exp"].as_u64().unwrap() - payload["iat"].as_u64().unwrap(), 3600);
        app.get("/api/v1/auth/me").await.problem(401, "unauthorized");
    }
);

db_test!(
    async fn the_token_response_has_the_contract_shape(app) {
        app.create_user("bientap", "editor").await;
        let res = app.json(Method::POST, "/api/v1/auth/token", None, &json!({"username": "bientap", "password": PASSWORD})).await;
        let body = res.json();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        assert!(body["access_token"].as_str().unwrap().split('.').count() == 3);
        assert_eq!(res.header("cache-control"), Some("no-store"));
    }
);

db_test!(
    async fn a_wrong_username_and_a_wrong_password_get_the_same_answer(app) {
        app.create_user("phongvien", "viewer").await;
        let wrong_password = app.json(Method::POST, "/api/v1/auth/token", None, &json!({"username": "phongvien", "password": "not the password"})).await;
        let wrong_user = app.json(Method::POST, "/api/v1/auth/token", None, &json!({"username": "khong-co-ai", "password": "not the password"})).await;
        let a = wrong_password.problem(401, "unauthorized");
        let b = wrong_user.problem(401, "unauthorized");
        assert_eq!(a["detail"], b["detail"]);
        assert_eq!(a["title"], b["title"]);
        let missing = app.json(Method::POST, "/api/v1/auth/token", None, &json!({"username": "x"})).await;
        let problem = missing.problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "password");
    }
);

db_test!(
    async fn every_kind_of_bad_token_is_a_401(app) {
        let (id, _) = app.user("admin").await;
        let good_claims = claims(id, now() + 600, "bantin", "bantin-api");
        assert_eq!(app.get_as("/api/v1/auth/me", &sign(Algorithm::HS256, TEST_SECRET, &good_claims)).await.status, 200);

        assert_401(&app, &sign(Algorithm::HS256, TEST_SECRET, &claims(id, now() - 120, "bantin", "bantin-api")), "expired").await;
        assert_401(&app, &sign(Algorithm::HS256, "another secret that is long enough!!", &good_claims), "another secret").await;
        assert_401(&app, &sign(Algorithm::HS256, TEST_SECRET, &claims(id, now() + 600, "bantin", "someone-else")), "wrong audience").await;
        assert_401(&app, &sign(Algorithm::HS256, TEST_SECRET, &claims(id, now() + 600, "evil", "bantin-api")), "wrong issuer").await;
        assert_401(&app, &sign(Algorithm::HS384, TEST_SECRET, &good_claims), "another algorithm").await;
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(good_claims.to_string())
        );
        assert_401(&app, &none, "alg none").await;
        assert_401(&app, "not.a.token", "garbage").await;
        assert_401(&app, &sign(Algorithm::HS256, TEST_SECRET, &claims(999_999, now() + 600, "bantin", "bantin-api")), "unknown user").await;
        for header in ["Token abc", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz"] {
            let res = app.request(Method::GET, "/api/v1/auth/me", &[("Authorization", header)], None).await;
            res.problem(401, "unauthorized");
            assert_eq!(res.header("www-authenticate"), Some("Bearer"));
        }
    }
);

db_test!(
    async fn a_disabled_users_tokens_stop_working_at_once(app) {
        let (_, admin) = app.user("admin").await;
        let (editor_id, editor) = app.user("editor").await;
        assert_eq!(app.get_as("/api/v1/auth/me", &editor).await.status, 200);
        let res = app.json(Method::PATCH, &format!("/api/v1/users/{editor_id}"), Some(&admin), &json!({"disabled": true})).await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        assert_eq!(res.json()["disabled"], true);
        assert_401(&app, &editor, "disabled user").await;
        // Nor can they log in again.
        let username = res.json()["username"].as_str().unwrap().to_owned();
        let login = app.json(Method::POST, "/api/v1/auth/token", None, &json!({"username": username, "password": PASSWORD})).await;
        login.problem(401, "unauthorized");
        // Enabled again, the old token stays refused; a new login works.
        let res = app.json(Method::PATCH, &format!("/api/v1/users/{editor_id}"), Some(&admin), &json!({"disabled": false})).await;
        assert_eq!(res.status, 200);
        assert_401(&app, &editor, "a token from before the disable").await;
        let fresh = app.login(&username, PASSWORD).await;
        assert_eq!(app.get_as("/api/v1/auth/me", &fresh).await.status, 200);
    }
);

db_test!(
    async fn each_role_may_do_only_what_it_is_allowed(app) {
        let (_, viewer) = app.user("viewer").await;
        let (_, editor) = app.user("editor").await;
        let (_, admin) = app.user("admin").await;
        let article = json!({"title": "Tin mới", "body": "Nội dung"});

        app.json(Method::POST, "/api/v1/articles", None, &article).await.problem(401, "unauthorized");
        app.json(Method::POST, "/api/v1/articles", Some(&viewer), &article).await.problem(403, "forbidden");
        assert_eq!(app.json(Method::POST, "/api/v1/articles", Some(&editor), &article).await.status, 201);
        assert_eq!(app.json(Method::POST, "/api/v1/articles", Some(&admin), &article).await.status, 201);
        app.json(Method::PATCH, "/api/v1/articles/1", Some(&viewer), &json!({"title": "x"})).await.problem(403, "forbidden");
        app.request(Method::DELETE, "/api/v1/articles/1", &[("Authorization", &format!("Bearer {viewer}"))], None).await.problem(403, "forbidden");

        app.get("/api/v1/users").await.problem(401, "unauthorized");
        app.get_as("/api/v1/users", &viewer).await.problem(403, "forbidden");
        app.get_as("/api/v1/users", &editor).await.problem(403, "forbidden");
        let users = app.get_as("/api/v1/users?count=true", &admin).await;
        assert_eq!(users.status, 200);
        assert_eq!(users.json()["page"]["total"], 3);

        // Drafts: viewers and up read them, anonymous callers do not.
        let draft = app.json(Method::POST, "/api/v1/articles", Some(&editor), &json!({"title": "Bản nháp", "body": "…"})).await.json();
        assert_eq!(draft["status"], "draft");
        let path = format!("/api/v1/articles/{}", draft["id"]);
        app.get(&path).await.problem(404, "not_found");
        assert_eq!(app.get_as(&path, &viewer).await.status, 200);
        let drafts = app.get_as("/api/v1/articles?status=draft", &viewer).await.json();
        assert_eq!(drafts["data"].as_array().unwrap().len(), 3);
    }
);

db_test!(
    async fn admins_manage_users_and_passwords_are_never_returned(app) {
        let (admin_id, admin) = app.user("admin").await;
        let new = json!({"username": "bientap.hanoi", "password": "một mật khẩu đủ dài", "role": "editor"});
        let created = app.json(Method::POST, "/api/v1/users", Some(&admin), &new).await;
        assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
        let body = created.json();
        assert!(created.header("location").unwrap().ends_with(&format!("/users/{}", body["id"])));
        assert_eq!(body["role"], "editor");
        let text = String::from_utf8_lossy(&created.body);
        assert!(!text.contains("mật khẩu") && !text.contains("argon2"));
        app.json(Method::POST, "/api/v1/users", Some(&admin), &new).await.problem(409, "conflict");
        let bad = app.json(Method::POST, "/api/v1/users", Some(&admin), &json!({"username": "A B", "password": "short", "role": "king"})).await;
        let problem = bad.problem(422, "validation_failed");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["username", "password", "role"]);
        // The new editor can log in; a role change takes effect at once: the tokens issued before
        // it stop working, and a new one carries the new role.
        let token = app.login("bientap.hanoi", "một mật khẩu đủ dài").await;
        assert_eq!(app.get_as("/api/v1/auth/me", &token).await.json()["role"], "editor");
        let id = body["id"].as_i64().unwrap();
        let changed = app.json(Method::PATCH, &format!("/api/v1/users/{id}"), Some(&admin), &json!({"role": "viewer"})).await;
        assert_eq!(changed.json()["version"], 2);
        app.get_as("/api/v1/auth/me", &token).await.problem(401, "unauthorized");
        let token = app.login("bientap.hanoi", "một mật khẩu đủ dài").await;
        assert_eq!(app.get_as("/api/v1/auth/me", &token).await.json()["role"], "viewer");
        app.json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": "x", "body": "y"})).await.problem(403, "forbidden");
        // An admin cannot lock themselves out.
        let own = app.json(Method::PATCH, &format!("/api/v1/users/{admin_id}"), Some(&admin), &json!({"disabled": true})).await;
        own.problem(422, "validation_failed");
        let own = app.json(Method::PATCH, &format!("/api/v1/users/{admin_id}"), Some(&admin), &json!({"role": "editor"})).await;
        own.problem(422, "validation_failed");
        app.get_as("/api/v1/users/999999", &admin).await.problem(404, "not_found");
    }
);

db_test!(
    async fn repeated_failed_logins_are_slowed_down_with_a_429(app) {
        app.create_user("nan-nhan", "editor").await;
        for _ in 0..5 {
            let res = app.json(Method::POST, "/api/v1/auth/token", None, &json!({"username": "nan-nhan", "password": "wrong password!"})).await;
            res.problem(401, "unauthorized");
        }
        // The sixth attempt is refused even with the right password.
        let res = app.json(Method::POST, "/api/v1/auth/token", None, &json!({"username": "nan-nhan", "password": PASSWORD})).await;
        res.problem(429, "rate_limited");
        let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=61).contains(&retry), "{retry}");
    }
);

#[test]
fn the_cli_creates_users_and_refuses_short_passwords() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/cli.db", dir.path().display());
    let run = |password: &str, username: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bantin"))
            .args(["user", "create", "--username", username, "--role", "editor"])
            .env("BANTIN_DATABASE_URL", &url)
            .env("BANTIN_JWT_SECRET", TEST_SECRET)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let short = run("ngắn quá", "bientap");
    assert!(!short.status.success());
    let err = String::from_utf8_lossy(&short.stderr);
    assert!(err.contains("at least 12 characters"), "{err}");
    let ok = run(PASSWORD, "bientap");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("created user bientap (editor)"));
    let again = run(PASSWORD, "bientap");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("taken"));
}
