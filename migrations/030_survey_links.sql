-- The customer's satisfaction survey links (docs/customer-messages.md). A link's token is
-- its id, expiry and an HMAC signature (infra/survey_links.py); the token itself is never
-- stored, so this table leaks no working link. used_at makes a link work once.
CREATE TABLE survey_links (
    link_id     text PRIMARY KEY,             -- from the workflow: a retried issue adds nothing
    case_no     text NOT NULL REFERENCES complaints (case_no),
    purpose     text NOT NULL CHECK (purpose IN ('follow_up', 'revisit')),
    language    text NOT NULL,                -- the customer's, for the page
    issued_at   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE INDEX survey_links_case_idx ON survey_links (case_no);
