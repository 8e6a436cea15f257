-- Issue 13 (replace, expiry). Variants may now be EXPIRED (their ticket ran out, never completed) or
-- MISSING (a record without bytes, found by reconciliation); an artifact whose every variant expired
-- is EXPIRED itself.
ALTER TABLE artifacts DROP CONSTRAINT artifacts_status_check;
ALTER TABLE artifacts ADD CONSTRAINT artifacts_status_check
    CHECK (status IN ('PENDING', 'AVAILABLE', 'EXPIRED', 'MISSING'));
ALTER TABLE artifact_variants DROP CONSTRAINT artifact_variants_status_check;
ALTER TABLE artifact_variants ADD CONSTRAINT artifact_variants_status_check
    CHECK (status IN ('PENDING', 'AVAILABLE', 'EXPIRED', 'MISSING'));

-- A replacement of an AVAILABLE variant awaiting its bytes: the variant keeps naming its verified
-- version (downloads serve it) until the replacement is verified, then both swap in one update.
ALTER TABLE artifact_variants
    ADD COLUMN replacement_provider     VARCHAR(128),
    ADD COLUMN replacement_key          VARCHAR(1024),
    ADD COLUMN replacement_content_type VARCHAR(255),
    ADD COLUMN replacement_size         BIGINT CHECK (replacement_size >= 0),
    ADD COLUMN replacement_sha256       VARCHAR(64),
    ADD COLUMN replacement_expires_at   TIMESTAMPTZ;

-- The reaper's scans: pending uploads by ticket expiry, replacements by theirs, intermediates by age.
CREATE INDEX artifact_variants_pending_expiry_idx ON artifact_variants (upload_expires_at) WHERE status = 'PENDING';
CREATE INDEX artifact_variants_replacement_expiry_idx ON artifact_variants (replacement_expires_at)
    WHERE replacement_key IS NOT NULL;
CREATE INDEX artifacts_intermediate_age_idx ON artifacts (created_at) WHERE type = 'INTERMEDIATE';
