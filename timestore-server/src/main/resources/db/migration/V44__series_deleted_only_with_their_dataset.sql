-- Series and field types are deleted only with their dataset (issue #23; docs/data-plane.md,
-- "Write path"). The write path's ingest.KnownSeries remembers the ids of series and the types of
-- fields a write found stored, per dataset incarnation, and relies on a committed row of either
-- table never being changed or deleted but by its dataset's deletion (ON DELETE CASCADE, which
-- PostgreSQL runs as the tables' owner). V6 let the runtime role DELETE them, though no statement
-- of the server does: now it cannot, so a future statement that tried would fail instead of
-- leaving an instance's remembered id pointing at no series. It never had UPDATE on them.
REVOKE DELETE ON series, measurement_fields FROM ${runtime_role};
