-- series_tags rows are keyed and linked within their tenant.
--
-- Unique and foreign-key checks run without row-level security. With the primary key
-- (series_id, key) and a foreign key on series(id) alone, a row of one tenant could name another
-- tenant's series, and the error of a failed insert (duplicate key, or missing key) told whether
-- that series exists and has that tag. Only the trigger of V16 writes these rows, copying the
-- series' own columns, so no such row exists; now none can, and a refused insert tells nothing of
-- another tenant. The unique constraint on series is what the foreign key refers to.

ALTER TABLE series ADD CONSTRAINT series_tenant_dataset_id_key UNIQUE (tenant_id, dataset_id, id);
ALTER TABLE series_tags DROP CONSTRAINT series_tags_series_id_fkey;
ALTER TABLE series_tags DROP CONSTRAINT series_tags_pkey;
ALTER TABLE series_tags ADD PRIMARY KEY (tenant_id, dataset_id, series_id, key);
ALTER TABLE series_tags ADD CONSTRAINT series_tags_series_fkey
    FOREIGN KEY (tenant_id, dataset_id, series_id) REFERENCES series (tenant_id, dataset_id, id) ON DELETE CASCADE;
