-- Issue 16: POST /stop-sale-orders takes an Idempotency-Key as intake does. A retry of the
-- same request (a lost answer, a double click) gets the first order's number back instead
-- of recording the order twice and telling purchasing and every store twice. The key's
-- row takes the order's number in the transaction that claims the key, before the
-- order's workflow starts, so a retry after a crash in between starts that same order.
ALTER TABLE idempotency_keys ADD COLUMN order_no integer;
