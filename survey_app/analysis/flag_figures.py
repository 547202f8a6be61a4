"""The quality flags of a place, as the quality page and the report ask for them: calls over a
place rather than SQL conditions (``flags`` takes those), so that they can be kept as findings
snapshots (analysis/snapshots.py)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from ..place import Place
from . import flags
from .queries import GROUPS, responses_where
from .snapshots import snapshot


@snapshot
def flag_counts_in(connection: Connection, questionnaire: str, place: Place, group: str | None,
                   median: float | None) -> dict[Any, dict[str, int]]:
    """``flags.flag_counts`` of the responses of ``place``, by county, team or site (None: one group)."""
    column = GROUPS[group] if group is not None else None
    return flags.flag_counts(connection, questionnaire, responses_where(questionnaire, place), column, median=median)


@snapshot
def flagged_in(connection: Connection, questionnaire: str, place: Place, limit: int, median: float | None) -> list[dict[str, Any]]:
    """``flags.flagged_responses`` of the responses of ``place``."""
    return flags.flagged_responses(connection, questionnaire, responses_where(questionnaire, place), limit=limit, median=median)
