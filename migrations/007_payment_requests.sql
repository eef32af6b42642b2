-- Payment requests to finance (DOMAIN section 7: compensation is a one-off payment, the
-- agreement filed with finance). When the customer accepts a money remedy the case writes
-- one row here; finance's integration reads the rows it has not paid and marks them.
--
-- The idempotency key names the case and the step ('202611-0042:payment:2') and is unique:
-- a retried or re-executed request inserts nothing (ON CONFLICT DO NOTHING), so finance
-- sees one request, and pays once, however often the worker asked.
-- No personal data: finance finds the payee through the case and its signed agreement.

CREATE TABLE payment_requests (
    idempotency_key text PRIMARY KEY,            -- {case_no}:payment:{proposal}
    case_no         text NOT NULL REFERENCES complaints (case_no),
    proposal        integer NOT NULL,
    remedy_kind     text NOT NULL,
    amount          numeric(12, 2) NOT NULL CHECK (amount > 0),  -- the company's share
    insurer_covers  numeric(12, 2) NOT NULL DEFAULT 0,
    currency        char(3) NOT NULL DEFAULT 'CNY',
    agreement_ref   text NOT NULL,
    requested_by    text NOT NULL,
    requested_at    timestamptz NOT NULL,        -- the case's time of the acceptance
    received_at     timestamptz NOT NULL DEFAULT now(),
    -- Finance's side: its integration moves a request on and names its own record.
    status          text NOT NULL DEFAULT 'requested'
                    CHECK (status IN ('requested', 'paid', 'refused')),
    status_at       timestamptz,
    finance_ref     text
);

CREATE INDEX payment_requests_case_idx ON payment_requests (case_no);
CREATE INDEX payment_requests_open_idx ON payment_requests (received_at)
    WHERE status = 'requested';
