"""Incidents on the premises that call for the police (DOMAIN section 6)."""

from enum import StrEnum


class Incident(StrEnum):
    SERIOUS_INJURY = "serious_injury"
    FIGHT = "fight"
    ROBBERY = "robbery"
    THEFT = "theft"
    HIT_AND_RUN = "hit_and_run"
    SHOPLIFTER_REFUSES = "shoplifter_refuses"
