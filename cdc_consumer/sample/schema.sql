-- NexaCloud source schema: the tables the product reads (DESIGN §2), plus the two tables
-- Debezium needs on the source (signals for incremental snapshots, heartbeats).
-- Idempotent: safe to apply to a database that already has it.

CREATE TABLE IF NOT EXISTS users (
    id            uuid PRIMARY KEY,
    full_name     text        NOT NULL,
    email         text        NOT NULL,
    billing_email text,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS invoices (
    id                 uuid PRIMARY KEY,
    stripe_invoice_id  text UNIQUE,
    invoice_number     text          NOT NULL,
    user_id            uuid          NOT NULL REFERENCES users (id),
    subscription_id    uuid,
    created_at         timestamptz   NOT NULL,
    currency           text          NOT NULL,
    status             text          NOT NULL
        CHECK (status IN ('draft', 'open', 'paid', 'void', 'uncollectible')),
    subtotal           numeric(12,2) NOT NULL,
    tax                numeric(12,2) NOT NULL,
    amount_paid        numeric(12,2) NOT NULL DEFAULT 0,
    paid_at            timestamptz,
    -- A column the consumer does not use: the product tolerates extra columns.
    hosted_invoice_url text
);

CREATE TABLE IF NOT EXISTS invoice_items (
    id          uuid PRIMARY KEY,
    invoice_id  uuid          NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    description text          NOT NULL,
    quantity    integer       NOT NULL DEFAULT 1,
    unit_price  numeric(12,2),
    amount      numeric(12,2) NOT NULL,
    -- Unused by the consumer, like hosted_invoice_url.
    period_start timestamptz,
    period_end   timestamptz
);

CREATE INDEX IF NOT EXISTS invoice_items_invoice_id ON invoice_items (invoice_id);
CREATE INDEX IF NOT EXISTS invoices_user_id ON invoices (user_id);

-- Full before-images: a deleted item must still carry its invoice_id, which routes it to its
-- invoice's partition (DESIGN §3), and a deleted invoice its number for the reports.
ALTER TABLE invoices REPLICA IDENTITY FULL;
ALTER TABLE invoice_items REPLICA IDENTITY FULL;

-- Debezium's signaling table: an INSERT here asks the connector for an incremental snapshot.
CREATE TABLE IF NOT EXISTS debezium_signal (
    id   varchar(64) PRIMARY KEY,
    type varchar(32) NOT NULL,
    data varchar(2048)
);

-- Debezium's heartbeat action writes here, so the replication slot advances while the
-- captured tables are idle.
CREATE TABLE IF NOT EXISTS debezium_heartbeat (
    id      integer PRIMARY KEY,
    beat_at timestamptz NOT NULL
);
