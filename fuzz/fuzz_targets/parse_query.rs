//! The query-string parser of every list and read: whatever the query string, it must not panic,
//! and a refusal is a 400 that names a parameter the client actually sent (or the query as a
//! whole).
#![no_main]

use bantin::error::ApiError;
use bantin::http::query::parse_query;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

fn check<T: DeserializeOwned>(query: &str, sent: &[String]) {
    let Err(error) = parse_query::<T>(query) else {
        return;
    };
    let ApiError::BadRequest { errors, .. } = error else {
        panic!("{query:?} was refused with {error:?}, not a 400");
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    let field = &errors[0].field;
    assert!(
        field == "query" || sent.contains(field),
        "{query:?} was refused naming {field:?}, which it does not hold"
    );
}

fuzz_target!(|query: &str| {
    let sent: Vec<String> = form_urlencoded::parse(query.as_bytes())
        .map(|(name, _)| name.into_owned())
        .collect();
    check::<bantin::articles::api::ListArticlesQuery>(query, &sent);
    check::<bantin::articles::api::GetArticleQuery>(query, &sent);
    check::<bantin::attendees::api::ListAttendeesQuery>(query, &sent);
    check::<bantin::attendees::api::ListMeetingAttendeesQuery>(query, &sent);
    check::<bantin::directives::api::ListDirectivesQuery>(query, &sent);
    check::<bantin::directives::api::ListMeetingDirectivesQuery>(query, &sent);
    check::<bantin::directives::api::DirectiveSummaryQuery>(query, &sent);
    check::<bantin::http::page::PagingQuery>(query, &sent);
    check::<bantin::media::api::ListMediaQuery>(query, &sent);
    check::<bantin::meetings::api::ListMeetingsQuery>(query, &sent);
    check::<bantin::meetings::api::GetMeetingQuery>(query, &sent);
    check::<bantin::organizations::api::ListOrganizationsQuery>(query, &sent);
    check::<bantin::organizations::api::GetOrganizationQuery>(query, &sent);
    check::<bantin::people::api::ListPeopleQuery>(query, &sent);
    check::<bantin::people::api::GetPersonQuery>(query, &sent);
    check::<bantin::search::api::SearchQuery>(query, &sent);
    check::<bantin::sync::change_feed::ChangesQuery>(query, &sent);
    check::<bantin::sync::syndication::ArticleFeedQuery>(query, &sent);
    check::<bantin::sync::syndication::CalendarQuery>(query, &sent);
    check::<bantin::sync::webhooks::ListDeliveriesQuery>(query, &sent);
    check::<bantin::targets::api::ListTargetsQuery>(query, &sent);
    check::<bantin::targets::api::TargetSummaryQuery>(query, &sent);
});
