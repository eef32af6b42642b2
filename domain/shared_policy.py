"""One copy per worker of each policy its cases pinned.

Every case carries its pinned policy in its start input, so a later policy change never
reaches it. Decoded, that policy is about 130 KiB of Python objects, and a worker holding
a thousand parked cases held a thousand equal copies of the same few versions. A case
swaps its decoded copy for the worker's shared one of the same content at start
(`workflows/complaint.py`), so a worker holds one copy per distinct pinned policy.

Keyed by the content, not by the version name: two policies that share a name but not a
rule (a test's, or a hand-edited version) never share a copy. Shared objects are read,
never changed: no workflow or rule writes into a policy (policies are replaced whole, as a
new version). The module is passed through the sandbox (worker.PASSED_THROUGH), so every
workflow run on a worker sees the same table. Pure and deterministic: the copy a case
gets is equal to the one it decoded, so what the case does cannot differ.
"""

import hashlib

from domain.policy import Policy

# Distinct policies a worker keeps. Past that the table starts afresh: a case keeps the
# copy it holds, only later starts make new ones. One dict, each step of it atomic, so
# workflow tasks on the SDK's threads need no lock.
LIMIT = 32

_copies: dict[bytes, Policy] = {}


def shared(policy: Policy) -> Policy:
    """The worker's copy of a policy equal to `policy` (`policy` itself the first time)."""
    key = hashlib.sha256(policy.model_dump_json().encode()).digest()
    copy = _copies.get(key)
    if copy is None:
        if len(_copies) >= LIMIT:
            _copies.clear()
        copy = _copies.setdefault(key, policy)
    return copy
