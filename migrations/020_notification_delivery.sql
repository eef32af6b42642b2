-- Notification delivery (docs/notifications.md): the relay turns each outbox row into
-- one delivery per channel of its recipient, sends them at least once, in order per case
-- and destination, with retries and a dead letter; and everything a person is sent lands
-- in their in-app inbox.

-- The order of a case's notices: created_at can tie within one transaction.
ALTER TABLE outbox ADD COLUMN seq bigserial;
-- When the relay resolved the row's recipient into deliveries and inbox entries.
ALTER TABLE outbox ADD COLUMN expanded_at timestamptz;
-- A resend (POST .../repair/resend-notification) names its copy here; the stuck list
-- no longer shows the original's dead deliveries.
ALTER TABLE outbox ADD COLUMN resent_as text;
-- A resend goes again only where the original failed: these destinations (NULL: all).
ALTER TABLE outbox ADD COLUMN only_destinations text[];

CREATE INDEX outbox_unexpanded_idx ON outbox (seq) WHERE expanded_at IS NULL;

CREATE TABLE deliveries (
    delivery_id     bigserial PRIMARY KEY,
    notification_id text NOT NULL REFERENCES outbox (notification_id),
    case_no         text NOT NULL,
    seq             bigint NOT NULL,              -- the outbox row's: the case's order
    channel         text NOT NULL,                -- email, sms, wecom, dingtalk, feishu, webhook
    destination     text NOT NULL,                -- address, phone or the webhook's name
    language        text NOT NULL DEFAULT 'zh',
    state           text NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'retrying', 'sent', 'skipped', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    UNIQUE (notification_id, channel, destination)
);

-- What the relay picks: open deliveries due now, oldest first.
CREATE INDEX deliveries_open_idx ON deliveries (next_attempt_at)
    WHERE state IN ('queued', 'retrying');
-- The order check: an earlier open delivery of the same case to the same destination.
CREATE INDEX deliveries_case_order_idx ON deliveries (case_no, channel, destination, seq)
    WHERE state IN ('queued', 'retrying');
CREATE INDEX deliveries_notification_idx ON deliveries (notification_id);
CREATE INDEX deliveries_dead_idx ON deliveries (case_no) WHERE state = 'dead';

-- Every attempt, for the delivery state and the backoff's record.
CREATE TABLE delivery_attempts (
    delivery_id bigint NOT NULL REFERENCES deliveries (delivery_id),
    attempt     integer NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    ok          boolean NOT NULL,
    error       text,
    retry_at    timestamptz,
    PRIMARY KEY (delivery_id, attempt)
);

-- The in-app inbox: what each person was sent, read or not.
CREATE TABLE inbox (
    entry_id        bigserial PRIMARY KEY,
    user_id         text NOT NULL,
    notification_id text NOT NULL REFERENCES outbox (notification_id),
    case_no         text NOT NULL,
    subject         text NOT NULL,
    body            text NOT NULL,               -- personal data, blanked by retention
    created_at      timestamptz NOT NULL DEFAULT now(),
    read_at         timestamptz,
    UNIQUE (user_id, notification_id)
);

CREATE INDEX inbox_user_idx ON inbox (user_id, (read_at IS NULL), created_at DESC);

-- IDENTITY=jwt: the people the API has seen, from their tokens' claims (api/identity.py),
-- so the relay can reach them by address and find who holds a role at a store.
CREATE TABLE people (
    user_id  text PRIMARY KEY,
    person   jsonb NOT NULL,                     -- api.identity.Person: email, level, stores
    seen_at  timestamptz NOT NULL DEFAULT now()
);
