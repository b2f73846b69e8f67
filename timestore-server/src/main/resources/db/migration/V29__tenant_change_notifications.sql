-- Several instances over one database (issue #21, docs/scaling.md "Caches"). Each instance caches
-- tenants' statuses (tenants.TenantStatuses, auth.tenant-status-cache-ttl). Every change of a
-- tenant row, whoever makes it (an instance's PATCH, an operator's SQL), now tells every listening
-- instance on commit: NOTIFY timestore_tenant_changes with the tenant's id as payload
-- (tenants.TenantChangeListener drops that tenant's cached status). A notification is delivered
-- only if its transaction commits, and PostgreSQL folds repeats within one transaction.
CREATE FUNCTION timestore_notify_tenant_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    PERFORM pg_notify('timestore_tenant_changes', COALESCE(NEW.id, OLD.id));
    RETURN NULL;
END
$$;

CREATE TRIGGER tenants_notify_change AFTER UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION timestore_notify_tenant_change();
