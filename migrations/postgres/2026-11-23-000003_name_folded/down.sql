ALTER TABLE organizations DROP COLUMN name_folded;
ALTER TABLE people DROP COLUMN name_folded;
