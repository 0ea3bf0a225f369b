-- Newsletter issues: a send composed in the admin (subject, intro, an
-- optional article) is a newsletter_sends row that starts as a draft, may
-- be scheduled, and is sent once. Outbox rows and unsubscribes name the
-- send they came from, for each send's report.

ALTER TABLE newsletter_sends ADD COLUMN status TEXT NOT NULL DEFAULT 'sent'
    CHECK (status IN ('draft', 'scheduled', 'sent'));
ALTER TABLE newsletter_sends ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE newsletter_sends ADD COLUMN intro TEXT NOT NULL DEFAULT '';      -- Markdown, as typed
ALTER TABLE newsletter_sends ADD COLUMN intro_html TEXT NOT NULL DEFAULT ''; -- rendered and sanitized at save
ALTER TABLE newsletter_sends ADD COLUMN lang TEXT NOT NULL DEFAULT '';       -- '' : every subscriber of the list
ALTER TABLE newsletter_sends ADD COLUMN scheduled_at INTEGER;
ALTER TABLE newsletter_sends ADD COLUMN sent_at INTEGER;
ALTER TABLE newsletter_sends ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE newsletter_sends SET sent_at = created_at, updated_at = created_at;
CREATE INDEX newsletter_sends_due ON newsletter_sends (scheduled_at) WHERE status = 'scheduled';

ALTER TABLE mail_outbox ADD COLUMN send_id INTEGER REFERENCES newsletter_sends(id) ON DELETE SET NULL;
CREATE INDEX mail_outbox_send ON mail_outbox (send_id) WHERE send_id IS NOT NULL;

ALTER TABLE newsletter_subscribers ADD COLUMN unsubscribed_send INTEGER REFERENCES newsletter_sends(id) ON DELETE SET NULL;
CREATE INDEX newsletter_subscribers_unsubscribed_send ON newsletter_subscribers (unsubscribed_send) WHERE unsubscribed_send IS NOT NULL;
