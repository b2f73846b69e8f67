-- Audit retention runs as its own role (database.retention-user): the only role that may delete
-- audit history. The runtime role that serves requests has no DELETE on these tables, so no
-- request path can remove an event. The retention role works on the platform path like the
-- sequencer, so the tables' platform policies apply to it; it has no BYPASSRLS.
GRANT USAGE ON SCHEMA public TO ${retention_role};
GRANT SELECT, DELETE ON audit_events TO ${retention_role};
GRANT SELECT, DELETE ON audit_seals TO ${retention_role};
GRANT SELECT, INSERT, DELETE ON audit_checkpoints TO ${retention_role};
GRANT SELECT ON audit_signing_keys TO ${retention_role};
