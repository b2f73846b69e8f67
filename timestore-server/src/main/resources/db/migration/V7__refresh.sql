-- The refresh registry (docs/data-plane.md): runs that runtime writers report for a dataset,
-- with their state, watermark (int64 nanoseconds: data is complete up to it) and details. seq
-- orders runs by creation; the current state is the most recently updated run
-- (updated_at is the clock time of the report, not of its transaction's start).
CREATE TABLE refresh_runs (
    tenant_id    text        NOT NULL,
    dataset_id   text        NOT NULL,
    run_id       text        NOT NULL CHECK (run_id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    state        text        NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed')),
    watermark_ns bigint,
    details      jsonb       NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text        NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   text        NOT NULL,
    PRIMARY KEY (tenant_id, dataset_id, run_id),
    FOREIGN KEY (tenant_id, dataset_id) REFERENCES datasets (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_runs_newest ON refresh_runs (tenant_id, dataset_id, seq DESC);
CREATE INDEX refresh_runs_latest_update ON refresh_runs (tenant_id, dataset_id, updated_at DESC, seq DESC);

ALTER TABLE refresh_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_runs FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_rows ON refresh_runs
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

GRANT SELECT, INSERT, UPDATE ON refresh_runs TO ${runtime_role};
GRANT USAGE ON SEQUENCE refresh_runs_seq_seq TO ${runtime_role};
