-- The points view's hand-written UPDATE and DELETE (V38) meet the compactor safely (issue #23,
-- docs/data-plane.md, "Write path").
--
-- V38's trigger found the point's position in a batch row with one statement's snapshot and used
-- it on the row as the UPDATE found it when it got the row's lock. When a compaction group had
-- rewritten that row meanwhile (taking its points of an hour out of it), the position named
-- another point: a DELETE removed the point after the one asked for, an UPDATE wrote its value
-- there. Now:
-- - the UPDATE and the DELETE take the dataset's chunk lock first (compaction.ChunkStore.lockChunks:
--   class 'ptch' = 1886675816, key hashtext of 'tenant/dataset'), as an InfluxDB delete does, so no
--   compaction group runs beside them and each statement after the lock sees what the last group
--   committed;
-- - the position is taken from the row being changed, as the UPDATE sees it after its lock, and a
--   row that no longer holds the time is left alone, so a statement that rewrites the row without
--   the chunk lock (an owner's, by hand) cannot shift it either;
-- - a batch row is found by its series and a time range (the key, V42: series, then min_ts), not
--   by its version alone, which read every hot row of the series.
-- Nothing else changes: an INSERT is a write of one new version, as before.
CREATE OR REPLACE FUNCTION points_write() RETURNS trigger LANGUAGE plpgsql AS $$
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
    -- The chunk lock of compaction.ChunkStore.lockChunks, until the transaction ends.
    PERFORM pg_advisory_xact_lock(1886675816, hashtext(OLD.tenant_id || '/' || OLD.dataset_id));
    IF TG_OP = 'UPDATE' THEN
        UPDATE point_rows SET f = NEW.f, i = NEW.i, b = NEW.b, s = NEW.s
        WHERE tenant_id = OLD.tenant_id AND dataset_id = OLD.dataset_id AND series_id = OLD.series_id AND ts_ns = OLD.ts_ns;
        GET DIAGNOSTICS changed = ROW_COUNT;
        UPDATE point_batches p
        SET f = CASE WHEN p.f IS NOT NULL
                     THEN p.f[:array_position(p.ts_ns, OLD.ts_ns) - 1] || NEW.f || p.f[array_position(p.ts_ns, OLD.ts_ns) + 1:] END,
            i = CASE WHEN p.i IS NOT NULL
                     THEN p.i[:array_position(p.ts_ns, OLD.ts_ns) - 1] || NEW.i || p.i[array_position(p.ts_ns, OLD.ts_ns) + 1:] END,
            b = CASE WHEN p.b IS NOT NULL
                     THEN p.b[:array_position(p.ts_ns, OLD.ts_ns) - 1] || NEW.b || p.b[array_position(p.ts_ns, OLD.ts_ns) + 1:] END,
            s = CASE WHEN p.s IS NOT NULL
                     THEN p.s[:array_position(p.ts_ns, OLD.ts_ns) - 1] || NEW.s || p.s[array_position(p.ts_ns, OLD.ts_ns) + 1:] END
        FROM (SELECT x.version FROM point_batches x
              WHERE x.tenant_id = OLD.tenant_id AND x.dataset_id = OLD.dataset_id AND x.series_id = OLD.series_id
                AND x.min_ts <= OLD.ts_ns AND x.max_ts >= OLD.ts_ns AND OLD.ts_ns = ANY (x.ts_ns)
              ORDER BY x.version DESC LIMIT 1) AS w
        WHERE p.tenant_id = OLD.tenant_id AND p.dataset_id = OLD.dataset_id AND p.series_id = OLD.series_id
          AND p.min_ts <= OLD.ts_ns AND p.version = w.version AND OLD.ts_ns = ANY (p.ts_ns);
        GET DIAGNOSTICS more = ROW_COUNT;
        RETURN CASE WHEN changed + more > 0 THEN NEW END;
    END IF;
    DELETE FROM point_rows
    WHERE tenant_id = OLD.tenant_id AND dataset_id = OLD.dataset_id AND series_id = OLD.series_id AND ts_ns = OLD.ts_ns;
    GET DIAGNOSTICS changed = ROW_COUNT;
    WITH hit AS (
        SELECT x.version FROM point_batches x
        WHERE x.tenant_id = OLD.tenant_id AND x.dataset_id = OLD.dataset_id AND x.series_id = OLD.series_id
          AND x.min_ts <= OLD.ts_ns AND x.max_ts >= OLD.ts_ns AND OLD.ts_ns = ANY (x.ts_ns)),
    gone AS (
        DELETE FROM point_batches p USING hit
        WHERE p.tenant_id = OLD.tenant_id AND p.dataset_id = OLD.dataset_id AND p.series_id = OLD.series_id
          AND p.min_ts <= OLD.ts_ns AND p.version = hit.version AND p.point_count = 1 AND OLD.ts_ns = ANY (p.ts_ns)
        RETURNING 1),
    kept AS (
        UPDATE point_batches p
        SET ts_ns = p.ts_ns[:array_position(p.ts_ns, OLD.ts_ns) - 1] || p.ts_ns[array_position(p.ts_ns, OLD.ts_ns) + 1:],
            point_count = p.point_count - 1,
            min_ts = CASE WHEN p.ts_ns[1] = OLD.ts_ns THEN p.ts_ns[2] ELSE p.min_ts END,
            max_ts = CASE WHEN p.ts_ns[p.point_count] = OLD.ts_ns THEN p.ts_ns[p.point_count - 1] ELSE p.max_ts END,
            f = CASE WHEN p.f IS NOT NULL THEN p.f[:array_position(p.ts_ns, OLD.ts_ns) - 1] || p.f[array_position(p.ts_ns, OLD.ts_ns) + 1:] END,
            i = CASE WHEN p.i IS NOT NULL THEN p.i[:array_position(p.ts_ns, OLD.ts_ns) - 1] || p.i[array_position(p.ts_ns, OLD.ts_ns) + 1:] END,
            b = CASE WHEN p.b IS NOT NULL THEN p.b[:array_position(p.ts_ns, OLD.ts_ns) - 1] || p.b[array_position(p.ts_ns, OLD.ts_ns) + 1:] END,
            s = CASE WHEN p.s IS NOT NULL THEN p.s[:array_position(p.ts_ns, OLD.ts_ns) - 1] || p.s[array_position(p.ts_ns, OLD.ts_ns) + 1:] END
        FROM hit
        WHERE p.tenant_id = OLD.tenant_id AND p.dataset_id = OLD.dataset_id AND p.series_id = OLD.series_id
          AND p.min_ts <= OLD.ts_ns AND p.version = hit.version AND p.point_count > 1 AND OLD.ts_ns = ANY (p.ts_ns)
        RETURNING 1)
    SELECT changed + (SELECT count(*) FROM gone) + (SELECT count(*) FROM kept) INTO changed;
    RETURN CASE WHEN changed > 0 THEN OLD END;
END
$$;
