DROP INDEX organizations_name_folded_idx;
DROP INDEX people_name_folded_idx;
ALTER TABLE organizations DROP COLUMN name_folded;
ALTER TABLE people DROP COLUMN name_folded;
