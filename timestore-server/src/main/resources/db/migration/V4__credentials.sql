-- Credentials a tenant issues to its services: API tokens and HMAC signing keys. Each belongs to
-- one tenant. Secrets are never stored in clear: tokens as HMAC-SHA256(pepper, token), signing
-- keys encrypted with AES-GCM under a key derived from the master key.
--
-- Authentication looks a credential up by id before the request's tenant is known; that lookup
-- runs on the explicit platform path (app.platform = 'on'). Everything else (create, list,
-- revoke) runs in the tenant's own transaction.

CREATE TABLE api_tokens (
    tenant_id    text        NOT NULL REFERENCES tenants (id),
    id           text        PRIMARY KEY CHECK (id ~ '^[0-9a-f]{24}$'),
    name         text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    hash         bytea       NOT NULL CHECK (octet_length(hash) = 32),
    permissions  jsonb       NOT NULL,
    expires_at   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text        NOT NULL,
    revoked_at   timestamptz,
    revoked_by   text,
    last_used_at timestamptz
);
CREATE INDEX api_tokens_by_tenant ON api_tokens (tenant_id, created_at DESC, id DESC);

CREATE TABLE signing_keys (
    tenant_id  text        NOT NULL REFERENCES tenants (id),
    id         text        PRIMARY KEY CHECK (id ~ '^hk_[0-9a-f]{24}$'),
    name       text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    secret     bytea       NOT NULL,
    roles      jsonb       NOT NULL DEFAULT '[]',
    scopes     jsonb       NOT NULL DEFAULT '[]',
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text        NOT NULL,
    revoked_at timestamptz,
    revoked_by text
);
CREATE INDEX signing_keys_by_tenant ON signing_keys (tenant_id, created_at DESC, id DESC);

-- Nonces of accepted signed requests, kept until the acceptance window has passed. Key ids and
-- random nonces only: no tenant data, so no tenant column and no tenant policy.
CREATE TABLE request_nonces (
    key_id     text        NOT NULL,
    nonce      text        NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (key_id, nonce)
);
CREATE INDEX request_nonces_by_expiry ON request_nonces (expires_at);

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
ALTER TABLE signing_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE signing_keys FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_rows ON api_tokens
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY platform_rows ON api_tokens
    USING (current_setting('app.platform', true) = 'on')
    WITH CHECK (current_setting('app.platform', true) = 'on');
CREATE POLICY tenant_rows ON signing_keys
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY platform_rows ON signing_keys
    USING (current_setting('app.platform', true) = 'on')
    WITH CHECK (current_setting('app.platform', true) = 'on');

GRANT SELECT, INSERT, UPDATE ON api_tokens TO ${runtime_role};
GRANT SELECT, INSERT, UPDATE ON signing_keys TO ${runtime_role};
GRANT SELECT, INSERT, DELETE ON request_nonces TO ${runtime_role};
