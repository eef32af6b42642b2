-- Issue 12: what the register filters on, idempotency keys that remember their request,
-- and the repair of store names typed before intake used the policy's names.

-- What a case itself waits on (domain/lifecycle.py CaseWait: its stage's wait, paused
-- clocks, a delay decision, an escalation's acknowledgement), as the workflow last wrote
-- it; what its open sub-processes wait on is in their case_processes rows. Rows written
-- before the workflow sent it start with the stage's wait; the case's next change writes
-- the rest.
ALTER TABLE complaints ADD COLUMN waits text[] NOT NULL DEFAULT '{}';
UPDATE complaints SET waits = ARRAY[waiting_on];
CREATE INDEX complaints_waits_idx ON complaints USING gin (waits);
CREATE INDEX complaints_handler_idx ON complaints (handler);

-- An Idempotency-Key belongs to the user who sent it, and to the one request it first
-- came with (the IETF Idempotency-Key draft, Stripe): the same request again gets the first
-- answer, another request under the key is refused (422 IdempotencyKeyReused). Written
-- before the request takes effect (intake: in its transaction; commands: before the update
-- is sent), so a retry after a crash still compares against the first request.
CREATE TABLE idempotency_keys (
    user_id       text NOT NULL,
    key           text NOT NULL,
    request_hash  text,                    -- sha256 of method, path, user and body; NULL: not known
    case_no       text REFERENCES complaints (case_no),  -- the case an intake opened
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);

-- Intake keys used so far were global; each now belongs to whoever registered its case.
-- Their request is not known: the first retry under such a key sets it (infra/idempotency.py).
INSERT INTO idempotency_keys (user_id, key, case_no, created_at)
SELECT registered_by, idempotency_key, case_no, received_at
FROM complaints WHERE idempotency_key IS NOT NULL
ON CONFLICT DO NOTHING;
-- Two users may use the same key now: the register keeps it for the record only.
ALTER TABLE complaints DROP CONSTRAINT complaints_idempotency_key_key;

-- Store names typed at intake before it used the policy's names (issue 12 item 1) are put
-- right at the worker's start (infra/store_repair.py: the list of stores is policy, not
-- schema). Each corrected case is listed here until its workflow was told, so a crash
-- between the two leaves the signal to send, not a case forgotten.
CREATE TABLE store_corrections (
    case_no       text PRIMARY KEY REFERENCES complaints (case_no),
    typed         text NOT NULL,
    store         text NOT NULL,
    corrected_at  timestamptz NOT NULL DEFAULT now(),
    signalled_at  timestamptz               -- NULL: the workflow still has the typed name
);
CREATE INDEX store_corrections_pending_idx ON store_corrections (corrected_at)
    WHERE signalled_at IS NULL;
