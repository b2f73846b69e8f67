-- One index on point_batches instead of two (issue #23, docs/data-plane.md, "Write path"). V38
-- keyed the batch rows (tenant_id, dataset_id, series_id, version) and indexed them again by
-- (tenant_id, dataset_id, series_id, min_ts); every write inserted into both, 100 index entries
-- each for a write of 100 series. Every read and every step of the compactor finds a series'
-- rows by their time (min_ts) and at most then by version, so the key is now the second index's
-- columns with the version after them: still unique (a write stores one row per series under one
-- version), still led by tenant_id, and serving each lookup the two indexes served.
--
-- Building the key takes the table's ACCESS EXCLUSIVE lock (writes wait until it is built): the
-- batch rows are the hot points, normally the last hour or so of writes.
ALTER TABLE point_batches DROP CONSTRAINT point_batches_pkey;
DROP INDEX point_batches_by_time;
ALTER TABLE point_batches ADD CONSTRAINT point_batches_pkey PRIMARY KEY (tenant_id, dataset_id, series_id, min_ts, version);
