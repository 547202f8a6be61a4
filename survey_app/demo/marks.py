"""Demo follow-up marks: some baseline respondents who were not interviewed again are marked as
moved, deceased or not found, with the kind of reason a social worker writes, so that the
worklist and its progress show all their states.  Called by the demo seed after the responses."""
from __future__ import annotations

import datetime as dt
import random
from typing import cast

from sqlalchemy import Table, insert, select

from ..auth.permissions import OFFICE_ROLE, TEAM_ROLES
from ..database import DBSession
from ..followups.worklist import wave_rule, worklist
from ..models import County, FollowupMark, Questionnaire, Team, User
from ..place import Place

#: the share of respondents with a baseline and no follow-up that get a mark
SHARE = 0.15
#: what the social workers found, by status (weights: most were away working)
REASONS = {
    "moved": ["外出务工，已搬到长沙", "随子女搬到县城居住", "全家外出务工，家中无人", "已搬到镇上居住"],
    "deceased": ["2026年1月因病去世", "2025年去世，家属告知", "因病去世，村委会告知"],
    "not_found": ["三次上门未见到", "电话无人接听，邻居说不常回来", "上门两次都不在家"],
}
WEIGHTS = {"moved": 0.55, "deceased": 0.15, "not_found": 0.30}


def seed_marks(session: DBSession, rng: random.Random) -> int:
    """Mark about 15 % of the baseline respondents who have no follow-up (and no mark yet), by a
    collector of their county's team, a few weeks into the follow-up after their baseline.
    The same rng state marks the same people the same way.  Returns the number marked."""
    connection = session.connection()
    markers = _markers(session)
    rows = []
    statuses = list(WEIGHTS)
    county_ids = dict(session.execute(select(County.code, County.id)).all())
    for questionnaire in session.scalars(select(Questionnaire.id).order_by(Questionnaire.id)).all():
        if wave_rule(session, questionnaire) in (None, "none"):
            continue
        waiting = [item for item in worklist(connection, questionnaire, Place()) if item.status == "to_see"]
        # sorted the same way whatever the database: the rng must meet them in one order
        waiting.sort(key=lambda item: (item.county, item.respondent_code))
        for item in rng.sample(waiting, round(len(waiting) * SHARE)):
            county_id = county_ids[item.county]
            marker = markers.get(county_id) or markers.get(None)
            if marker is None:
                continue  # no user at all: nobody to have marked it
            status = rng.choices(statuses, weights=[WEIGHTS[s] for s in statuses])[0]
            rows.append({
                "questionnaire_id": questionnaire, "county_id": county_id, "respondent_code": item.respondent_code,
                "status": status, "reason": rng.choice(REASONS[status]), "marked_by": marker,
                "marked_at": item.pre_completed_at + dt.timedelta(days=365 + rng.randrange(60), hours=rng.randrange(8)),
            })
    if rows:
        session.execute(insert(cast(Table, FollowupMark.__table__)), rows)
    return len(rows)


def _markers(session: DBSession) -> dict[int | None, int]:
    """Who marks in each county: the first collector of its first team, else its team account;
    None: the programme office, for a county without a team."""
    out: dict[int | None, int] = {}
    rows = session.execute(
        select(Team.county_id, User.id, User.role)
        .join(User, User.team_id == Team.id)
        .where(User.role.in_(TEAM_ROLES))
        .order_by(Team.county_id, Team.code, User.role, User.username)  # "collector" sorts before "team"
    )
    for county_id, user_id, _role in rows:
        out.setdefault(county_id, user_id)
    admin = session.scalar(select(User.id).where(User.role == OFFICE_ROLE).order_by(User.id))
    if admin is not None:
        out[None] = admin
    return out
