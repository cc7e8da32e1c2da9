//! The database schema, kept by hand so that one file is valid for both backends.
//! `tests/api/schema.rs` checks that both migrated databases match it.

diesel::table! {
    organizations (id) {
        id -> BigInt,
        name -> Text,
        short_name -> Nullable<Text>,
        kind -> Text,
        level -> Text,
        parent_id -> Nullable<BigInt>,
        locality -> Nullable<Text>,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
        successor_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    people (id) {
        id -> BigInt,
        full_name -> Text,
        current_title -> Nullable<Text>,
        organization_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    media (id) {
        id -> BigInt,
        kind -> Text,
        content_type -> Text,
        byte_size -> BigInt,
        width -> Integer,
        height -> Integer,
        caption -> Nullable<Text>,
        alt_text -> Nullable<Text>,
        credit -> Nullable<Text>,
        sha256 -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    media_files (media_id, variant) {
        media_id -> BigInt,
        variant -> Text,
        content_type -> Text,
        width -> Integer,
        height -> Integer,
        byte_size -> BigInt,
        sha256 -> Text,
    }
}

diesel::table! {
    media_blobs (id) {
        id -> BigInt,
        media_id -> BigInt,
        variant -> Text,
        bytes -> Binary,
    }
}

diesel::table! {
    meetings (id) {
        id -> BigInt,
        title -> Text,
        kind -> Text,
        date -> Date,
        part_of_day -> Nullable<Text>,
        starts_at -> Nullable<Timestamp>,
        location -> Nullable<Text>,
        chair_person_id -> Nullable<BigInt>,
        topic -> Nullable<Text>,
        period_label -> Nullable<Text>,
        summary -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    meeting_organizations (meeting_id, organization_id) {
        meeting_id -> BigInt,
        organization_id -> BigInt,
        role -> Text,
        position -> Integer,
    }
}

diesel::table! {
    articles (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        summary -> Nullable<Text>,
        body -> Text,
        category -> Nullable<Text>,
        source_name -> Nullable<Text>,
        source_url -> Nullable<Text>,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        cover_media_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        relations -> Text,
    }
}

diesel::table! {
    article_authors (article_id, position) {
        article_id -> BigInt,
        position -> Integer,
        name -> Text,
    }
}

diesel::table! {
    article_meetings (article_id, meeting_id) {
        article_id -> BigInt,
        meeting_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    article_media (article_id, position) {
        article_id -> BigInt,
        position -> Integer,
        media_id -> BigInt,
        caption -> Nullable<Text>,
    }
}

diesel::table! {
    attendees (id) {
        id -> BigInt,
        meeting_id -> BigInt,
        person_id -> BigInt,
        role -> Text,
        title_at_meeting -> Nullable<Text>,
        organization_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    directives (id) {
        id -> BigInt,
        meeting_id -> BigInt,
        ordinal -> Nullable<Integer>,
        text -> Text,
        issued_by_person_id -> Nullable<BigInt>,
        lead_organization_id -> Nullable<BigInt>,
        source_document -> Nullable<Text>,
        due_date -> Nullable<Date>,
        status -> Text,
        completed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        /// The date in Vietnam of `completed_at`.
        completed_on -> Nullable<Date>,
        /// The date in Vietnam on which the directive was cancelled.
        cancelled_on -> Nullable<Date>,
    }
}

diesel::table! {
    directive_assignees (directive_id, organization_id) {
        directive_id -> BigInt,
        organization_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Nullable<Text>,
        password_hash -> Text,
        role -> Text,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        tokens_valid_after -> Nullable<Timestamp>,
    }
}

diesel::table! {
    directive_updates (id) {
        id -> BigInt,
        directive_id -> BigInt,
        note -> Text,
        status -> Nullable<Text>,
        author_user_id -> Nullable<BigInt>,
        author_name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        author_name_is_login -> Bool,
    }
}

diesel::table! {
    targets (id) {
        id -> BigInt,
        organization_id -> BigInt,
        meeting_id -> Nullable<BigInt>,
        indicator -> Text,
        unit -> Text,
        period_label -> Text,
        period_start -> Nullable<Date>,
        period_end -> Nullable<Date>,
        plan_value -> Nullable<Double>,
        actual_value -> Nullable<Double>,
        as_of -> Nullable<Date>,
        direction -> Text,
        reported_percent -> Nullable<Double>,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        /// `indicator` folded for search (`crate::text::fold`).
        indicator_folded -> Text,
    }
}

diesel::table! {
    changes (seq) {
        seq -> BigInt,
        resource -> Text,
        resource_id -> BigInt,
        action -> Text,
        version -> BigInt,
        public -> Bool,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Text,
        response_status -> Integer,
        response_location -> Nullable<Text>,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        scope -> Text,
        key -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    /// One document per searchable record; see `crate::search`.
    search_documents (id) {
        id -> BigInt,
        resource -> Text,
        resource_id -> BigInt,
        public -> Bool,
        recency -> Timestamp,
        title -> Text,
        body -> Text,
        original_title -> Text,
        original_body -> Text,
    }
}

diesel::table! {
    /// Subscribers to the change feed; see `crate::sync::webhooks`.
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        description -> Nullable<Text>,
        resources -> Text,
        active -> Bool,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamp>,
        feed_position -> BigInt,
        failing_since -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        change_seq -> BigInt,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        response_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        last_attempt_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempted_at -> Timestamp,
        response_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::joinable!(people -> organizations (organization_id));
diesel::joinable!(meetings -> people (chair_person_id));
diesel::joinable!(meeting_organizations -> meetings (meeting_id));
diesel::joinable!(meeting_organizations -> organizations (organization_id));
diesel::joinable!(articles -> media (cover_media_id));
diesel::joinable!(article_authors -> articles (article_id));
diesel::joinable!(article_meetings -> articles (article_id));
diesel::joinable!(article_meetings -> meetings (meeting_id));
diesel::joinable!(article_media -> articles (article_id));
diesel::joinable!(article_media -> media (media_id));
diesel::joinable!(media_files -> media (media_id));
diesel::joinable!(attendees -> meetings (meeting_id));
diesel::joinable!(attendees -> people (person_id));
diesel::joinable!(attendees -> organizations (organization_id));
diesel::joinable!(directives -> meetings (meeting_id));
diesel::joinable!(directive_assignees -> directives (directive_id));
diesel::joinable!(directive_assignees -> organizations (organization_id));
diesel::joinable!(directive_updates -> directives (directive_id));
diesel::joinable!(directive_updates -> users (author_user_id));
diesel::joinable!(targets -> organizations (organization_id));
diesel::joinable!(targets -> meetings (meeting_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::table! {
    article_revisions (id) {
        id -> BigInt,
        article_id -> BigInt,
        version -> BigInt,
        changed_at -> Timestamp,
        changed_by_user_id -> Nullable<BigInt>,
        content -> Text,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        name -> Text,
        slug -> Text,
        description -> Nullable<Text>,
        name_folded -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> BigInt,
        tag_id -> BigInt,
        position -> Integer,
    }
}

diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(article_tags -> articles (article_id));

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    people,
    media,
    media_files,
    media_blobs,
    meetings,
    meeting_organizations,
    articles,
    article_authors,
    article_meetings,
    article_media,
    article_revisions,
    tags,
    article_tags,
    attendees,
    directives,
    directive_assignees,
    users,
    directive_updates,
    targets,
    changes,
    idempotency_keys,
    login_failures,
    search_documents,
    webhooks,
    webhook_deliveries,
    webhook_attempts,
);
