-- Rate limits and quotas (issue #19; docs/security.md, "Rate limits and quotas"). A platform
-- operator's per-tenant overrides of the limits.* defaults (PUT /admin/v1/tenants/{tenant}/limits).
-- A NULL column keeps the configured default; 0 is unlimited for that tenant. One row per tenant
-- at most, gone with its tenant.
--
-- A tenant's transaction reads its own row (each instance loads a tenant's limits when a request
-- of it arrives); writing is platform work (app.platform = 'on'). Every change notifies the
-- tenant channel of V29 (timestore_tenant_changes) with the tenant's id, so every instance drops
-- its cached copy at once (tenants.TenantChangeListener); limits.cache-ttl bounds it otherwise.
CREATE TABLE tenant_limits (
    tenant_id                      text        PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    tenant_requests_per_second     bigint      CHECK (tenant_requests_per_second BETWEEN 0 AND 1000000000),
    tenant_request_burst           bigint      CHECK (tenant_request_burst BETWEEN 0 AND 1000000000),
    credential_requests_per_second bigint      CHECK (credential_requests_per_second BETWEEN 0 AND 1000000000),
    credential_request_burst       bigint      CHECK (credential_request_burst BETWEEN 0 AND 1000000000),
    points_per_second              bigint      CHECK (points_per_second BETWEEN 0 AND 1000000000),
    points_burst                   bigint      CHECK (points_burst BETWEEN 0 AND 1000000000),
    max_series                     bigint      CHECK (max_series BETWEEN 0 AND 1000000000),
    updated_at                     timestamptz NOT NULL,
    updated_by                     text        NOT NULL
);

ALTER TABLE tenant_limits ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_limits FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_reads_its_limits ON tenant_limits FOR SELECT
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)));

CREATE POLICY platform_manages_limits ON tenant_limits
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');

GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_limits TO ${runtime_role};

CREATE FUNCTION timestore_notify_tenant_limits_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    PERFORM pg_notify('timestore_tenant_changes', COALESCE(NEW.tenant_id, OLD.tenant_id));
    RETURN NULL;
END
$$;

CREATE TRIGGER tenant_limits_notify_change AFTER INSERT OR UPDATE OR DELETE ON tenant_limits
    FOR EACH ROW EXECUTE FUNCTION timestore_notify_tenant_limits_change();
