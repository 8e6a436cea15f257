-- Multipart uploads (CONTRACT §3 "Large uploads"). An upload belongs to one version of one variant
-- (its storage_key) and can be used only while that variant is PENDING on that same version: a new
-- ticket, a delete or a complete of the variant makes its upload id unusable at once, without
-- touching this row. A row that is no longer usable, or expired, names the store's upload still to
-- abort (abandoned parts cost money): aborted at once where possible, else by the expiry reaper.
-- No foreign key on purpose: a row must outlive its variant until the store's upload is aborted.
CREATE TABLE multipart_uploads (
    id                 VARCHAR(26)   PRIMARY KEY,
    tenant_id          VARCHAR(128)  NOT NULL,
    artifact_id        VARCHAR(128)  NOT NULL,
    variant            VARCHAR(128)  NOT NULL,
    provider           VARCHAR(128)  NOT NULL,
    storage_key        VARCHAR(1024) NOT NULL,
    provider_upload_id VARCHAR(1024) NOT NULL,
    size               BIGINT        NOT NULL CHECK (size > 0),
    part_size          BIGINT        NOT NULL CHECK (part_size > 0),
    part_count         INTEGER       NOT NULL CHECK (part_count BETWEEN 1 AND 10000),
    created_at         TIMESTAMPTZ   NOT NULL,
    expires_at         TIMESTAMPTZ   NOT NULL
);

CREATE INDEX multipart_uploads_variant_idx ON multipart_uploads (tenant_id, artifact_id, variant);
CREATE INDEX multipart_uploads_expires_idx ON multipart_uploads (expires_at);
