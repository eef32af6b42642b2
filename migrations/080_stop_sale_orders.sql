-- Stop-sale orders (docs/stop-sale-orders.md; 000 四.18, DOMAIN 6): an authority's order
-- to stop selling a product. Orders are not cases: their own register, their own
-- workflow (StopSaleOrderWorkflow, `stop-sale-<order_no>`), and their entries in the
-- audit trail and the outbox under `order_no` instead of a case number.

-- The API takes the next number before it starts the order's workflow; the workflow's
-- first activity writes the row. A number whose workflow never started is a gap, never a
-- second order.
CREATE SEQUENCE stop_sale_order_no_seq;

CREATE TABLE stop_sale_orders (
    order_no            integer PRIMARY KEY,
    workflow_id         text NOT NULL UNIQUE,
    issuer              text NOT NULL,           -- the authority, as it names itself
    issuer_kind         text NOT NULL,           -- market_regulator, court, ...
    reference           text,                    -- the order's number; oral orders may have none
    form                text NOT NULL CHECK (form IN ('oral', 'written')),
    ordered_on          date NOT NULL,
    product_sku         text,
    product_batch       text,
    product_name        text,
    sku_key             text,                    -- domain/products.py product_key
    batch_key           text,
    stores              text[] NOT NULL,         -- the stores it covers (resolved at recording)
    status              text NOT NULL,           -- in_force, lifted
    written_order_due   timestamptz,             -- an oral order's written-order deadline
    written_order_at    timestamptz,
    written_order_ref   text,
    written_order_overdue boolean NOT NULL DEFAULT false,
    recorded_by         text NOT NULL,
    recorded_at         timestamptz NOT NULL,
    lifted_at           timestamptz,
    lifted_by           text,
    record              jsonb NOT NULL,          -- the workflow's whole record of the order
    state_version       integer NOT NULL DEFAULT 0
);

CREATE INDEX stop_sale_orders_in_force_idx ON stop_sale_orders (sku_key, batch_key)
    WHERE status = 'in_force';

-- Which cases an order is linked to: at its recording (the open cases of its scope) and
-- at intake (a case about a product under an order in force).
CREATE TABLE stop_sale_order_cases (
    order_no  integer NOT NULL REFERENCES stop_sale_orders (order_no),
    case_no   text NOT NULL REFERENCES complaints (case_no),
    linked_at timestamptz NOT NULL,
    linked_by text NOT NULL,                     -- order (at recording) or intake
    PRIMARY KEY (order_no, case_no)
);

CREATE INDEX stop_sale_order_cases_case_idx ON stop_sale_order_cases (case_no);

-- The audit trail and the outbox hold an order's entries too: each row belongs to a case
-- or to an order, never both, never neither. The relay reads the order's store from the
-- outbox row (one notice per store in scope) where a case's comes from its register row.
ALTER TABLE audit_events ALTER COLUMN case_no DROP NOT NULL;
ALTER TABLE audit_events ADD COLUMN order_no integer REFERENCES stop_sale_orders (order_no);
ALTER TABLE audit_events ADD CONSTRAINT audit_events_case_or_order
    CHECK ((case_no IS NULL) <> (order_no IS NULL));
CREATE INDEX audit_events_order_idx ON audit_events (order_no, seq) WHERE order_no IS NOT NULL;

ALTER TABLE outbox ALTER COLUMN case_no DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN order_no integer REFERENCES stop_sale_orders (order_no);
ALTER TABLE outbox ADD COLUMN store text;       -- NULL: the case's store
ALTER TABLE outbox ADD CONSTRAINT outbox_case_or_order
    CHECK ((case_no IS NULL) <> (order_no IS NULL));

-- The intake's product (sku, batch, name), searchable in the register, under the same
-- key as the orders' (upper case, no white space; the API folds full-width forms).
ALTER TABLE complaints ADD COLUMN product_sku_key text
    GENERATED ALWAYS AS (upper(regexp_replace(intake -> 'product' ->> 'sku', '\s', '', 'g'))) STORED;
ALTER TABLE complaints ADD COLUMN product_batch_key text
    GENERATED ALWAYS AS (upper(regexp_replace(intake -> 'product' ->> 'batch', '\s', '', 'g'))) STORED;
CREATE INDEX complaints_product_idx ON complaints (product_sku_key, product_batch_key)
    WHERE closed_at IS NULL;
