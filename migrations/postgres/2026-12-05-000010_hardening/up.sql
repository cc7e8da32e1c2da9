-- Tokens issued before this moment are refused: moved to now when the password or role changes
-- or the account is disabled.
ALTER TABLE users ADD COLUMN tokens_valid_after TIMESTAMP;

-- Whether a directive update's `author_name` is the author's login name (they had no display
-- name): anonymous readers are then not shown it.
ALTER TABLE directive_updates ADD COLUMN author_name_is_login BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE directive_updates SET author_name_is_login = TRUE
WHERE EXISTS (SELECT 1 FROM users
              WHERE users.id = directive_updates.author_user_id
                AND users.username = directive_updates.author_name);

-- Login attempts are counted per client address and per (username, address); the rows in flight
-- are short-lived, so the table starts empty.
DROP TABLE login_failures;
CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('address','user_address')),
    key TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_key_idx ON login_failures (scope, key, failed_at);
CREATE INDEX login_failures_failed_at_idx ON login_failures (failed_at);
