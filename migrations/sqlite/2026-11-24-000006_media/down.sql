DROP INDEX media_updated_at_idx;
DROP INDEX media_created_at_idx;
DROP TABLE media_blobs;
DROP TABLE media_files;
