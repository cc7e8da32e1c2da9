-- The files of each media record (the cleaned original and its resized variants), and the bytes
-- themselves for BANTIN_MEDIA_STORE=db.
CREATE TABLE media_files (
    media_id BIGINT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    variant TEXT NOT NULL CHECK (variant IN ('original','thumb','medium','large')),
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    byte_size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (media_id, variant)
);

-- Written before the media row and removed after it, so no foreign key: a blob without a record
-- is harmless, a record without its blobs is never committed.
CREATE TABLE media_blobs (
    id BIGSERIAL PRIMARY KEY,
    media_id BIGINT NOT NULL,
    variant TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    UNIQUE (media_id, variant)
);

CREATE INDEX media_created_at_idx ON media (created_at, id);
CREATE INDEX media_updated_at_idx ON media (updated_at, id);
