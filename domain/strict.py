"""The base of every request model: an unknown field is refused (422), so nobody can
set a stage or an amount the API does not offer."""

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
