"""Submissions and readers shared by the export tests."""
from __future__ import annotations

import csv
import io
import uuid as uuidlib
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

BOM = b"\xef\xbb\xbf"
PLACES = {"PJ01": ("430626", "430626-01"), "FH01": ("433123", "433123-01")}


def satisfaction(team: str = "PJ01", comments: str | None = "很好", **answers: Any) -> dict[str, Any]:
    """A valid satisfaction response of a team's county."""
    county, site = PLACES[team]
    values: dict[str, Any] = {"domains": ["elderly", "rural"], **{f"sat{i}": 4 for i in range(1, 10)}, "recommend": "yes"}
    if comments is not None:
        values["comments"] = comments
    values.update(answers)
    return {
        "uuid": str(uuidlib.uuid4()), "questionnaire": "satisfaction", "version": 1, "county": county, "site": site,
        "team": team, "started_at": "2026-05-01T09:00:00+08:00", "completed_at": "2026-05-01T09:12:00+08:00", "answers": values,
    }


def submit(client: Any, token: str, payload: dict[str, Any]) -> None:
    reply = client.post("/api/v1/submissions", json=payload, headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 201, reply.get_json()


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(BOM)
    return list(csv.DictReader(io.StringIO(data[len(BOM):].decode("utf-8"), newline="")))


def read_xlsx(path_or_bytes: Path | bytes) -> Any:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    return load_workbook(source, read_only=False)


def sheet_dicts(workbook: Any, name: str) -> list[dict[str, Any]]:
    """A sheet's rows as dicts of openpyxl cells (value and data type) by header."""
    rows = list(workbook[name].iter_rows())
    header = [c.value for c in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


#: the fields of a response's row as ``rows.records`` reads it, in its SELECT's order (the index
#: scores follow, last)
RECORD_FIELDS = (
    "id", "uuid", "version", "county", "site", "team", "wave", "round", "respondent_code", "username",
    "started_at", "completed_at", "received_at", "source", "excluded", "excluded_reason",
    "county_name", "site_name", "team_name", "answers_json",
)


def record(scores: tuple[float | None, ...] = (), **fields: Any) -> Any:
    """A response's row as ``rows.records`` gives it, for the pure tests of the sheets."""
    import datetime as dt
    from collections import namedtuple

    when = dt.datetime(2026, 5, 1, 1, 12, tzinfo=dt.UTC)  # 09:12 in China
    defaults: dict[str, Any] = {
        "id": 1, "uuid": "u-1", "version": 1, "county": "430626", "site": "430626-01", "team": "PJ01", "wave": "pre",
        "round": 2025, "respondent_code": "PJ-0001", "username": "sw-pj1", "started_at": when, "completed_at": when,
        "received_at": when, "source": "api", "excluded": False, "excluded_reason": None, "county_name": "平江县",
        "site_name": "三市镇 · 石坪村", "team_name": "平江县三区社工服务队", "answers_json": {},
    }
    unknown = set(fields) - set(defaults)
    assert not unknown, unknown
    row = namedtuple("Row", (*RECORD_FIELDS, *(f"score_{n}" for n in range(len(scores)))))  # type: ignore[misc]
    values = {**defaults, **fields}
    return row(*(values[name] for name in RECORD_FIELDS), *scores)
