//! RSS, Atom and iCalendar feeds, read back with real parsers.

use actix_web::http::Method;
use icalendar::Component;
use serde_json::json;

use crate::db_test;

db_test!(
    async fn the_rss_feed_parses_and_keeps_vietnamese_text(app) {
        let res = app.get("/feeds/articles.rss").await;
        assert_eq!(res.status, 200);
        assert!(res.header("content-type").unwrap().starts_with("application/rss+xml"));
        let channel = rss::Channel::read_from(&res.body[..]).expect("valid RSS 2.0");
        assert_eq!(channel.items().len(), 5, "every published article, each dated");
        let first = &channel.items()[0];
        assert_eq!(first.title(), Some("Phát huy tối đa lợi thế, thúc đẩy kinh tế - xã hội phát triển"));
        assert_eq!(first.pub_date(), Some("Mon, 29 May 2023 11:44:00 +0000"));
        assert!(first.link().unwrap().ends_with("/api/v1/articles/phat-huy-toi-da-loi-the-thuc-day-kinh-te-xa-hoi-phat-trien"));
        let tuan_chau = channel.items().iter().find(|i| i.title().unwrap().contains("Tuần Châu")).unwrap();
        assert_eq!(tuan_chau.author(), Some("Thu Hường, Văn Hiệp"));
        assert_eq!(tuan_chau.categories()[0].name(), "kinh tế");
        let by_category = rss::Channel::read_from(&app.get("/feeds/articles.rss?category=kinh%20t%E1%BA%BF").await.body[..]).unwrap();
        assert_eq!(by_category.items().len(), 1);
        let etag = res.header("etag").unwrap().to_owned();
        assert_eq!(app.request(Method::GET, "/feeds/articles.rss", &[("If-None-Match", &etag)], None).await.status, 304);
        app.get("/feeds/articles.rss?colour=red").await.problem(400, "bad_request");
    }
);

db_test!(
    async fn the_atom_feed_parses_and_drafts_stay_out(app) {
        let token = app.user("editor").await.1;
        app.json(Method::POST, "/api/v1/articles", Some(&token), &json!({"title": "Bản nháp bí mật", "body": "b"})).await;
        let res = app.get("/feeds/articles.atom").await;
        assert!(res.header("content-type").unwrap().starts_with("application/atom+xml"));
        let feed = atom_syndication::Feed::read_from(&res.body[..]).expect("valid Atom 1.0");
        assert_eq!(feed.entries().len(), 5);
        assert!(feed.entries().iter().all(|e| e.title().as_str() != "Bản nháp bí mật"));
        let entry = feed.entries().iter().find(|e| e.title().as_str().contains("Tuần Châu")).unwrap();
        assert_eq!(entry.published().unwrap().to_rfc3339(), "2021-11-07T20:42:00+00:00");
        assert_eq!(entry.authors().iter().map(|a| a.name()).collect::<Vec<_>>(), vec!["Thu Hường", "Văn Hiệp"]);
        let meeting = app.get("/api/v1/meetings?date_from=2021-11-08&date_to=2021-11-08").await.json()["data"][0].clone();
        let host = meeting["host_organization_ids"][0].as_i64().unwrap();
        let by_org = atom_syndication::Feed::read_from(&app.get(&format!("/feeds/articles.atom?organization_id={host}")).await.body[..]).unwrap();
        assert_eq!(by_org.entries().len(), 1);
    }
);

db_test!(
    async fn the_calendar_parses_with_meetings_and_directive_deadlines(app) {
        let res = app.get("/feeds/meetings.ics").await;
        assert!(res.header("content-type").unwrap().starts_with("text/calendar"));
        let text = String::from_utf8(res.body.to_vec()).unwrap();
        let calendar: icalendar::Calendar = text.parse().expect("valid iCalendar");
        let events: Vec<&icalendar::Event> = calendar.events().collect();
        assert_eq!(events.len(), 5);
        let tuan_chau = events.iter().find(|e| e.get_summary().unwrap().contains("Tuần Châu")).unwrap();
        assert_eq!(tuan_chau.get_start(), Some(icalendar::DatePerhapsTime::Date(chrono::NaiveDate::from_ymd_opt(2021, 11, 8).unwrap())));
        assert_eq!(tuan_chau.get_end(), Some(icalendar::DatePerhapsTime::Date(chrono::NaiveDate::from_ymd_opt(2021, 11, 9).unwrap())), "DTEND is exclusive");
        let with = app.get("/feeds/meetings.ics?directives=true").await;
        let calendar: icalendar::Calendar = String::from_utf8(with.body.to_vec()).unwrap().parse().unwrap();
        let deadlines: Vec<&icalendar::Event> = calendar.events().filter(|e| e.get_uid().unwrap().starts_with("directive-")).collect();
        assert_eq!(deadlines.len(), 1, "the demo data has one dated directive (within 2021)");
        assert!(deadlines[0].get_summary().unwrap().starts_with("Hạn nhiệm vụ"));
        assert!(deadlines[0].get_description().unwrap().contains("quy hoạch phân khu"));
        let host = app.get("/api/v1/meetings?date_from=2021-11-08&date_to=2021-11-08").await.json()["data"][0]["host_organization_ids"][0].as_i64().unwrap();
        let by_org: icalendar::Calendar = String::from_utf8(app.get(&format!("/feeds/meetings.ics?organization_id={host}")).await.body.to_vec()).unwrap().parse().unwrap();
        assert_eq!(by_org.events().count(), 1);
        let etag = res.header("etag").unwrap().to_owned();
        assert_eq!(app.request(Method::GET, "/feeds/meetings.ics", &[("If-None-Match", &etag)], None).await.status, 304);
        app.get("/feeds/meetings.ics?directives=perhaps").await.problem(400, "bad_request");
    }
);
