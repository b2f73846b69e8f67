-- Idempotency keys (G5): a mutation sent again with the same Idempotency-Key by the same
-- principal of the same tenant is answered with the original response instead of being applied
-- again. Keys live 24 hours. The stored response never holds a credential: members named token or
-- secret are removed before storage (docs/idempotency.md).
CREATE TABLE idempotency_keys (
    tenant_id        text        NOT NULL,
    principal_id     text        NOT NULL,
    key              text        NOT NULL CHECK (key ~ '^[\x21-\x7E]{1,255}$'),
    fingerprint      bytea       NOT NULL CHECK (octet_length(fingerprint) = 32),
    state            text        NOT NULL CHECK (state IN ('in_flight', 'completed')),
    response_status  integer,
    response_type    text,
    response_headers jsonb,
    response_body    bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, principal_id, key)
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (tenant_id, expires_at);

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON idempotency_keys
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO ${runtime_role};
