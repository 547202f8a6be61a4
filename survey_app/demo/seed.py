"""Seeding the demo programme and writing generated responses in bulk (``generate.py`` makes
them).  They are written below the ORM (``bulk.py``: COPY on PostgreSQL), not through the API:
a province's ten years, a million responses, must take minutes (issue 17).
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import cast

from sqlalchemy import Table, func, select, text

from .. import rounds
from ..auth.passwords import hash_password
from ..database import DBSession
from ..instruments import current_versions
from ..models import Answer, County, IndexScore, Refusal, Response, Round, Site, Team, User
from ..submissions import counts, latest
from .bulk import BulkWriter
from .generate import SELECTIVE_ATTRITION_COUNTY, Generated, Generator, places_of
from .marks import seed_marks
from .places import COUNTIES, DEMO_PASSWORD, TEAMS

__all__ = ["ROUNDS", "SELECTIVE_ATTRITION_COUNTY", "login_lines", "seed_programme", "seed_responses"]

ROUNDS = [
    (2025, "第一期（2025年度）", dt.date(2025, 3, 1), dt.date(2026, 6, 30)),
    (2026, "第二期（2026年度）", dt.date(2026, 7, 1), dt.date(2027, 6, 30)),
]
def seed_programme(session: DBSession) -> bool:
    """Create rounds, counties, sites, teams and users once; False if they were there."""
    if session.scalar(select(func.count()).select_from(County)):
        return False
    for year, name, start, end in ROUNDS:
        session.add(Round(year=year, name=name, starts_on=start, ends_on=end))
    password = hash_password(DEMO_PASSWORD)
    users = [User(username="admin", role="admin", password_hash=password)]
    for (code, name, prefecture, short, townships), (tname, host, htype, domains) in zip(COUNTIES, TEAMS, strict=True):
        county = County(code=code, name=name, prefecture=prefecture)
        session.add(county)
        n = 0
        for township, villages in townships:
            for village in villages:
                n += 1
                kind = "community" if village.endswith("社区") else "village"
                session.add(Site(code=f"{code}-{n:02d}", county=county, township=township, name=village, kind=kind))
        team = Team(code=f"{short}01", name=tname, host_organisation=host, host_type=htype, county=county, domains=domains)
        session.add(team)
        lower = short.lower()
        users.append(User(username=f"county-{lower}", role="county", county=county, password_hash=password))
        users.append(User(username=f"team-{lower}", role="team", team=team, password_hash=password))
        users.append(User(username=f"sw-{lower}1", role="collector", team=team, password_hash=password))
        users.append(User(username=f"sw-{lower}2", role="collector", team=team, password_hash=password))
    session.add_all(users)
    session.flush()
    return True


def login_lines() -> list[str]:
    return [
        f"demo logins (password for all: {DEMO_PASSWORD}):",
        "  admin       programme office (省项目办): everything",
        "  county-pj   平江县 civil-affairs bureau (county-fh: 凤凰县, county-hy: 花垣县, ...)",
        "  team-pj     平江县 service team",
        "  sw-pj1      平江县 social worker (collector)",
    ]


def seed_responses(session: DBSession, n: int, seed: int = 2026, batch: int = 5000) -> int:
    """Generate ``n`` responses across the loaded questionnaires; returns how many were written."""
    first_id = (session.scalar(select(func.max(Response.id))) or 0) + 1
    # A second run with the same seed must not repeat uuids or respondent codes.
    rng = random.Random(f"{seed}:{first_id}")
    versions = {q.id: v for q, v in current_versions(session)}
    places = places_of(session)
    if not places or "awareness" not in versions:
        raise RuntimeError("seed the programme and load the questionnaires first")
    generator = Generator(rng, places, versions, first_person=first_id)
    writer = BulkWriter(session.connection())
    written = 0
    for chunk in _chunks(generator.responses(n), batch):
        _write(writer, chunk, first_id + written)
        written += len(chunk)
    if generator.refusals:
        session.execute(cast(Table, Refusal.__table__).insert(), generator.refusals)
    if session.get_bind().dialect.name == "postgresql":
        # statistics of what was just written, in this transaction: planned for empty tables, the
        # statements below took minutes at 100,000 responses instead of seconds
        session.execute(text("ANALYZE responses, answers, index_scores, refusals"))
    # The bulk inserts bypassed the submission service: its respondent rows and rounds, here.
    latest.refresh(session, since_id=first_id)
    rounds.assign_since(session.connection(), first_id)
    counts.add_since(session, first_id)  # after the rounds: they are part of the counters' key
    seed_marks(session, rng)  # some of those lost: moved, deceased, not found
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('responses', 'id'), (SELECT max(id) FROM responses))"))
    return written


def _chunks(items: Iterator[Generated], size: int) -> Iterator[list[Generated]]:
    chunk: list[Generated] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_RESPONSES, _ANSWERS, _SCORES = (cast(Table, m.__table__) for m in (Response, Answer, IndexScore))
_RESPONSE_COLUMNS = ("id", *Generated.RESPONSE_COLUMNS)


def _write(writer: BulkWriter, chunk: list[Generated], first_id: int) -> None:
    ids = range(first_id, first_id + len(chunk))
    writer.write(_RESPONSES, _RESPONSE_COLUMNS, ((rid, *item.row) for rid, item in zip(ids, chunk, strict=True)))
    writer.write(_ANSWERS, ("response_id", "question_id", "position", "value_text", "value_num"),
                 ((rid, *a) for rid, item in zip(ids, chunk, strict=True) for a in item.answer_rows))
    writer.write(_SCORES, ("response_id", "index_id", "score"),
                 ((rid, *s) for rid, item in zip(ids, chunk, strict=True) for s in item.score_rows))
