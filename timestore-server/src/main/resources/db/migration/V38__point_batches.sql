-- The write path of issue #23 (docs/data-plane.md, "Write path" and "Which value wins"): a write
-- stores one row per series it touches, its points as arrays, instead of one row per point.
--
-- point_batches: one row per series per write statement, timestamps strictly ascending (the write
-- resolves its own duplicates, last wins), only the value array of the series' type filled (f for
-- float, i for integer and unsigned as the same 64 bits, b, s). `version` comes from one sequence,
-- one value per write statement: for the same series and time, the row of the higher version is
-- the later write and wins. The compactor (compaction.PointsCompactor) folds them into chunks.
--
-- The row-per-point table of V6 is renamed point_rows: it holds the points written before V38
-- (the compactor folds them too; they lose to any batch row of the same time, being older), and
-- `points` becomes a view of the hot points, as one row per point, merged: for each series and
-- time the value of the highest version, a point_rows row counting as version 0. Every statement
-- that read `points` reads that view (security_invoker: the row-level security of the tables
-- below applies to the caller), and the chunks of V37 are merged over it by query.ColdPoints.
ALTER TABLE points RENAME TO point_rows;
ALTER INDEX points_pkey RENAME TO point_rows_pkey;

CREATE SEQUENCE point_batches_version_seq AS bigint;

