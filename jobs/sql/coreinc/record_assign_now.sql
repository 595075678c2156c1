{{- /* core_assign_sums for the next run from the sums of the assignments now that master_dirty.sql took (they do not change during core). */ -}}
CREATE OR REPLACE TABLE core_assign_sums AS SELECT rec_table, bucket, s FROM core_assign_now
