"""The base of API answers that copy a domain record (a dataclass of the same field names)."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class RecordOut(BaseModel):
    """An answer read from the attributes of a domain record: the model lists the fields it shows (an
    allow-list), the record may hold more."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, record: object, **overrides: Any) -> Self:
        """The answer for ``record``; ``overrides`` give the fields whose form differs from the record's."""
        if not overrides:
            return cls.model_validate(record)
        fields = {name: getattr(record, name) for name in cls.model_fields if name not in overrides}
        return cls.model_validate(fields | overrides)
