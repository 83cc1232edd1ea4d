"""A change that cannot be made, said as a field and a reason the pages put in words."""
from __future__ import annotations

from typing import Any


class Refused(ValueError):
    """A change that cannot be made; `field` and `reason` let the page say why in words."""

    def __init__(self, field: str, reason: str, **details: Any):
        super().__init__(f"{field}: {reason} {details or ''}".strip())
        self.field, self.reason, self.details = field, reason, details
