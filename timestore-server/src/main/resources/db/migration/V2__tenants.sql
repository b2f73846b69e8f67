-- Tenants. A tenant-scoped transaction sees only its own row (to check its status on every
-- request); creating, listing and changing tenants is platform work, done in transactions that
-- set app.platform = 'on' (Transactions.asPlatform). Row-level security is forced, so not even
-- the owner reads around the policies.
CREATE TABLE tenants (
    id                   text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name                 text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    status               text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    audit_retention_days integer     CHECK (audit_retention_days BETWEEN 1 AND 36500),
    legal_hold           boolean     NOT NULL DEFAULT false,
    revision             bigint      NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    created_by           text        NOT NULL,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    updated_by           text        NOT NULL
);

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_reads_itself ON tenants FOR SELECT
    USING (id = current_setting('app.tenant_id', true));

CREATE POLICY platform_manages_tenants ON tenants
    USING (current_setting('app.platform', true) = 'on')
    WITH CHECK (current_setting('app.platform', true) = 'on');

GRANT SELECT, INSERT, UPDATE ON tenants TO ${runtime_role};
