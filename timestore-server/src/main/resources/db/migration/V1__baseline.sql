-- Baseline: the runtime role may use the schema but create nothing in it. Every later migration
-- grants the runtime role exactly the privileges it needs on each table it creates; nothing is
-- granted by default, so a new table is invisible to the server until a migration says otherwise.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ${runtime_role};
