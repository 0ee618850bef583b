"""The base of API answers that copy a domain record (a dataclass of the same field names)."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict


class RecordOut(BaseModel):
    """An answer read from the attributes of a domain record: the model lists the fields it shows (an
    allow-list), the record may hold more."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, record: object) -> Self:
        return cls.model_validate(record)
