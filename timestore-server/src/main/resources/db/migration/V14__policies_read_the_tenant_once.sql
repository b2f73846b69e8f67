-- Every row-level security policy reads the transaction's tenant (or platform flag) once per
-- statement instead of once per row.
--
-- A policy condition written as `tenant_id = current_setting('app.tenant_id', true)` calls
-- current_setting for every row it checks whenever the planner cannot use the condition as an
-- index key (always for the permissive share policies, which are OR-ed with tenant_rows; and for
-- every row an INSERT checks). Over the 8,640 points of a one-day aggregate that was half of the
-- statement's time: the index scan took 4.6 ms under the policies against 2.2 ms without them.
-- Written as a scalar subquery, `(SELECT current_setting('app.tenant_id', true))`, the setting
-- becomes an InitPlan evaluated once per statement, and the check per row is one text comparison.
--
-- The meaning is unchanged: app.tenant_id is transaction-local and set before any statement of
-- the transaction runs, so reading it once or per row gives the same value.

ALTER POLICY tenant_reads_itself ON tenants
    USING (id = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY platform_manages_tenants ON tenants
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');

ALTER POLICY tenant_rows ON api_tokens
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY platform_rows ON api_tokens
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');
ALTER POLICY tenant_rows ON signing_keys
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY platform_rows ON signing_keys
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');

ALTER POLICY tenant_rows ON datasets
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY tenant_rows ON measurement_fields
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY tenant_rows ON series
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY tenant_rows ON points
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY tenant_rows ON refresh_runs
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY tenant_rows ON idempotency_keys
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));

ALTER POLICY tenant_rows ON dataset_shares
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY grantee_reads ON dataset_shares
    USING (grantee = (SELECT current_setting('app.tenant_id', true)));
ALTER POLICY shared_reads ON datasets
    USING (EXISTS (SELECT 1 FROM dataset_shares s
                   WHERE s.tenant_id = datasets.tenant_id AND s.dataset_id = datasets.id
                     AND s.grantee = (SELECT current_setting('app.tenant_id', true))));
ALTER POLICY shared_reads ON series
    USING (EXISTS (SELECT 1 FROM dataset_shares s
                   WHERE s.tenant_id = series.tenant_id AND s.dataset_id = series.dataset_id
                     AND s.grantee = (SELECT current_setting('app.tenant_id', true))));
ALTER POLICY shared_reads ON points
    USING (EXISTS (SELECT 1 FROM dataset_shares s
                   WHERE s.tenant_id = points.tenant_id AND s.dataset_id = points.dataset_id
                     AND s.grantee = (SELECT current_setting('app.tenant_id', true))));
