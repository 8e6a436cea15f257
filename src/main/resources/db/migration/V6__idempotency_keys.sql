-- Idempotency-Key replays (CONTRACT §3 "Lifecycle, quotas, audit"). One row per tenant and key:
-- IN_PROGRESS while the first request runs (its lock_token names that run), then DONE with the
-- answer to replay. A row past expires_at counts as absent: the next request with its key takes it
-- over, and the purge deletes it in bounded batches.
CREATE TABLE idempotency_keys (
    tenant_id             VARCHAR(128)  NOT NULL,
    idempotency_key       VARCHAR(255)  NOT NULL,
    fingerprint           CHAR(64)      NOT NULL,
    status                VARCHAR(16)   NOT NULL CHECK (status IN ('IN_PROGRESS', 'DONE')),
    lock_token            VARCHAR(36),
    response_status       INTEGER,
    response_content_type VARCHAR(255),
    response_location     VARCHAR(2048),
    response_body         TEXT CHECK (octet_length(response_body) <= 262144),
    created_at            TIMESTAMPTZ   NOT NULL,
    locked_until          TIMESTAMPTZ   NOT NULL,
    expires_at            TIMESTAMPTZ   NOT NULL,
    PRIMARY KEY (tenant_id, idempotency_key),
    CHECK (status = 'IN_PROGRESS' OR (response_status IS NOT NULL AND response_body IS NOT NULL))
);

CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
