-- Tag filters of queries go through an index under row-level security.
--
-- A query's tag filter was `series.tags @> filter`. jsonb containment is not leakproof, so under
-- row-level security PostgreSQL may not evaluate it inside an index scan (before the policy):
-- every series of the dataset was read and compared, and a filtered read cost grew with the
-- number of series (about 500 reads/s with 1,000 series on the 2-core machine). series_tags holds
-- each tag of each series as a row, and `digest` (md5 of the key, then md5 of the value, each 32
-- hex digits, so the pair is unambiguous and its index entry small whatever the tag's length) is
-- compared with text equality, which is leakproof. The digest only finds candidates: the query
-- still checks `tags @> filter` on the series it found, so two tags with the same digest cannot
-- mix up two series.
--
-- Rows are written by a trigger on series (whoever inserts a series, an older server instance
-- still running during an upgrade included) and go with their series (foreign key, ON DELETE
-- CASCADE). The trigger function runs as the inserting role, under its row-level security. The
-- backfill below runs with the policy of series lifted for this transaction only: as the owner,
-- under FORCE ROW LEVEL SECURITY and with no tenant set, the migration would otherwise see no
-- series at all; the migration's exclusive lock on series keeps anyone else out meanwhile.

CREATE TABLE series_tags (
    tenant_id  text   NOT NULL,
    dataset_id text   NOT NULL,
    series_id  bigint NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    key        text   NOT NULL,
    value      text   NOT NULL,
    digest     text   GENERATED ALWAYS AS (md5(key) || md5(value)) STORED,
    PRIMARY KEY (series_id, key)
);

ALTER TABLE series NO FORCE ROW LEVEL SECURITY;
INSERT INTO series_tags (tenant_id, dataset_id, series_id, key, value)
SELECT s.tenant_id, s.dataset_id, s.id, t.key, t.value FROM series s CROSS JOIN LATERAL jsonb_each_text(s.tags) t;
ALTER TABLE series FORCE ROW LEVEL SECURITY;
CREATE INDEX series_tags_by_digest ON series_tags (tenant_id, dataset_id, digest, series_id);

CREATE FUNCTION series_tags_of_new_series() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO series_tags (tenant_id, dataset_id, series_id, key, value)
    SELECT n.tenant_id, n.dataset_id, n.id, t.key, t.value FROM new_series n CROSS JOIN LATERAL jsonb_each_text(n.tags) t;
    RETURN NULL;
END
$$;
CREATE TRIGGER series_tags_of_new_series AFTER INSERT ON series
    REFERENCING NEW TABLE AS new_series
    FOR EACH STATEMENT EXECUTE FUNCTION series_tags_of_new_series();

ALTER TABLE series_tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE series_tags FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON series_tags
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
CREATE POLICY shared_reads ON series_tags FOR SELECT
    USING (EXISTS (SELECT 1 FROM dataset_shares s
                   WHERE s.tenant_id = series_tags.tenant_id AND s.dataset_id = series_tags.dataset_id
                     AND s.grantee = (SELECT current_setting('app.tenant_id', true))));

GRANT SELECT, INSERT ON series_tags TO ${runtime_role};
