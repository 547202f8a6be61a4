"""Pre/post pairing as shared/DESIGN.md defines it: same questionnaire (one call is one
questionnaire), same county, same respondent code, one `pre` and one `post`, the latest of each
by `completed_at`; excluded responses do not count."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Observation:
    response_id: int
    county_id: int
    respondent_code: str | None
    wave: str | None
    completed_at: dt.datetime
    score: float | None = None
    excluded: bool = False


@dataclass
class Pairing:
    pairs: list[tuple[Observation, Observation]] = field(default_factory=list)
    #: respondents seen only at baseline / only at follow-up (attrition and newcomers)
    pre_only: int = 0
    post_only: int = 0


def pair(observations: Iterable[Observation]) -> Pairing:
    latest: dict[tuple[int, str], dict[str, Observation]] = {}
    for obs in observations:
        if obs.excluded or not obs.respondent_code or obs.wave not in ("pre", "post"):
            continue
        waves = latest.setdefault((obs.county_id, obs.respondent_code), {})
        kept = waves.get(obs.wave)
        # The latest by completion; the larger id breaks a tie, so the result never depends on order.
        if kept is None or (obs.completed_at, obs.response_id) > (kept.completed_at, kept.response_id):
            waves[obs.wave] = obs
    result = Pairing()
    for key in sorted(latest):
        waves = latest[key]
        if "pre" in waves and "post" in waves:
            result.pairs.append((waves["pre"], waves["post"]))
        elif "pre" in waves:
            result.pre_only += 1
        else:
            result.post_only += 1
    return result
