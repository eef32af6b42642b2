"""Every `workflow.patched` ID, in one place: each marks a change that running cases
and the recorded histories (tests/workflows/histories) must replay across."""

# Cases and sub-processes set search attributes at every change.
SEARCH_ATTRIBUTES = "search-attributes"
# A settled deadline's timer is left to fire and be ignored instead of being cancelled.
KEEP_SETTLED_TIMERS = "keep-settled-timers"
# Sub-processes outlive the run that started them (continue-as-new), instead of being
# cancelled when it closes.
CHILDREN_OUTLIVE_RUN = "children-outlive-run"
# An accepted money remedy asks finance to pay (activities/finance.py), once per proposal.
PAYMENT_REQUESTS = "payment-requests"
