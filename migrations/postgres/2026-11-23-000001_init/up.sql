-- The whole data model. Times are UTC TIMESTAMP; calendar dates (Vietnam) are DATE.
-- Enumerations are TEXT with CHECK constraints so both backends share one meaning.

CREATE TABLE organizations (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    short_name TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('party_committee','party_standing_committee','party_standing_board','peoples_committee','peoples_council','fatherland_front','mass_organization','agency','other')),
    level TEXT NOT NULL CHECK (level IN ('central','province','district','commune')),
    parent_id BIGINT REFERENCES organizations(id),
    locality TEXT,
    valid_from DATE,
    valid_to DATE,
    successor_id BIGINT REFERENCES organizations(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX organizations_parent_id_idx ON organizations (parent_id);
CREATE INDEX organizations_successor_id_idx ON organizations (successor_id);
CREATE INDEX organizations_kind_level_idx ON organizations (kind, level);
CREATE INDEX organizations_name_idx ON organizations (name, id);
CREATE INDEX organizations_updated_at_idx ON organizations (updated_at, id);

CREATE TABLE people (
    id BIGSERIAL PRIMARY KEY,
    full_name TEXT NOT NULL,
    current_title TEXT,
    organization_id BIGINT REFERENCES organizations(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX people_organization_id_idx ON people (organization_id);
CREATE INDEX people_full_name_idx ON people (full_name, id);
CREATE INDEX people_updated_at_idx ON people (updated_at, id);

CREATE TABLE media (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'image' CHECK (kind IN ('image')),
    content_type TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    caption TEXT,
    alt_text TEXT,
    credit TEXT,
    sha256 TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE meetings (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('working_session','conference','inspection','other')),
    date DATE NOT NULL,
    part_of_day TEXT CHECK (part_of_day IN ('morning','afternoon','evening')),
    starts_at TIMESTAMP,
    location TEXT,
    chair_person_id BIGINT REFERENCES people(id),
    topic TEXT,
    period_label TEXT,
    summary TEXT,
    status TEXT NOT NULL CHECK (status IN ('scheduled','held','cancelled')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX meetings_date_idx ON meetings (date, id);
CREATE INDEX meetings_status_date_idx ON meetings (status, date, id);
CREATE INDEX meetings_chair_person_id_idx ON meetings (chair_person_id);
CREATE INDEX meetings_updated_at_idx ON meetings (updated_at, id);

CREATE TABLE meeting_organizations (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    role TEXT NOT NULL CHECK (role IN ('host','counterpart')),
    position INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, organization_id)
);
CREATE INDEX meeting_organizations_organization_id_idx ON meeting_organizations (organization_id, role);

CREATE TABLE articles (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT,
    body TEXT NOT NULL,
    category TEXT,
    source_name TEXT,
    source_url TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft','published','archived')),
    published_at TIMESTAMP,
    cover_media_id BIGINT REFERENCES media(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX articles_published_at_idx ON articles (published_at, id);
CREATE INDEX articles_status_published_at_idx ON articles (status, published_at, id);
CREATE INDEX articles_category_idx ON articles (category, published_at, id);
CREATE INDEX articles_updated_at_idx ON articles (updated_at, id);
CREATE INDEX articles_cover_media_id_idx ON articles (cover_media_id);

CREATE TABLE article_authors (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (article_id, position)
);

CREATE TABLE article_meetings (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, meeting_id)
);
CREATE INDEX article_meetings_meeting_id_idx ON article_meetings (meeting_id);

CREATE TABLE article_media (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    media_id BIGINT NOT NULL REFERENCES media(id),
    caption TEXT,
    PRIMARY KEY (article_id, position)
);
CREATE INDEX article_media_media_id_idx ON article_media (media_id);

CREATE TABLE attendees (
    id BIGSERIAL PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    role TEXT NOT NULL CHECK (role IN ('chair','co_chair','attendee','reporter','speaker','guest')),
    title_at_meeting TEXT,
    organization_id BIGINT REFERENCES organizations(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (meeting_id, person_id)
);
CREATE INDEX attendees_person_id_idx ON attendees (person_id);
CREATE INDEX attendees_organization_id_idx ON attendees (organization_id);
CREATE INDEX attendees_updated_at_idx ON attendees (updated_at, id);

CREATE TABLE directives (
    id BIGSERIAL PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    ordinal INTEGER,
    text TEXT NOT NULL,
    issued_by_person_id BIGINT REFERENCES people(id),
    lead_organization_id BIGINT REFERENCES organizations(id),
    source_document TEXT,
    due_date DATE,
    status TEXT NOT NULL CHECK (status IN ('open','in_progress','done','cancelled')),
    completed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX directives_meeting_id_idx ON directives (meeting_id, ordinal);
CREATE INDEX directives_lead_organization_id_idx ON directives (lead_organization_id);
CREATE INDEX directives_issued_by_person_id_idx ON directives (issued_by_person_id);
CREATE INDEX directives_status_due_date_idx ON directives (status, due_date, id);
CREATE INDEX directives_due_date_idx ON directives (due_date, id);
CREATE INDEX directives_updated_at_idx ON directives (updated_at, id);

CREATE TABLE directive_assignees (
    directive_id BIGINT NOT NULL REFERENCES directives(id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (directive_id, organization_id)
);
CREATE INDEX directive_assignees_organization_id_idx ON directive_assignees (organization_id);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin','editor','viewer')),
    disabled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE directive_updates (
    id BIGSERIAL PRIMARY KEY,
    directive_id BIGINT NOT NULL REFERENCES directives(id) ON DELETE CASCADE,
    note TEXT NOT NULL,
    status TEXT CHECK (status IN ('open','in_progress','done','cancelled')),
    author_user_id BIGINT REFERENCES users(id),
    author_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX directive_updates_directive_id_idx ON directive_updates (directive_id, id);

CREATE TABLE targets (
    id BIGSERIAL PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    meeting_id BIGINT REFERENCES meetings(id) ON DELETE SET NULL,
    indicator TEXT NOT NULL,
    unit TEXT NOT NULL,
    period_label TEXT NOT NULL,
    period_start DATE,
    period_end DATE,
    plan_value DOUBLE PRECISION,
    actual_value DOUBLE PRECISION,
    as_of DATE,
    direction TEXT NOT NULL CHECK (direction IN ('higher_is_better','lower_is_better')),
    reported_percent DOUBLE PRECISION,
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX targets_organization_id_idx ON targets (organization_id, period_label);
CREATE INDEX targets_meeting_id_idx ON targets (meeting_id);
CREATE INDEX targets_period_label_idx ON targets (period_label, id);
CREATE INDEX targets_updated_at_idx ON targets (updated_at, id);

-- The change feed: one row per write of any resource, deletions included (the tombstones).
CREATE TABLE changes (
    seq BIGSERIAL PRIMARY KEY,
    resource TEXT NOT NULL,
    resource_id BIGINT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('created','updated','deleted')),
    version BIGINT NOT NULL,
    public BOOLEAN NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX changes_resource_idx ON changes (resource, resource_id, seq);

-- Replay store for Idempotency-Key on POST.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_location TEXT,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
