-- Shared datasets (BR-003, docs/authorization.md "Shared datasets"). The owner tenant shares one
-- dataset read-only with a named grantee tenant. A share carries the scope the grantee's callers
-- must hold to read through it, a rationale and an owner (the person or team answerable for it).
--
-- Row-level security enforces the share as well as the application: a transaction of the grantee
-- (app.tenant_id = grantee) may SELECT the shared dataset's row, series and points, and nothing
-- else of the owner's. The extra policies are FOR SELECT only, so INSERT, UPDATE and DELETE stay
-- under tenant_rows: a grantee can never write into the owner's dataset.
CREATE TABLE dataset_shares (
    tenant_id  text        NOT NULL,
    dataset_id text        NOT NULL,
    grantee    text        NOT NULL REFERENCES tenants (id),
    -- New for every share made: the authorizer caches the share's compiled requirement by it.
    revision   bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    scope      text        NOT NULL CHECK (scope ~ '^[!-~]{1,128}$'),
    rationale  text        NOT NULL CHECK (char_length(btrim(rationale)) BETWEEN 1 AND 2000),
    owner      text        NOT NULL CHECK (char_length(btrim(owner)) BETWEEN 1 AND 256),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text        NOT NULL,
    PRIMARY KEY (tenant_id, dataset_id, grantee),
    CHECK (grantee <> tenant_id),
    FOREIGN KEY (tenant_id, dataset_id) REFERENCES datasets (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX dataset_shares_by_grantee ON dataset_shares (grantee, tenant_id, dataset_id);

ALTER TABLE dataset_shares ENABLE ROW LEVEL SECURITY;
ALTER TABLE dataset_shares FORCE ROW LEVEL SECURITY;

-- The owner manages its shares; the grantee sees the shares made to it, read-only.
CREATE POLICY tenant_rows ON dataset_shares
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY grantee_reads ON dataset_shares FOR SELECT
    USING (grantee = current_setting('app.tenant_id', true));

-- Permissive policies are OR-ed with tenant_rows for SELECT only.
CREATE POLICY shared_reads ON datasets FOR SELECT
    USING (EXISTS (SELECT 1 FROM dataset_shares s
                   WHERE s.tenant_id = datasets.tenant_id AND s.dataset_id = datasets.id
                     AND s.grantee = current_setting('app.tenant_id', true)));
CREATE POLICY shared_reads ON series FOR SELECT
    USING (EXISTS (SELECT 1 FROM dataset_shares s
                   WHERE s.tenant_id = series.tenant_id AND s.dataset_id = series.dataset_id
                     AND s.grantee = current_setting('app.tenant_id', true)));
CREATE POLICY shared_reads ON points FOR SELECT
    USING (EXISTS (SELECT 1 FROM dataset_shares s
                   WHERE s.tenant_id = points.tenant_id AND s.dataset_id = points.dataset_id
                     AND s.grantee = current_setting('app.tenant_id', true)));

GRANT SELECT, INSERT, DELETE ON dataset_shares TO ${runtime_role};
GRANT USAGE ON SEQUENCE dataset_shares_revision_seq TO ${runtime_role};
