DROP TABLE login_failures;
CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('address','username')),
    key TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_key_idx ON login_failures (scope, key, failed_at);
CREATE INDEX login_failures_failed_at_idx ON login_failures (failed_at);
ALTER TABLE directive_updates DROP COLUMN author_name_is_login;
ALTER TABLE users DROP COLUMN tokens_valid_after;
