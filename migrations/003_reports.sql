-- The monthly report and weekly summary (DOMAIN section 9), and the follow-up tasks of
-- the monthly 20% re-visit sample. Written by the report workflow's activities.

CREATE TABLE reports (
    kind          text NOT NULL CHECK (kind IN ('monthly', 'weekly')),
    period        text NOT NULL,              -- 2026-11 or 2026-W48
    starts_at     timestamptz NOT NULL,       -- period bounds in the policy calendar's zone
    ends_at       timestamptz NOT NULL,       -- exclusive
    generated_at  timestamptz NOT NULL,
    complete      boolean NOT NULL,           -- false: produced while the period was running
    body          jsonb NOT NULL,             -- the whole report, as GET /reports returns it
    workflow_id   text NOT NULL,              -- the run that produced it (Web UI)
    PRIMARY KEY (kind, period)                -- a re-run replaces the period's report
);

-- One row per sampled case: the sample of a month is drawn once; a re-run finds it here.
CREATE TABLE follow_up_tasks (
    task_id      text PRIMARY KEY,            -- revisit-<period>-<case_no>
    period       text NOT NULL,               -- the month whose closed cases were sampled
    case_no      text NOT NULL REFERENCES complaints (case_no),
    kind         text NOT NULL DEFAULT 'revisit',
    assigned_to  text NOT NULL,               -- customer_service
    sample_rank  integer NOT NULL,            -- position in the period's hash order
    population   integer NOT NULL,            -- closed cases of the period it was drawn from
    created_at   timestamptz NOT NULL DEFAULT now(),
    done_at      timestamptz,
    UNIQUE (period, case_no)
);

CREATE INDEX follow_up_tasks_open_idx ON follow_up_tasks (assigned_to, created_at)
    WHERE done_at IS NULL;
-- Closed cases of a period (the re-visit population).
CREATE INDEX complaints_closed_at_idx ON complaints (closed_at) WHERE closed_at IS NOT NULL;
-- Cases of a period (every figure's population).
CREATE INDEX complaints_received_at_idx ON complaints (received_at);
