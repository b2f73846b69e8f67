-- A mutation keeps its reply under its Idempotency-Key in its own transaction, with its change and
-- its audit event (docs/idempotency.md): the key is taken exactly when the change commits. Tenant
-- administration runs on the platform path (app.platform = 'on', no tenant), so that path must be
-- able to write the operator's keys, as it writes api_tokens and signing_keys. Only transactions
-- of platform operators' requests set app.platform.
CREATE POLICY platform_rows ON idempotency_keys
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');
