from __future__ import annotations

import uuid as uuidlib
from typing import Any


def awareness(**overrides: Any) -> dict[str, Any]:
    """A valid 平江县 baseline awareness submission."""
    payload: dict[str, Any] = {
        "uuid": str(uuidlib.uuid4()),
        "questionnaire": "awareness",
        "version": 1,
        "county": "430626",
        "site": "430626-01",
        "team": "PJ01",
        "wave": "pre",
        "respondent_code": "PJ-0001",
        "started_at": "2026-05-01T09:00:00+08:00",
        "completed_at": "2026-05-01T09:12:00+08:00",
        "answers": {
            "age_band": "60_69",
            "gender": "female",
            "ethnicity": "miao",
            "household": ["left_behind_elderly"],
            "heard_sw": "yes",
            **{f"aw{i}": 4 for i in range(1, 13)},
            "contacted_sw": "no",
        },
    }
    answers = overrides.pop("answers", None)
    if answers is not None:
        payload["answers"].update(answers)
    payload.update(overrides)
    return payload
