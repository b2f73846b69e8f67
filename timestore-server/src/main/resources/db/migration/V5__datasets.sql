-- Datasets: a tenant's named collections of points, with the access metadata the authorizer
-- reads (docs/authorization.md). The key is (tenant_id, id): dataset names are unique per tenant
-- only, so creating "cpu" tells nothing about whether another tenant has a "cpu".
CREATE TABLE datasets (
    tenant_id      text        NOT NULL REFERENCES tenants (id),
    id             text        NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9_.-]{0,127}$'),
    description    text        CHECK (char_length(description) <= 4000),
    labels         jsonb       NOT NULL DEFAULT '{}',
    access         jsonb       NOT NULL DEFAULT '{}',
    retention_days integer     CHECK (retention_days BETWEEN 1 AND 36500),
    revision       bigint      NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text        NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     text        NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

ALTER TABLE datasets ENABLE ROW LEVEL SECURITY;
ALTER TABLE datasets FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_rows ON datasets
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

GRANT SELECT, INSERT, UPDATE, DELETE ON datasets TO ${runtime_role};
