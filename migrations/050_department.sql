-- Issue 19 (002, 003, 004): the responsible department a case is routed to at intake
-- (policy `routing`), written by the case's snapshot; NULL for cases routed before it.
ALTER TABLE complaints ADD COLUMN department text;
CREATE INDEX complaints_department_idx ON complaints (department, received_at DESC);
