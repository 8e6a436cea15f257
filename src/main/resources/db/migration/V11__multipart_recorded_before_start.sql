-- A multipart upload the service streams itself (PUT .../content above an S3 provider's
-- stream-multipart-threshold) is recorded BEFORE the store starts it, so that a crash midway leaves
-- a row the expiry reaper finds (README "Workers: streaming uploads"). The store's upload id is not
-- known then, and is never recorded: such a row has no provider_upload_id, and the reaper aborts
-- every upload the store holds at its storage_key, which is a version of its own (no other upload
-- writes there). Its part_size is the object's size and its part_count 1: the store's parts are
-- the writer's business. Clients never see such a row.
ALTER TABLE multipart_uploads ALTER COLUMN provider_upload_id DROP NOT NULL;
