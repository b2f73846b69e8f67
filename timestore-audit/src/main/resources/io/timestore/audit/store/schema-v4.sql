-- Version 4: the row-level security policies read the transaction's tenant and platform flag once
-- per statement, as a scalar subquery (an InitPlan), instead of calling current_setting for every
-- row they check. An export reads hundreds of thousands of events, and a group commit checks every
-- inserted row. The meaning is unchanged: both settings are transaction-local and set before the
-- transaction's first statement.

ALTER POLICY tenant_rows ON audit_events
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY platform_rows ON audit_events
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');

ALTER POLICY tenant_rows ON audit_pending
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY platform_rows ON audit_pending
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');

ALTER POLICY tenant_rows ON audit_seals
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY platform_rows ON audit_seals
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');

ALTER POLICY tenant_rows ON audit_checkpoints
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY platform_rows ON audit_checkpoints
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');
