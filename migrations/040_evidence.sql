-- Evidence files, witnesses and legal holds (issue 15, docs/evidence.md).
--
-- evidence_blobs: one row per stored object (content-addressed by the SHA-256 of the plain
-- content), so the same file uploaded twice is stored once. purged_at: retention deleted
-- the object once no evidence row still needing it was left.
CREATE TABLE evidence_blobs (
    sha256      text PRIMARY KEY,
    size        bigint NOT NULL,
    media_type  text NOT NULL,
    key_id      text NOT NULL,                -- the codec key that sealed it
    stored_at   timestamptz NOT NULL DEFAULT now(),
    purged_at   timestamptz
);

CREATE TABLE evidence (
    evidence_id   uuid PRIMARY KEY,
    case_no       text NOT NULL REFERENCES complaints (case_no),
    process       text,                       -- a sub-process it belongs to, if any
    kind          text NOT NULL,
    caption       text NOT NULL DEFAULT '',   -- personal data (free text)
    file_name     text NOT NULL DEFAULT '',   -- personal data (names often say who)
    taken_at      timestamptz,
    taken_by      text NOT NULL DEFAULT '',
    sha256        text NOT NULL REFERENCES evidence_blobs (sha256),
    size          bigint NOT NULL,
    media_type    text NOT NULL,
    uploaded_by   text NOT NULL,
    uploaded_role text NOT NULL,
    uploaded_at   timestamptz NOT NULL,
    purged_at     timestamptz                 -- retention deleted the file
);
CREATE INDEX evidence_case_idx ON evidence (case_no, uploaded_at);
CREATE INDEX evidence_sha_idx ON evidence (sha256) WHERE purged_at IS NULL;

CREATE TABLE witnesses (
    witness_id            uuid PRIMARY KEY,
    case_no               text NOT NULL REFERENCES complaints (case_no),
    name                  text NOT NULL,      -- personal data
    phone                 text NOT NULL DEFAULT '',   -- personal data
    saw                   text NOT NULL DEFAULT '',   -- personal data (free text)
    statement_evidence_id uuid REFERENCES evidence (evidence_id),
    recorded_by           text NOT NULL,
    recorded_at           timestamptz NOT NULL
);
CREATE INDEX witnesses_case_idx ON witnesses (case_no, recorded_at);

-- A legal hold keeps a case and its evidence whatever its age (DOMAIN 8, 000 八.2);
-- retention skips a case while any of its holds is not lifted.
CREATE TABLE legal_holds (
    hold_id      uuid PRIMARY KEY,
    case_no      text NOT NULL REFERENCES complaints (case_no),
    source       text NOT NULL,               -- senior_management, lawsuit, regulator, ...
    reference    text NOT NULL DEFAULT '',    -- the court's case number, the police's, ...
    reason       text NOT NULL,
    placed_by    text NOT NULL,
    placed_at    timestamptz NOT NULL,
    lifted_by    text,
    lifted_at    timestamptz,
    lift_reason  text
);
CREATE INDEX legal_holds_active_idx ON legal_holds (case_no) WHERE lifted_at IS NULL;
