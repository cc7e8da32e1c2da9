//! Nothing secret reaches the logs.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::http::Method;
use serde_json::json;

use crate::db_test;
use crate::helpers::PASSWORD;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test process, at the most detailed level.
fn captured() -> &'static Buffer {
    static BUFFER: OnceLock<Buffer> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .with_env_filter("trace")
            .with_writer(move || writer.clone())
            .json()
            .try_init()
            .ok();
        buffer
    })
}

db_test!(
    async fn a_login_logs_neither_the_password_nor_the_token(app) {
        let logs = captured();
        app.create_user("nhatky", "editor").await;
        let token = app.login("nhatky", PASSWORD).await;
        assert_eq!(app.get_as("/api/v1/auth/me", &token).await.status, 200);
        let wrong = app.json(Method::POST, "/api/v1/auth/token", None, &json!({"username": "nhatky", "password": "sai mật khẩu rồi"})).await;
        assert_eq!(wrong.status, 401);
        let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).to_string();
        assert!(text.contains("/api/v1/auth/token"), "the requests were logged");
        for secret in [PASSWORD, "sai mật khẩu rồi", token.as_str(), token.split('.').nth(2).unwrap()] {
            assert!(!text.contains(secret), "the log holds a secret: {secret}");
        }
    }
);

db_test!(
    with crate::helpers::Options { trusted_proxies: Some("127.0.0.1/32"), ..Default::default() };
    async fn the_logged_client_is_the_one_the_throttle_and_the_limit_see(app) {
        let logs = captured();
        let res = app.request(Method::GET, "/api/v1/organizations?limit=1", &[("X-Forwarded-For", "192.0.2.214")], None).await;
        assert_eq!(res.status, 200);
        let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).to_string();
        assert!(text.contains("\"http.client_ip\":\"192.0.2.214\""), "the forwarded client is logged");
    }
);

db_test!(
    async fn a_forged_forwarded_header_never_reaches_the_log(app) {
        let logs = captured();
        let forged = [("X-Forwarded-For", "192.0.2.213"), ("Forwarded", "for=192.0.2.213"), ("X-Real-IP", "192.0.2.213")];
        let res = app.request(Method::GET, "/api/v1/organizations?limit=1", &forged, None).await;
        assert_eq!(res.status, 200);
        let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).to_string();
        assert!(text.contains("\"http.client_ip\":\"127.0.0.1\""), "the peer is logged");
        assert!(!text.contains("192.0.2.213"), "a forged address reached the log");
    }
);
