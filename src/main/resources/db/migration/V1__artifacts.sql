-- Artifacts and their variants (CONTRACT §3). Every lookup is tenant-scoped, so every index leads
-- with tenant_id. Artifact ids are ULIDs: ordering by id is ordering by creation time, which makes
-- "newest first" keyset pagination a backwards index scan.
CREATE TABLE artifacts (
    id          VARCHAR(128) PRIMARY KEY,
    tenant_id   VARCHAR(128) NOT NULL,
    type        VARCHAR(16)  NOT NULL CHECK (type IN ('IMAGE', 'VIDEO', 'AUDIO', 'TEXT', 'MODEL', 'DATASET', 'INTERMEDIATE')),
    board_id    VARCHAR(128),
    status      VARCHAR(16)  NOT NULL CHECK (status IN ('PENDING', 'AVAILABLE')),
    filename    VARCHAR(255),
    metadata    JSONB        NOT NULL DEFAULT '{}'::jsonb,
    created_at  TIMESTAMPTZ  NOT NULL,
    updated_at  TIMESTAMPTZ  NOT NULL
);

CREATE INDEX artifacts_tenant_id_idx ON artifacts (tenant_id, id DESC);
CREATE INDEX artifacts_tenant_board_idx ON artifacts (tenant_id, board_id, id DESC);
CREATE INDEX artifacts_tenant_type_idx ON artifacts (tenant_id, type, id DESC);

CREATE TABLE artifact_variants (
    tenant_id     VARCHAR(128) NOT NULL,
    artifact_id   VARCHAR(128) NOT NULL REFERENCES artifacts (id) ON DELETE CASCADE,
    name          VARCHAR(128) NOT NULL,
    status        VARCHAR(16)  NOT NULL CHECK (status IN ('PENDING', 'AVAILABLE')),
    provider      VARCHAR(128) NOT NULL,
    storage_key   VARCHAR(1024) NOT NULL,
    content_type  VARCHAR(255) NOT NULL,
    size          BIGINT       NOT NULL CHECK (size >= 0),
    sha256        VARCHAR(64),
    created_at    TIMESTAMPTZ  NOT NULL,
    completed_at  TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, artifact_id, name)
);

CREATE INDEX artifact_variants_artifact_idx ON artifact_variants (artifact_id);
-- Unfinished uploads, for their expiry.
CREATE INDEX artifact_variants_pending_idx ON artifact_variants (created_at) WHERE status = 'PENDING';
