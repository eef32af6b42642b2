-- The audit trail is append-only (DOMAIN section 8: who, what, when, why), enforced by
-- PostgreSQL itself: UPDATE, DELETE and TRUNCATE of audit_events are refused whoever asks.
-- A correction is a new entry. Only a superuser or the table's owner could switch the
-- trigger off (ALTER TABLE ... DISABLE TRIGGER), and that is DDL, not an accident.
--
-- One narrow exception, for retention (README "Retention"): once a case's personal data is
-- anonymised (complaints.anonymised_at set), the free text of its entries (`reason`, and
-- values inside `data`) may be replaced by the marker '[anonymised]', and nothing else:
-- who, what, when, which process and every key of `data` stay as written, and no text
-- can be rewritten to anything but the marker.

ALTER TABLE complaints ADD COLUMN anonymised_at timestamptz;  -- NULL: personal data kept

CREATE FUNCTION audit_redaction_allowed(o audit_events, n audit_events) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT to_jsonb(n) - 'reason' - 'data' = to_jsonb(o) - 'reason' - 'data'
       AND n.reason IN (o.reason, '[anonymised]')
       AND NOT EXISTS (
           SELECT 1
           FROM jsonb_each(o.data) AS old_kv FULL JOIN jsonb_each(n.data) AS new_kv USING (key)
           WHERE old_kv.value IS NULL OR new_kv.value IS NULL   -- a key added or removed
              OR (new_kv.value <> old_kv.value AND new_kv.value <> '"[anonymised]"'::jsonb)
       )
       AND EXISTS (
           SELECT 1 FROM complaints c
           WHERE c.case_no = o.case_no AND c.anonymised_at IS NOT NULL
       )
$$;

CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND audit_redaction_allowed(OLD, NEW) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Record a correction as a new audit entry.';
END;
$$;

CREATE TRIGGER audit_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- Retention looks for closed cases not yet anonymised, oldest first.
CREATE INDEX complaints_retention_idx ON complaints (closed_at)
    WHERE anonymised_at IS NULL AND closed_at IS NOT NULL;
