-- How long a prompt's "Remind me later" lasts, per prompt, in days; 0: the
-- default (7).
ALTER TABLE prompts ADD COLUMN snooze_days INTEGER NOT NULL DEFAULT 0;
