-- Orphan reconciliation (CONTRACT §3): one row per job, so any replica can answer its status.
-- heartbeat_at moves with every page; a RUNNING job whose replica died stops moving and is then
-- reported FAILED. tenant_id is the admin's tenant who started it: only that tenant sees the job.
CREATE TABLE reconcile_jobs (
    id               VARCHAR(26)   PRIMARY KEY,
    tenant_id        VARCHAR(128)  NOT NULL,
    provider         VARCHAR(128)  NOT NULL,
    prefix           VARCHAR(1024) NOT NULL,
    apply            BOOLEAN       NOT NULL,
    status           VARCHAR(16)   NOT NULL CHECK (status IN ('RUNNING', 'DONE', 'FAILED')),
    scanned_objects  BIGINT        NOT NULL DEFAULT 0,
    scanned_records  BIGINT        NOT NULL DEFAULT 0,
    orphan_objects   BIGINT        NOT NULL DEFAULT 0,
    missing_objects  BIGINT        NOT NULL DEFAULT 0,
    deleted_objects  BIGINT        NOT NULL DEFAULT 0,
    marked_missing   BIGINT        NOT NULL DEFAULT 0,
    error            VARCHAR(512),
    started_at       TIMESTAMPTZ   NOT NULL,
    heartbeat_at     TIMESTAMPTZ   NOT NULL,
    finished_at      TIMESTAMPTZ
);

-- The reconciler walks a provider's variants in key order, byte for byte as stores list objects.
CREATE INDEX artifact_variants_provider_key_idx ON artifact_variants (provider, (storage_key COLLATE "C"));

-- Records without bytes are marked MISSING. Helper J's V5 adds EXPIRED and MISSING as well: this
-- restates the same set, so either order of the two migrations ends with the same constraint.
ALTER TABLE artifact_variants DROP CONSTRAINT IF EXISTS artifact_variants_status_check;
ALTER TABLE artifact_variants ADD CONSTRAINT artifact_variants_status_check
    CHECK (status IN ('PENDING', 'AVAILABLE', 'EXPIRED', 'MISSING'));
