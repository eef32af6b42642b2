-- The case register (a read model of the workflows), case numbers, the audit trail,
-- the notification outbox and signed agreements.

CREATE TABLE case_counters (
    month       char(6) PRIMARY KEY,          -- YYYYMM
    last_serial integer NOT NULL
);

CREATE TABLE complaints (
    case_no            text PRIMARY KEY,      -- YYYYMM-NNNN
    workflow_id        text NOT NULL UNIQUE,
    idempotency_key    text UNIQUE,
    received_at        timestamptz NOT NULL,
    registered_by      text NOT NULL,
    channel            text NOT NULL,
    store              text NOT NULL,
    category           text NOT NULL,
    description        text NOT NULL,
    requested_remedy   text NOT NULL,
    claimed_amount     numeric(12, 2) NOT NULL,
    people_affected    integer NOT NULL,
    customer_name      text NOT NULL,         -- personal data (DOMAIN section 8)
    customer_contact   text NOT NULL,         -- personal data
    intake             jsonb NOT NULL,        -- the whole intake as registered
    policy_version     text NOT NULL,
    grade              char(1) NOT NULL,
    stage              text NOT NULL,
    escalation_level   text NOT NULL DEFAULT 'handler',
    handler            text,
    waiting_on         text NOT NULL,
    waiting_on_who     text NOT NULL DEFAULT '',
    next_deadline      text,
    next_deadline_at   timestamptz,
    overdue            boolean NOT NULL DEFAULT false,
    reopen_count       integer NOT NULL DEFAULT 0,
    closed_at          timestamptz,
    state_version      integer NOT NULL DEFAULT 0,  -- last workflow change applied
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX complaints_stage_idx ON complaints (stage);
CREATE INDEX complaints_store_idx ON complaints (store, received_at);
CREATE INDEX complaints_next_deadline_idx ON complaints (next_deadline_at) WHERE closed_at IS NULL;

CREATE TABLE audit_events (
    seq         bigserial PRIMARY KEY,
    event_id    text NOT NULL UNIQUE,         -- deterministic id from the workflow: retries write once
    case_no     text NOT NULL REFERENCES complaints (case_no),
    at          timestamptz NOT NULL,
    actor_id    text NOT NULL,
    actor_role  text NOT NULL,
    action      text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    data        jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_events_case_idx ON audit_events (case_no, seq);

CREATE TABLE outbox (
    notification_id text PRIMARY KEY,
    case_no         text NOT NULL REFERENCES complaints (case_no),
    recipient       text NOT NULL,
    subject         text NOT NULL,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);

CREATE INDEX outbox_unsent_idx ON outbox (created_at) WHERE sent_at IS NULL;

-- One original, kept by the company and filed with finance (DOMAIN section 7).
CREATE TABLE agreements (
    agreement_ref text PRIMARY KEY,
    case_no       text NOT NULL REFERENCES complaints (case_no),
    remedy_kind   text NOT NULL,
    amount        numeric(12, 2) NOT NULL,
    recorded_by   text NOT NULL,
    recorded_at   timestamptz NOT NULL
);
