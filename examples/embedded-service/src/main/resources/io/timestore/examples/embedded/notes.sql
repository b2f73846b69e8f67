-- The example service's own tenant table, under the same row-level security rules as Timestore's:
-- ENABLE + FORCE, a policy over the transaction-local setting app.tenant_id, and a runtime role
-- that owns nothing. ${runtime_role} is filled in by ServiceSchema.
CREATE TABLE notes (
    tenant_id  text        NOT NULL,
    note_id    uuid        NOT NULL,
    body       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, note_id)
);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON notes
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT, INSERT ON notes TO ${runtime_role};
