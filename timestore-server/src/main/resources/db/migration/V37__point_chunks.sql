-- Chunks: the points of one series stored together, encoded (issue #23, docs/data-plane.md,
-- "Chunk format" and "Compaction"). New points still land in `points`, the hot table; the
-- compactor (retention.PointsCompactor) folds hot rows older than points.compaction.age into
-- chunks, one transaction per group (delete the hot rows, replace the chunks they merge with).
--
-- A chunk holds 1 to 10,000 points of one series, timestamps strictly ascending; the chunks of a
-- series never overlap, so (series, min_ts) identifies one. Summary columns let aggregates over
-- windows that cover whole chunks skip decoding: float series fill the *_f columns, integer and
-- unsigned series the exact *_n columns (unsigned as its value, not its bits); boolean and
-- string series only the time range and count.
CREATE TABLE point_chunks (
    tenant_id   text    NOT NULL,
    dataset_id  text    NOT NULL,
    series_id   bigint  NOT NULL,
    min_ts      bigint  NOT NULL,
    max_ts      bigint  NOT NULL,
    point_count integer NOT NULL CHECK (point_count BETWEEN 1 AND 10000),
    min_f       float8,
    max_f       float8,
    sum_f       float8,
    first_f     float8,
    last_f      float8,
    min_n       numeric,
    max_n       numeric,
    sum_n       numeric,
    first_n     numeric,
    last_n      numeric,
    data        bytea   NOT NULL,
    PRIMARY KEY (tenant_id, dataset_id, series_id, min_ts),
    CHECK (min_ts <= max_ts),
    -- A chunk goes with its series (and the series with its dataset): one lookup per chunk, not
    -- per point, so unlike `points` the foreign key costs nothing worth saving.
    FOREIGN KEY (series_id, tenant_id, dataset_id) REFERENCES series (id, tenant_id, dataset_id) ON DELETE CASCADE
);
-- The chunks of a dataset by time, for retention (whole chunks older than the cut).
CREATE INDEX point_chunks_by_time ON point_chunks (tenant_id, dataset_id, max_ts);

ALTER TABLE point_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE point_chunks FORCE ROW LEVEL SECURITY;

-- The same policies as points (V6, V10, V14).
CREATE POLICY tenant_rows ON point_chunks
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
CREATE POLICY shared_reads ON point_chunks FOR SELECT
    USING (EXISTS (SELECT 1 FROM dataset_shares s
                   WHERE s.tenant_id = point_chunks.tenant_id AND s.dataset_id = point_chunks.dataset_id
                     AND s.grantee = (SELECT current_setting('app.tenant_id', true))));

GRANT SELECT, INSERT, UPDATE, DELETE ON point_chunks TO ${runtime_role};
