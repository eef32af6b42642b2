-- Issue 19 (000 三.3 "立即向财务部门紧急请款"): a medical advance the duty manager decided
-- on the spot reaches finance as an urgent request, before any findings or agreement.
ALTER TABLE payment_requests ADD COLUMN urgent boolean NOT NULL DEFAULT false;
CREATE INDEX payment_requests_urgent_idx ON payment_requests (received_at)
    WHERE urgent AND status = 'requested';
