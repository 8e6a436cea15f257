-- Every upload ticket writes to a key of its own (the variant's key plus a version segment), and the
-- variant records when its latest ticket stops being usable.
ALTER TABLE artifact_variants ADD COLUMN upload_expires_at TIMESTAMPTZ;
-- Rows from before: the longest a ticket could have lived.
UPDATE artifact_variants SET upload_expires_at = created_at + INTERVAL '7 days';
ALTER TABLE artifact_variants ALTER COLUMN upload_expires_at SET NOT NULL;

-- Keys whose objects no record points to any more (a deleted artifact, a replaced ticket) but that a
-- signed URL handed out earlier may still write to. Their objects are deleted again once no such
-- URL can write any more (sweep_at); a row goes only when its object is gone.
CREATE TABLE object_tombstones (
    provider     VARCHAR(128)  NOT NULL,
    storage_key  VARCHAR(1024) NOT NULL,
    sweep_at     TIMESTAMPTZ   NOT NULL,
    PRIMARY KEY (provider, storage_key)
);

CREATE INDEX object_tombstones_due_idx ON object_tombstones (sweep_at);
