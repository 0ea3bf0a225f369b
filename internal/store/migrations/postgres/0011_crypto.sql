-- Crypto through BTCPay Server, reconciliation and provider health.

-- A checkout ends paid, expired or invalid (an invoice that timed out, or
-- whose payment did not confirm in time). A renewal checkout pays one
-- period of a recurring crypto gift: the subscription and the period's start.
ALTER TABLE checkouts ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE checkouts ADD COLUMN subscription_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE checkouts ADD COLUMN period_due BIGINT NOT NULL DEFAULT 0;
CREATE INDEX checkouts_period ON checkouts (provider, subscription_ref, period_due);

-- One reminder per recurring gift and period, on every node: the row is
-- inserted in the same transaction as the mail.
CREATE TABLE renewal_notices (
    provider         TEXT NOT NULL,
    subscription_ref TEXT NOT NULL,
    due_at           BIGINT NOT NULL,
    sent_at          BIGINT NOT NULL,
    PRIMARY KEY (provider, subscription_ref, due_at)
);

-- What each provider's API and webhooks did last, as any node saw them.
CREATE TABLE provider_status (
    provider          TEXT PRIMARY KEY,
    healthy           INTEGER NOT NULL DEFAULT 1,
    problem           TEXT NOT NULL DEFAULT '',
    checked_at        BIGINT NOT NULL DEFAULT 0,
    last_ok_at        BIGINT NOT NULL DEFAULT 0,
    last_webhook_at   BIGINT NOT NULL DEFAULT 0,
    last_reconcile_at BIGINT NOT NULL DEFAULT 0
);
