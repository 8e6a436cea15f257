-- Bytes of available variants per provider, as last computed. One replica at a time recomputes it
-- (under an advisory lock, once per refresh interval); every replica publishes what it holds, so the
-- full scan of artifact_variants runs once per interval, not once per replica.
CREATE TABLE provider_usage_snapshot (
    provider      VARCHAR(128) PRIMARY KEY,
    bytes         BIGINT       NOT NULL CHECK (bytes >= 0),
    refreshed_at  TIMESTAMPTZ  NOT NULL
);
