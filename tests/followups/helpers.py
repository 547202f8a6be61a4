"""A small follow-up scene on the demo programme: 平江县 (430626) with a second team, and 凤凰县."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from survey_app.auth.passwords import hash_password
from survey_app.auth.scope import Scope
from survey_app.models import County, Response, Site, Team, User
from tests.factories import PASSWORD, add_response

T0 = dt.datetime(2025, 4, 1, 2, 0, tzinfo=dt.UTC)


def respond(db, county: str, code: str | None, wave: str | None, *, team: str | None = None, site: str | None = None,
            days: int = 0, excluded: bool = False, questionnaire: str = "awareness") -> Response:
    """A response without answers by the county's, team's and site's codes, ``days`` after T0
    (tests/factories.py's add_response)."""
    return add_response(db, questionnaire, county, wave=wave, code=code, completed_at=T0 + dt.timedelta(days=days),
                        excluded=excluded, source="seed",
                        team=db.session.scalar(select(Team).where(Team.code == team)) if team else None,
                        site=db.session.scalar(select(Site).where(Site.code == site)) if site else None)


def scene(db) -> None:
    """平江县: PJ01 (the demo team: team-pj, sw-pj1) and PJ02 (a second team: sw-pjb); 凤凰县.

    PJ-0001  baseline by PJ01 at 430626-01, not followed          (to see)
    PJ-0002  baseline and follow-up by PJ01 at 430626-01          (followed)
    PJ-0003  baseline by PJ02 at 430626-02                        (the other team's)
    PJ-0004  follow-up only                                       (no baseline)
    PJ-0005  baseline by PJ01 at 430626-02, excluded               (no baseline)
    PJ-0006  baseline by PJ01, no site named                       (to see)
    FH-0001  baseline in 凤凰县                                     (another county)
    """
    pj = db.session.scalar(select(County).where(County.code == "430626"))
    other = Team(code="PJ02", name="平江县第二工作队", host_organisation="某社工机构", host_type="agency", county=pj, domains=[])
    db.session.add(other)
    db.session.flush()
    db.session.add(User(username="sw-pjb", role="collector", team=other, password_hash=hash_password(PASSWORD)))
    respond(db, "430626", "PJ-0001", "pre", team="PJ01", site="430626-01")
    respond(db, "430626", "PJ-0002", "pre", team="PJ01", site="430626-01")
    respond(db, "430626", "PJ-0002", "post", team="PJ01", site="430626-01", days=365)
    respond(db, "430626", "PJ-0003", "pre", team="PJ02", site="430626-02", days=2)
    respond(db, "430626", "PJ-0004", "post", team="PJ01", site="430626-01", days=365)
    respond(db, "430626", "PJ-0005", "pre", team="PJ01", site="430626-02", excluded=True)
    respond(db, "430626", "PJ-0006", "pre", team="PJ01", days=1)
    respond(db, "433123", "FH-0001", "pre", team="FH01", site="433123-01")
    db.session.commit()


def scope_of(db, username: str) -> Scope:
    return Scope.of(db.session.scalar(select(User).where(User.username == username)))
