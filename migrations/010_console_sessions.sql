-- Issue 13: the console's sign-in sessions, kept on the server. The browser holds only a
-- random id in an HttpOnly cookie; the row holds what that id stands for.
--   id_hash     SHA-256 of the cookie's id: whoever reads this table cannot act as anyone
--   token       the bearer token the console calls the API with for this user (a demo
--               user's token, or the identity provider's access token); NULL before sign-in
--   csrf        the synchronizer token every form of the session carries
--   lang        the language the user chose (zh_Hans, en); NULL: Accept-Language decides
--   flash       a one-time message for the next page (after POST-redirect-GET)
--   oidc        the sign-in in flight with the identity provider (state, PKCE verifier)
--   last_seen   idle expiry counts from here (CONSOLE_SESSION_IDLE_MINUTES)
CREATE TABLE console_sessions (
    id_hash text PRIMARY KEY,
    token text,
    user_id text,
    user_name text NOT NULL DEFAULT '',
    csrf text NOT NULL,
    lang text,
    flash text,
    oidc jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX console_sessions_last_seen ON console_sessions (last_seen);
