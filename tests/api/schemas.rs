//! The request schemas of the served spec say what the server's validation does: each JSON body
//! an operation takes is sent what its schema allows and what it refuses, field by field, and the
//! server must refuse exactly the fields the schema says it would.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::Method;
use bytes::Bytes;
use serde_json::{json, Map, Value};

use crate::db_test;
use crate::helpers::TestApp;

/// One operation with a JSON body, and the schema of that body.
struct Operation {
    method: Method,
    path: String,
    schema: Value,
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => &spec["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => schema,
    }
}

fn json_operations(spec: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let content = &op["requestBody"]["content"];
            let Some(schema) = ["application/json", "application/merge-patch+json"]
                .iter()
                .find_map(|t| content.get(*t))
                .map(|c| &c["schema"])
            else {
                continue;
            };
            let schema = resolve(spec, schema).clone();
            out.push(Operation {
                method: method.to_uppercase().parse().unwrap(),
                path: path.clone(),
                schema,
            });
        }
    }
    out
}

fn types_of(property: &Value) -> Vec<&str> {
    match &property["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        // `oneOf: [{$ref}, {type: null}]` is a nullable reference.
        _ => property["oneOf"]
            .as_array()
            .map(|alts| alts.iter().filter_map(|a| a["type"].as_str()).collect())
            .unwrap_or_default(),
    }
}

fn nullable(property: &Value) -> bool {
    types_of(property).contains(&"null")
}

/// A text of exactly `chars` characters that the field takes (a URL where it wants one).
fn text_of(name: &str, chars: usize) -> String {
    if name.contains("url") {
        let head = "https://93.184.215.14/";
        format!("{head}{}", "a".repeat(chars - head.len()))
    } else {
        "a".repeat(chars)
    }
}

struct Probe<'a> {
    app: &'a TestApp,
    token: &'a str,
}

impl Probe<'_> {
    /// Sends `body`; returns the fields the server refused (none when it took the body).
    async fn refused(&self, op: &Operation, url: &str, body: Value) -> BTreeSet<String> {
        let token = (!op.path.ends_with("/auth/token")).then_some(self.token);
        let res = self.app.json(op.method.clone(), url, token, &body).await;
        match res.status {
            // Taken by validation: done, or refused for what no schema says (a taken name, a
            // wrong password).
            200..=299 | 401 | 409 => BTreeSet::new(),
            _ => {
                let problem = res.problem(422, "validation_failed");
                crate::helpers::problem_fields(&problem)
                    .into_iter()
                    .collect()
            }
        }
    }
}

