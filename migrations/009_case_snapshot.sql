-- Issue 20: reading a case never waits on the worker. The recording activity that writes
-- the register row also keeps the case's live state as the workflow last saw it (its
-- get_status, without the history), and appends each change to the case's history, so
-- GET /complaints/{case_no} reads Postgres instead of querying a busy worker.
--   snapshot          CaseStatus as JSON without `history`, of the change state_version names;
--                     NULL: never written (a case recorded before this), read live instead
--   snapshot_history  the case's history entries in order; NULL once an entry is missing
--                     (a case that started before this): its history is read live
ALTER TABLE complaints ADD COLUMN snapshot jsonb;
ALTER TABLE complaints ADD COLUMN snapshot_history jsonb DEFAULT '[]'::jsonb;
-- Rows of cases registered before this have history the column never saw.
UPDATE complaints SET snapshot_history = NULL;
