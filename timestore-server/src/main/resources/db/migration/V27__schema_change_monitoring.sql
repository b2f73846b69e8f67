-- Schema-change monitoring (issue #19). Every DDL command on Timestore's schema is recorded in
-- schema_changes by event triggers on ddl_command_end and sql_drop: who (the session's login role
-- and the role the command ran as), what (command tag, object type and identity, statement),
-- when, from where. A command run inside a migration that Timestore applies carries the marker
-- its Flyway run sets in the session (timestore.migration = 'version|description|checksum',
-- db.Migrations) and is recorded as expected; anything else is unexpected, and the server turns
-- it into a _platform audit event of severity security (schemawatch.SchemaChangeReporter).
--
-- The runtime role may only read schema_changes. It records which unexpected changes it has
-- reported in schema_change_reports (insert-only), in the same transaction as their audit events.
--
-- Event triggers can only be created by a superuser. This migration creates them when it runs as
-- one; otherwise it creates everything else and leaves the triggers to Timestore's embedded
-- database (db.SchemaWatch.install, as the cluster's superuser) or to the operator of an external
-- PostgreSQL (docs/security.md shows the two statements). The server warns at every start and
-- reports timestore_schema_watch_active 0 while they are missing or disabled.

CREATE TABLE schema_changes (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    event            text NOT NULL,
    command_tag      text NOT NULL,
    object_type      text,
    object_identity  text,
    schema_name      text,
    session_role     text NOT NULL,
    acting_role      text NOT NULL,
    client_addr      inet,
    application_name text,
    statement        text,
    migration        text,
    expected         boolean NOT NULL
);

CREATE TABLE schema_change_reports (
    change_id   bigint PRIMARY KEY REFERENCES schema_changes (id),
    reported_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Platform tables: read and written only on the platform path, never from a tenant's transaction.
ALTER TABLE schema_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE schema_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_reads_schema_changes ON schema_changes FOR SELECT
    USING ((SELECT current_setting('app.platform', true)) = 'on');
-- The recording function runs as the owner, whichever role ran the DDL, and marks its own
-- inserts (a transaction-local setting it clears again at once).
CREATE POLICY owner_records_schema_changes ON schema_changes FOR INSERT TO ${owner_role}
    WITH CHECK ((SELECT current_setting('timestore.schema_watch', true)) = 'recording');
ALTER TABLE schema_change_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE schema_change_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_reports_schema_changes ON schema_change_reports
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');

GRANT SELECT ON schema_changes TO ${runtime_role};
GRANT SELECT, INSERT ON schema_change_reports TO ${runtime_role};

CREATE FUNCTION timestore_record_schema_change() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${flyway:defaultSchema}, pg_catalog AS $$
DECLARE
    watched   constant text := '${flyway:defaultSchema}';
    marker    text := nullif(current_setting('timestore.migration', true), '');
    query_text text := left(current_query(), 4000);
    r         record;
BEGIN
    PERFORM set_config('timestore.schema_watch', 'recording', true);
    IF tg_event = 'sql_drop' THEN
        FOR r IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
            IF r.schema_name = watched OR (r.object_type = 'schema' AND r.object_identity = watched) THEN
                INSERT INTO schema_changes (event, command_tag, object_type, object_identity, schema_name, session_role,
                                            acting_role, client_addr, application_name, statement, migration, expected)
                VALUES (tg_event, tg_tag, r.object_type, r.object_identity, r.schema_name, session_user, current_user,
                        inet_client_addr(), current_setting('application_name', true), query_text, marker, marker IS NOT NULL);
            END IF;
        END LOOP;
    ELSE
        FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
            IF r.schema_name = watched OR (r.object_type = 'schema' AND r.object_identity = watched)
                    OR (r.schema_name IS NULL AND r.command_tag IN ('GRANT', 'REVOKE', 'ALTER DEFAULT PRIVILEGES')) THEN
                INSERT INTO schema_changes (event, command_tag, object_type, object_identity, schema_name, session_role,
                                            acting_role, client_addr, application_name, statement, migration, expected)
                VALUES (tg_event, r.command_tag, r.object_type, r.object_identity, r.schema_name, session_user, current_user,
                        inet_client_addr(), current_setting('application_name', true), query_text, marker, marker IS NOT NULL);
            END IF;
        END LOOP;
    END IF;
    PERFORM set_config('timestore.schema_watch', '', true);
END
$$;
REVOKE ALL ON FUNCTION timestore_record_schema_change() FROM PUBLIC;

DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        CREATE EVENT TRIGGER timestore_schema_watch_ddl ON ddl_command_end
            EXECUTE FUNCTION ${flyway:defaultSchema}.timestore_record_schema_change();
        CREATE EVENT TRIGGER timestore_schema_watch_drop ON sql_drop
            EXECUTE FUNCTION ${flyway:defaultSchema}.timestore_record_schema_change();
    ELSE
        RAISE NOTICE 'schema-change monitoring: % is not a superuser, so the event triggers are left to a superuser '
            '(see docs/security.md)', current_user;
    END IF;
END
$$;
