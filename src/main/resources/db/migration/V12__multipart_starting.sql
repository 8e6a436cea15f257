-- A client's multipart upload (POST .../multipart) is recorded BEFORE the store starts it, like a
-- streamed write (V11), so that a crash between the store's start and the record leaves a row the
-- expiry reaper finds (README "Large uploads: multipart"). Until the store answers, the row is
-- "starting": no provider_upload_id, and an expires_at only minutes away, the time a start must have
-- finished by; the start then records the store's id and the upload's real expiry. The variant's
-- key is shared by all its uploads, so a starting row the reaper finds is aborted by aborting only the
-- store's uploads at that key that no row names. The two kinds of rows without a store id are told
-- apart by this column: a streamed write's row is never given one, and its key is its own.
ALTER TABLE multipart_uploads ADD COLUMN streamed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE multipart_uploads SET streamed = TRUE WHERE provider_upload_id IS NULL;
CREATE INDEX multipart_uploads_key_idx ON multipart_uploads (provider, storage_key);
