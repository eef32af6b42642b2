"""Reads and validates the policy file; a bad file stops start-up with the field named."""

from pathlib import Path

import yaml
from pydantic import ValidationError

from domain.policy import Policy


class PolicyFileError(ValueError):
    pass


def load_policy(path: Path) -> Policy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise PolicyFileError(f"{path}: cannot read policy: {err}") from err
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in err.errors()
        )
        raise PolicyFileError(f"{path}: invalid policy: {problems}") from err
    if policy.processes is None:
        raise PolicyFileError(f"{path}: invalid policy: processes: Field required")
    return policy
