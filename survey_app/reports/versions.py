"""What a report shows, as one version string, and the report's cache key: the same report of
the same data in the same format is the same job (reports/jobs.py), built once."""
from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import BigInteger, String, case, cast, func, literal_column, select, true
from sqlalchemy.engine import Connection

from ..config import ROOT
from ..models import County, Questionnaire, QuestionnaireVersion, Refusal, Response, Round, Site, Team
from ..questionnaires.check import TARGETS_FILE
from .request import ReportRequest

#: bump when the report's template, wording or layout changes: every stored report is then stale
REPORT_FORMAT = "3"

_HERE = Path(__file__).resolve().parent


def data_version(connection: Connection, targets: Path | None = None) -> str:
    """A fingerprint of everything a report shows, from one query (one pass over each table):
    responses added (count, largest id) or excluded and re-included (a checksum of the excluded
    ids, so that one flip out and another in still changes it), refusals, questionnaire versions
    loaded and which are current, the names of places and rounds, and the targets file."""
    def big(x: Any) -> Any:
        return cast(x, BigInteger)

    def checksum(ids: Any) -> Any:  # a sum of scrambled ids: sets with equal sums collide only by chance
        return func.sum(big(ids) * literal_column("2654435761") % literal_column("4294967291"))

    def flag(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    def rounded(table: Any) -> Any:  # which round each row is in: changes when rounds' dates do (rounds.assign_all)
        return checksum(table.id * (func.coalesce(table.round_id, 0) + 1))

    def day_sum(column: Any) -> Any:  # dates as numbers (20250301), the same on both engines
        return func.sum(big(func.replace(cast(column, String), "-", "")))

    def length(*columns: Any) -> Any:
        return func.sum(sum((func.length(c) for c in columns[1:]), func.length(columns[0])))

    R, F, V, Q = Response.__table__.c, Refusal.__table__.c, QuestionnaireVersion.__table__.c, Questionnaire.__table__.c
    C, T, S, N = County.__table__.c, Team.__table__.c, Site.__table__.c, Round.__table__.c
    current = Questionnaire.__table__.join(
        QuestionnaireVersion.__table__, (V.questionnaire_id == Q.id) & (V.version == Q.current_version))
    parts = [
        select(func.count(), func.max(R.id), flag(R.excluded.is_(True)),
               checksum(case((R.excluded.is_(True), R.id), else_=None)), rounded(R)).select_from(Response.__table__),
        select(func.count(), func.max(F.id), rounded(F)).select_from(Refusal.__table__),
        select(func.count(), func.max(V.id)).select_from(QuestionnaireVersion.__table__),
        select(checksum(V.id)).select_from(current),
        select(func.count(), func.max(C.id), length(C.name), flag(C.active.is_(True))).select_from(County.__table__),
        select(func.count(), func.max(T.id), length(T.name, T.host_organisation), flag(T.active.is_(True))).select_from(Team.__table__),
        select(func.count(), func.max(S.id), length(S.name, S.township), flag(S.active.is_(True))).select_from(Site.__table__),
        select(func.count(), func.max(N.id), length(N.name), day_sum(N.starts_on), day_sum(N.ends_on)).select_from(Round.__table__),
    ]
    subqueries = [p.subquery(f"v{i}") for i, p in enumerate(parts)]
    joined: Any = subqueries[0]
    for sub in subqueries[1:]:
        joined = joined.join(sub, true())  # an explicit join: each part is one row
    row = connection.execute(select(*(c for sub in subqueries for c in sub.c)).select_from(joined)).one()
    text = "|".join("" if v is None else str(int(v)) for v in row)
    if targets is not None and targets.is_file():
        text += "|targets:" + hashlib.sha256(targets.read_bytes()).hexdigest()
    return hashlib.sha256(text.encode()).hexdigest()


def cache_key(request: ReportRequest, version: str) -> str:
    """The job's name: the same report of the same data in the same format (PDF, Word, or what
    an all-counties ZIP holds) has the same key."""
    parts = [request.text, request.round_year, request.format, version, REPORT_FORMAT, _format_files()]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@functools.cache
def _format_files() -> str:
    """A hash of the report's code, the findings and charts it prints, its templates and
    stylesheet as deployed: a new version of them makes new reports even if nobody bumped
    REPORT_FORMAT (changes elsewhere still need the bump)."""
    digest = hashlib.sha256()
    app = _HERE.parent
    files = [*_HERE.glob("*.py"), *(app / "findings").glob("*.py"), *(app / "analysis" / "charts").glob("*.py"),
             *(ROOT / "templates" / "reports").glob("*.html"), app / "static" / "css" / "report.css"]
    for path in sorted(files):
        if path.is_file():
            digest.update(f"{path.parent.name}/{path.name}".encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def targets_file(app: Flask) -> Path:
    return Path(app.config["QUESTIONNAIRE_DIR"]) / TARGETS_FILE
