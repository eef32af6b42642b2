"""Public pages: what a customer opens without signing in (the satisfaction survey)."""
