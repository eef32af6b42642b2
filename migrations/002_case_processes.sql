-- Sub-processes with outside parties (insurance, police, mediation), each a child
-- workflow of its case. Their audit entries go to audit_events, marked with the process.

CREATE TABLE case_processes (
    workflow_id    text PRIMARY KEY,           -- complaint-YYYYMM-NNNN-<kind>
    case_no        text NOT NULL REFERENCES complaints (case_no),
    kind           text NOT NULL,
    stage          text NOT NULL,
    waiting_on     text NOT NULL,
    waiting_on_who text NOT NULL DEFAULT '',
    is_open        boolean NOT NULL,
    outcome        text,
    record         jsonb NOT NULL,             -- report, documents, opinion, certificate, sessions ...
    started_at     timestamptz NOT NULL,
    ended_at       timestamptz,
    state_version  integer NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX case_processes_case_idx ON case_processes (case_no);
CREATE INDEX case_processes_open_idx ON case_processes (kind, waiting_on) WHERE is_open;

ALTER TABLE audit_events ADD COLUMN process text;   -- NULL: the case itself

-- A mediated settlement carries the company's non-admission clause (DOMAIN section 6).
ALTER TABLE agreements ADD COLUMN terms text;
