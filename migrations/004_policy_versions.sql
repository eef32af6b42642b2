-- Policy versions (README "Policy"): every policy the API was given, by the policy file at
-- start-up or by POST /policy. The most recently activated one is what new cases get;
-- a running case keeps the version it started with (it carries it in its workflow input).

CREATE SEQUENCE policy_activation_seq;

CREATE TABLE policy_versions (
    version         text PRIMARY KEY,
    source          text NOT NULL,            -- the file as given (YAML, or JSON)
    content_sha256  text NOT NULL,            -- of the parsed document: one version, one content
    policy          jsonb NOT NULL,           -- as validated then, holidays resolved to dates
    stored_at       timestamptz NOT NULL DEFAULT now(),
    stored_by       text NOT NULL,            -- a user id, or policy-file at start-up
    activated_at    timestamptz NOT NULL DEFAULT now(),
    activated_by    text NOT NULL,
    activation      bigint NOT NULL UNIQUE DEFAULT nextval('policy_activation_seq')
);
