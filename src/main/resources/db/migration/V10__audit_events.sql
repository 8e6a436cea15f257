-- The audit trail (CONTRACT §3 "Lifecycle, quotas, audit"): one row per change, written in the same
-- transaction as the change, so a change that rolls back leaves no row and no committed change lacks
-- one. Rows outlive their artifacts (no foreign key) and go after artifact-store.audit.retention.
-- Ids are ULIDs: newest first is id order, and a page ends at an id (keyset cursor).
CREATE TABLE audit_events (
    tenant_id   VARCHAR(128)  NOT NULL,
    id          CHAR(26)      COLLATE "C" NOT NULL, -- byte order: ULID order, whatever the database collation
    at          TIMESTAMPTZ   NOT NULL,
    subject     VARCHAR(255)  NOT NULL,
    action      VARCHAR(32)   NOT NULL,
    artifact_id VARCHAR(128),
    variant     VARCHAR(128),
    outcome     VARCHAR(16)   NOT NULL CHECK (outcome IN ('succeeded', 'rejected')),
    detail      VARCHAR(1024),
    PRIMARY KEY (tenant_id, id)
);

-- Every index is paid for on the hot path (a new artifact's ticket writes its event), so only two
-- B-trees: the tenant's pages (primary key) and an artifact's history. A filter by action reads the
-- tenant's pages backwards. The purge finds old rows through a BRIN index: rows arrive in time
-- order, and a BRIN index costs next to nothing to keep.
CREATE INDEX audit_events_artifact_idx ON audit_events (tenant_id, artifact_id, id) WHERE artifact_id IS NOT NULL;
CREATE INDEX audit_events_at_idx ON audit_events USING brin (at);
