-- Points (docs/data-plane.md). A series is one field of a measurement with one tag set; a point
-- is (series, timestamp, value). Timestamps are int64 nanoseconds since the epoch (timestamptz
-- keeps only microseconds). The value sits in the column of the series' type: f (float), i
-- (integer, and unsigned as the same 64 bits: the series type says how to read them), b, s.
--
-- measurement_fields fixes the type of each field of a measurement in a dataset, across tag
-- sets, as InfluxDB does; a write with another type is refused (422) and writes nothing.

CREATE TABLE measurement_fields (
    tenant_id   text NOT NULL,
    dataset_id  text NOT NULL,
    measurement text NOT NULL,
    field       text NOT NULL,
    type        text NOT NULL CHECK (type IN ('float', 'integer', 'unsigned', 'boolean', 'string')),
    PRIMARY KEY (tenant_id, dataset_id, measurement, field),
    FOREIGN KEY (tenant_id, dataset_id) REFERENCES datasets (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE series (
    tenant_id   text   NOT NULL,
    dataset_id  text   NOT NULL,
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    measurement text   NOT NULL,
    tags        jsonb  NOT NULL,
    field       text   NOT NULL,
    type        text   NOT NULL CHECK (type IN ('float', 'integer', 'unsigned', 'boolean', 'string')),
    UNIQUE (tenant_id, dataset_id, measurement, tags, field),
    FOREIGN KEY (tenant_id, dataset_id) REFERENCES datasets (tenant_id, id) ON DELETE CASCADE
);

-- No foreign key to series: it would cost a lookup per ingested point. Points of a deleted
-- dataset are deleted by the same transaction that deletes the dataset.
CREATE TABLE points (
    tenant_id  text   NOT NULL,
    dataset_id text   NOT NULL,
    series_id  bigint NOT NULL,
    ts_ns      bigint NOT NULL,
    f          float8,
    i          bigint,
    b          boolean,
    s          text,
    PRIMARY KEY (tenant_id, dataset_id, series_id, ts_ns)
);

ALTER TABLE measurement_fields ENABLE ROW LEVEL SECURITY;
ALTER TABLE measurement_fields FORCE ROW LEVEL SECURITY;
ALTER TABLE series ENABLE ROW LEVEL SECURITY;
ALTER TABLE series FORCE ROW LEVEL SECURITY;
ALTER TABLE points ENABLE ROW LEVEL SECURITY;
ALTER TABLE points FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_rows ON measurement_fields
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY tenant_rows ON series
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY tenant_rows ON points
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

GRANT SELECT, INSERT, DELETE ON measurement_fields TO ${runtime_role};
GRANT SELECT, INSERT, DELETE ON series TO ${runtime_role};
GRANT USAGE ON SEQUENCE series_id_seq TO ${runtime_role};
GRANT SELECT, INSERT, UPDATE, DELETE ON points TO ${runtime_role};
