-- Repeat complaints (DOMAIN section 4: 3 or more identical complaints from different
-- people within one month make grade B). Intake writes the normalised keys that make two
-- complaints identical (domain/grades.py subject_key, customer_key); older rows have no
-- subject and never count as repeats.

ALTER TABLE complaints ADD COLUMN subject_key text;     -- NULL: no subject given
ALTER TABLE complaints ADD COLUMN customer_key text;    -- personal data: cleared by retention

-- The intake-time question: same store, category and subject, received since a moment.
CREATE INDEX complaints_repeat_idx ON complaints (store, category, subject_key, received_at)
    WHERE subject_key IS NOT NULL;
