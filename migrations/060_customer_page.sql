-- The customer's own page (docs/customer-page.md).
--
-- A tracking link: its id is 32 random bytes (base64url), its token the id and an HMAC
-- signature (infra/tracking_links.py); the token itself is never stored. One link per
-- case, made when the page registers it; revoked_at stops it at once (the desk's call).
CREATE TABLE tracking_links (
    link_id     text PRIMARY KEY,
    case_no     text NOT NULL UNIQUE REFERENCES complaints (case_no),
    language    text NOT NULL,                -- the customer's, for the page
    issued_at   timestamptz NOT NULL,
    revoked_at  timestamptz
);

-- Rate limits of the public page: a sliding log of hits in Postgres, so that every API
-- process counts the same hits (a per-process bucket would let N processes take N times
-- the limit). `key` is a hash of what is limited (a client address, a contact, a store),
-- never the address or contact itself. A key's hits older than its window are deleted as
-- it is counted again; the retention job's daily run is not needed for them.
CREATE TABLE rate_hits (
    key  text NOT NULL,
    at   timestamptz NOT NULL
);
CREATE INDEX rate_hits_key_at_idx ON rate_hits (key, at);

-- The customer's consent to the processing of their personal data (PIPL art. 14), given
-- on the page: the notice's text as shown, in its language, under the policy's version.
-- Anonymisation (infra/retention) keeps the row: it holds no personal data.
CREATE TABLE privacy_consents (
    case_no         text PRIMARY KEY REFERENCES complaints (case_no),
    policy_version  text NOT NULL,
    language        text NOT NULL,
    notice          text NOT NULL,
    given_at        timestamptz NOT NULL
);