/// The id, in the test's database, of a record each path with an `{id}` can name.
async fn ids(app: &TestApp, token: &str) -> BTreeMap<&'static str, i64> {
    let mut ids = BTreeMap::new();
    for resource in [
        "articles",
        "meetings",
        "attendees",
        "organizations",
        "people",
        "directives",
        "targets",
    ] {
        let page = app
            .get_as(&format!("/api/v1/{resource}?limit=1"), token)
            .await
            .json();
        ids.insert(
            resource,
            page["data"][0]["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("no {resource}")),
        );
    }
    ids.insert("users", app.user("viewer").await.0);
    let auth = format!("Bearer {token}");
    let media = app
        .request(
            Method::POST,
            "/api/v1/media",
            &[("Authorization", &auth), ("Content-Type", "image/png")],
            Some(Bytes::from(crate::media::png(8, 6))),
        )
        .await;
    assert_eq!(
        media.status,
        201,
        "{}",
        String::from_utf8_lossy(&media.body)
    );
    ids.insert("media", media.json()["id"].as_i64().unwrap());
    let hook = app
        .json(
            Method::POST,
            "/api/v1/webhooks",
            Some(token),
            &json!({"url": "https://93.184.215.14/hook"}),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", String::from_utf8_lossy(&hook.body));
    ids.insert("webhooks", hook.json()["id"].as_i64().unwrap());
    let tag = app
        .json(
            Method::POST,
            "/api/v1/tags",
            Some(token),
            &json!({"name": "Thẻ thử"}),
        )
        .await;
    assert_eq!(tag.status, 201, "{}", String::from_utf8_lossy(&tag.body));
    ids.insert("tags", tag.json()["id"].as_i64().unwrap());
    ids
}

db_test!(
    async fn every_request_schema_refuses_what_the_server_refuses_and_no_more(app) {
        let (_, token) = app.user("admin").await;
        let spec = app.get("/openapi.json").await.json();
        let ids = ids(&app, &token).await;
        let probe = Probe { app: &app, token: &token };
        let operations = json_operations(&spec);
        assert!(operations.len() >= 20, "only {} operations with a JSON body", operations.len());

        for op in &operations {
            let resource = op.path.trim_start_matches("/api/v1/").split('/').next().unwrap();
            let url = match ids.get(resource) {
                Some(id) => op.path.replace("{id}", &id.to_string()),
                None => op.path.clone(),
            };
            assert!(!url.contains('{'), "no record for {url}");
            let what = format!("{} {}", op.method, op.path);
            let properties = op.schema["properties"].as_object().unwrap_or_else(|| panic!("{what}"));
            let required: BTreeSet<String> = op.schema["required"]
                .as_array()
                .map(|r| r.iter().map(|f| f.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();

            // A field the schema does not name.
            assert_eq!(op.schema["additionalProperties"], false, "{what}");
            let refused = probe.refused(op, &url, json!({"no_such_field": 1})).await;
            assert!(refused.contains("no_such_field"), "{what}: {refused:?}");

            // What a create requires.
            if op.method == Method::POST && !required.is_empty() {
                let refused = probe.refused(op, &url, json!({})).await;
                assert_eq!(refused, required, "{what}: an empty body");
            }
            if op.method == Method::PATCH {
                assert!(required.is_empty(), "{what}: a patch requires nothing");
            }

            // Null, where the schema does not allow it.
            let not_null: BTreeSet<String> =
                properties.iter().filter(|(_, p)| !nullable(p)).map(|(n, _)| n.clone()).collect();
            if !not_null.is_empty() {
                let nulls: Map<String, Value> = properties.keys().map(|n| (n.clone(), Value::Null)).collect();
                let refused = probe.refused(op, &url, Value::Object(nulls)).await;
                assert_eq!(refused, not_null, "{what}: every field null");
            }

            // Text: over the longest, blank, holding a control character; then the longest.
            let texts: Vec<(&String, usize, u64)> = properties
                .iter()
                .filter_map(|(n, p)| {
                    Some((n, p["maxLength"].as_u64()? as usize, p["minLength"].as_u64().unwrap_or(0)))
                })
                .collect();
            if !texts.is_empty() {
                let names: BTreeSet<String> = texts.iter().map(|(n, _, _)| (*n).clone()).collect();
                let long: Map<String, Value> =
                    texts.iter().map(|(n, max, _)| ((*n).clone(), json!(text_of(n, max + 1)))).collect();
                let refused = probe.refused(op, &url, Value::Object(long)).await;
                assert!(refused.is_superset(&names), "{what}: over maxLength, refused {refused:?}");

                for bad in ["   ", "Tuần\u{0}Châu", "Tuần\u{1b}Châu"] {
                    let chosen: Vec<&String> = texts
                        .iter()
                        .filter(|(n, _, min)| *min >= 1 && properties[n.as_str()]["pattern"].is_string())
                        .filter(|(n, max, _)| bad.chars().count() <= *max && !n.contains("url"))
                        .map(|(n, _, _)| *n)
                        .collect();
                    let body: Map<String, Value> = chosen.iter().map(|n| ((*n).clone(), json!(bad))).collect();
                    let refused = probe.refused(op, &url, Value::Object(body)).await;
                    for name in chosen {
                        assert!(refused.contains(name), "{what}: {name} = {bad:?} was taken");
                    }
                }

                let longest: Map<String, Value> =
                    texts.iter().map(|(n, max, _)| ((*n).clone(), json!(text_of(n, *max)))).collect();
                let refused = probe.refused(op, &url, Value::Object(longest)).await;
                assert!(refused.is_disjoint(&names), "{what}: at maxLength, refused {refused:?}");
            }

            // Lists: one item over the most.
            for (name, property) in properties {
                let Some(max) = property["maxItems"].as_u64() else { continue };
                let items = resolve(&spec, &property["items"]);
                let list: Vec<Value> = (1..=max + 1)
                    .map(|i| match types_of(items).first().copied() {
                        Some("integer") => json!(i),
                        Some("object") => json!({"media_id": i}),
                        _ => json!("articles"),
                    })
                    .collect();
                let refused = probe.refused(op, &url, json!({ name: list })).await;
                assert!(refused.contains(name), "{what}: {} items in {name}", max + 1);
                if property["uniqueItems"] == true {
                    let refused = probe.refused(op, &url, json!({ name: [1, 1] })).await;
                    let twice = format!("{name}[1]");
                    assert!(refused.contains(&twice), "{what}: an id twice in {name}: {refused:?}");
                }
            }

            // Numbers: one under the least.
            for (name, property) in properties {
                let Some(min) = property["minimum"].as_i64() else { continue };
                let refused = probe.refused(op, &url, json!({ name: min - 1 })).await;
                assert!(refused.contains(name), "{what}: {name} = {}", min - 1);
            }
            for (name, property) in properties {
                let Some(max) = property["maximum"].as_i64() else { continue };
                let refused = probe.refused(op, &url, json!({ name: max + 1 })).await;
                assert!(refused.contains(name), "{what}: {name} = {}", max + 1);
            }
        }
    }
);
