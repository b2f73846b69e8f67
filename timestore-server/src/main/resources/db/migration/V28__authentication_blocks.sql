-- Automatic blocking after repeated authentication failures (issue #19; docs/security.md,
-- "Automatic blocking"). Platform tables: they hold source addresses and credential ids, no
-- tenant data, and are read and written only on the platform path (app.platform = 'on'), like
-- schema_change_reports (V27). The runtime role owns nothing here; it gets row privileges only.
--
-- auth_failure_counts: one row per counted subject (a source address, an API token id, a
-- signing key id, a JWT subject): failures since window_started_at. Every instance counts into
-- the same row (an upsert), so failures add up across instances.
--
-- auth_blocks: one row per block, kept after it ends as its history. At most one block per
-- subject is open (ended_at IS NULL), enforced by a partial unique index: of two instances that
-- cross the threshold at once, one inserts the block (and writes its one audit event in the same
-- transaction), the other inserts nothing.

CREATE TABLE auth_failure_counts (
    subject_kind      text NOT NULL CHECK (subject_kind IN ('source', 'api_token', 'signing_key', 'jwt_subject')),
    subject           text NOT NULL CHECK (length(subject) <= 1024),
    window_started_at timestamptz NOT NULL,
    failures          integer NOT NULL CHECK (failures > 0),
    PRIMARY KEY (subject_kind, subject)
);

CREATE TABLE auth_blocks (
    id            uuid PRIMARY KEY,
    subject_kind  text NOT NULL CHECK (subject_kind IN ('source', 'api_token', 'signing_key', 'jwt_subject')),
    subject       text NOT NULL CHECK (length(subject) <= 1024),
    failures      integer NOT NULL,
    started_at    timestamptz NOT NULL,
    blocked_until timestamptz NOT NULL,
    ended_at      timestamptz,
    end_reason    text CHECK (end_reason IN ('expired', 'lifted')),
    lifted_by     text,
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE UNIQUE INDEX auth_blocks_one_open_per_subject ON auth_blocks (subject_kind, subject) WHERE ended_at IS NULL;
CREATE INDEX auth_blocks_open_until ON auth_blocks (blocked_until) WHERE ended_at IS NULL;

ALTER TABLE auth_failure_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth_failure_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_counts_failures ON auth_failure_counts
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');
ALTER TABLE auth_blocks ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth_blocks FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_blocks ON auth_blocks
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');

GRANT SELECT, INSERT, UPDATE, DELETE ON auth_failure_counts TO ${runtime_role};
GRANT SELECT, INSERT, UPDATE ON auth_blocks TO ${runtime_role};