CREATE TABLE point_batches (
    tenant_id   text     NOT NULL,
    dataset_id  text     NOT NULL,
    series_id   bigint   NOT NULL,
    version     bigint   NOT NULL,
    min_ts      bigint   NOT NULL,
    max_ts      bigint   NOT NULL,
    point_count integer  NOT NULL CHECK (point_count >= 1),
    ts_ns       bigint[] NOT NULL,
    f           float8[],
    i           bigint[],
    b           boolean[],
    s           text[],
    PRIMARY KEY (tenant_id, dataset_id, series_id, version),
    CHECK (min_ts <= max_ts AND cardinality(ts_ns) = point_count)
    -- No foreign key to series, as for points (V6): its check locks the series row (FOR KEY
    -- SHARE) for every row inserted, and concurrent writes of the same series then share those
    -- locks through multixacts, a write of 1,000 series locking 1,000 rows. The rows of a deleted
    -- dataset are deleted by the same transaction that deletes the dataset (DatasetStore).
);
-- The rows of a series by their first time: the compactor's next group, and a read's test whether
-- a chunk point is also hot (ColdPoints: rows starting at or before the point's time).
CREATE INDEX point_batches_by_time ON point_batches (tenant_id, dataset_id, series_id, min_ts);

ALTER TABLE point_batches ENABLE ROW LEVEL SECURITY;
ALTER TABLE point_batches FORCE ROW LEVEL SECURITY;

-- The same policies as points (V6, V10, V14) and point_chunks (V37).
CREATE POLICY tenant_rows ON point_batches
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
CREATE POLICY shared_reads ON point_batches FOR SELECT
    USING (EXISTS (SELECT 1 FROM dataset_shares s
                   WHERE s.tenant_id = point_batches.tenant_id AND s.dataset_id = point_batches.dataset_id
                     AND s.grantee = (SELECT current_setting('app.tenant_id', true))));

GRANT SELECT, INSERT, UPDATE, DELETE ON point_batches TO ${runtime_role};
GRANT USAGE ON SEQUENCE point_batches_version_seq TO ${runtime_role};

-- DISTINCT ON the four key columns (not fewer): a condition on any of them is pushed down into
-- both branches, so a read's tenant, dataset, series and time conditions reach the indexes of
-- point_rows and point_batches.
CREATE VIEW points WITH (security_invoker = true) AS
SELECT DISTINCT ON (h.tenant_id, h.dataset_id, h.series_id, h.ts_ns)
       h.tenant_id, h.dataset_id, h.series_id, h.ts_ns, h.f, h.i, h.b, h.s
FROM (SELECT p.tenant_id, p.dataset_id, p.series_id, u.ts_ns, u.f, u.i, u.b, u.s, p.version
      FROM point_batches p CROSS JOIN LATERAL unnest(p.ts_ns, p.f, p.i, p.b, p.s) AS u (ts_ns, f, i, b, s)
      UNION ALL
      SELECT r.tenant_id, r.dataset_id, r.series_id, r.ts_ns, r.f, r.i, r.b, r.s, 0
      FROM point_rows r) AS h
ORDER BY h.tenant_id, h.dataset_id, h.series_id, h.ts_ns, h.version DESC;

GRANT SELECT, INSERT, UPDATE, DELETE ON points TO ${runtime_role};

-- Writing the view by hand (the server never does; tests and operators may): an INSERT is a write
-- of one point (a batch row of a new version, so it wins as any later write); an UPDATE changes the
-- winning value in place; a DELETE removes the time from every hot row of the series. Each runs as
-- the caller, under the row-level security of the tables, and counts only what it changed.
CREATE FUNCTION points_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed bigint := 0;
    more bigint := 0;
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- The write lock of compaction.BatchRows (class 'ptbw' = 1886675575, key 0), as every write takes it.
        PERFORM pg_advisory_xact_lock_shared(1886675575, 0);
        INSERT INTO point_batches (tenant_id, dataset_id, series_id, version, min_ts, max_ts, point_count, ts_ns, f, i, b, s)
        VALUES (NEW.tenant_id, NEW.dataset_id, NEW.series_id, nextval('point_batches_version_seq'), NEW.ts_ns, NEW.ts_ns, 1,
                ARRAY[NEW.ts_ns], CASE WHEN NEW.f IS NOT NULL THEN ARRAY[NEW.f] END, CASE WHEN NEW.i IS NOT NULL THEN ARRAY[NEW.i] END,
                CASE WHEN NEW.b IS NOT NULL THEN ARRAY[NEW.b] END, CASE WHEN NEW.s IS NOT NULL THEN ARRAY[NEW.s] END);
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.tenant_id, NEW.dataset_id, NEW.series_id, NEW.ts_ns)
                            IS DISTINCT FROM (OLD.tenant_id, OLD.dataset_id, OLD.series_id, OLD.ts_ns) THEN
        RAISE EXCEPTION 'the key of a point cannot change' USING ERRCODE = 'feature_not_supported';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        UPDATE point_rows SET f = NEW.f, i = NEW.i, b = NEW.b, s = NEW.s
        WHERE tenant_id = OLD.tenant_id AND dataset_id = OLD.dataset_id AND series_id = OLD.series_id AND ts_ns = OLD.ts_ns;
        GET DIAGNOSTICS changed = ROW_COUNT;
        UPDATE point_batches p
        SET f = CASE WHEN p.f IS NOT NULL THEN p.f[:w.k - 1] || NEW.f || p.f[w.k + 1:] END,
            i = CASE WHEN p.i IS NOT NULL THEN p.i[:w.k - 1] || NEW.i || p.i[w.k + 1:] END,
            b = CASE WHEN p.b IS NOT NULL THEN p.b[:w.k - 1] || NEW.b || p.b[w.k + 1:] END,
            s = CASE WHEN p.s IS NOT NULL THEN p.s[:w.k - 1] || NEW.s || p.s[w.k + 1:] END
        FROM (SELECT x.version, array_position(x.ts_ns, OLD.ts_ns) AS k FROM point_batches x
              WHERE x.tenant_id = OLD.tenant_id AND x.dataset_id = OLD.dataset_id AND x.series_id = OLD.series_id
                AND x.min_ts <= OLD.ts_ns AND x.max_ts >= OLD.ts_ns AND OLD.ts_ns = ANY (x.ts_ns)
              ORDER BY x.version DESC LIMIT 1) AS w
        WHERE p.tenant_id = OLD.tenant_id AND p.dataset_id = OLD.dataset_id AND p.series_id = OLD.series_id AND p.version = w.version;
        GET DIAGNOSTICS more = ROW_COUNT;
        RETURN CASE WHEN changed + more > 0 THEN NEW END;
    END IF;
    DELETE FROM point_rows
    WHERE tenant_id = OLD.tenant_id AND dataset_id = OLD.dataset_id AND series_id = OLD.series_id AND ts_ns = OLD.ts_ns;
    GET DIAGNOSTICS changed = ROW_COUNT;
    WITH hit AS (
        SELECT x.version, array_position(x.ts_ns, OLD.ts_ns) AS k FROM point_batches x
        WHERE x.tenant_id = OLD.tenant_id AND x.dataset_id = OLD.dataset_id AND x.series_id = OLD.series_id
          AND x.min_ts <= OLD.ts_ns AND x.max_ts >= OLD.ts_ns AND OLD.ts_ns = ANY (x.ts_ns)),
    gone AS (
        DELETE FROM point_batches p USING hit
        WHERE p.tenant_id = OLD.tenant_id AND p.dataset_id = OLD.dataset_id AND p.series_id = OLD.series_id
          AND p.version = hit.version AND p.point_count = 1
        RETURNING 1),
    kept AS (
        UPDATE point_batches p
        SET ts_ns = p.ts_ns[:hit.k - 1] || p.ts_ns[hit.k + 1:], point_count = p.point_count - 1,
            min_ts = CASE WHEN hit.k = 1 THEN p.ts_ns[2] ELSE p.min_ts END,
            max_ts = CASE WHEN hit.k = p.point_count THEN p.ts_ns[p.point_count - 1] ELSE p.max_ts END,
            f = CASE WHEN p.f IS NOT NULL THEN p.f[:hit.k - 1] || p.f[hit.k + 1:] END,
            i = CASE WHEN p.i IS NOT NULL THEN p.i[:hit.k - 1] || p.i[hit.k + 1:] END,
            b = CASE WHEN p.b IS NOT NULL THEN p.b[:hit.k - 1] || p.b[hit.k + 1:] END,
            s = CASE WHEN p.s IS NOT NULL THEN p.s[:hit.k - 1] || p.s[hit.k + 1:] END
        FROM hit
        WHERE p.tenant_id = OLD.tenant_id AND p.dataset_id = OLD.dataset_id AND p.series_id = OLD.series_id
          AND p.version = hit.version AND p.point_count > 1
        RETURNING 1)
    SELECT changed + (SELECT count(*) FROM gone) + (SELECT count(*) FROM kept) INTO changed;
    RETURN CASE WHEN changed > 0 THEN OLD END;
END
$$;

CREATE TRIGGER points_write INSTEAD OF INSERT OR UPDATE OR DELETE ON points FOR EACH ROW EXECUTE FUNCTION points_write();
