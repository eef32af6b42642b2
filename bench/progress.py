"""Progress bars on stderr (tqdm), one per phase, so a long run shows where it is."""

import sys
from typing import Protocol

from tqdm import tqdm


class Bar(Protocol):
    def update(self, n: int = 1) -> object: ...
    def __enter__(self) -> "Bar": ...
    def __exit__(self, *exc: object) -> object: ...


def bar(total: int, desc: str, enabled: bool = True) -> Bar:
    return tqdm(
        total=total,
        desc=desc,
        unit="",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
        leave=True,
    )
