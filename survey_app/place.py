"""Which responses a figure covers: a value that the place check (``auth.places``) makes and
every aggregation (``analysis/``), finding and export reads.  It sits below both so that neither
imports the other for it."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Place:
    """Which responses an analysis covers: None means no restriction.  Excluded responses never
    count; with ``leave_out_flagged`` responses with a data-quality flag (see
    ``analysis.flags``) are left out too.  ``wave`` narrows descriptive figures; pairing
    reads both waves whatever it says."""

    county_id: int | None = None
    team_id: int | None = None
    site_id: int | None = None
    round_id: int | None = None
    wave: str | None = None
    leave_out_flagged: bool = False

    def but(self, **changes: Any) -> Place:
        return replace(self, **changes)
