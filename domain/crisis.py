"""Crisis levels for incidents (DOMAIN section 4): a crisis reaches the incident team the
same day."""

from enum import StrEnum

from pydantic import BaseModel, Field, model_validator


class CrisisLevel(StrEnum):
    """C: exposed on social media or reported to a regulator; B: a product may be unsafe
    and caused property loss; A: major loss, injury or death, an authority's finding."""

    A = "A"
    B = "B"
    C = "C"


_SEVERITY = {CrisisLevel.C: 0, CrisisLevel.B: 1, CrisisLevel.A: 2}


def crisis_rank(level: CrisisLevel) -> int:
    return _SEVERITY[level]


class CrisisPolicy(BaseModel):
    notify: dict[CrisisLevel, list[str]] = Field(
        description="Contacts (roles) told at once when a crisis of that level is declared"
    )

    @model_validator(mode="after")
    def _every_level(self) -> "CrisisPolicy":
        missing = [level.value for level in CrisisLevel if not self.notify.get(level)]
        if missing:
            raise ValueError(f"no one to notify for crisis level {', '.join(missing)}")
        return self
