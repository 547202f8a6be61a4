"""GET /api/v1/followups: the contract's shape, each reader's reach (collectors included: their
team), followed and marked statuses, and a 4xx with a message for every odd argument."""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from survey_app.analysis.queries import Place
from survey_app.followups import marks
from survey_app.followups.worklist import worklist
from survey_app.models import Response, Round
from tests.followups.helpers import respond, scene, scope_of

KEYS = {"respondent_code", "county", "site", "pre_completed_at", "followed", "status"}


@pytest.fixture
def people(db, programme, loaded):
    scene(db)
    return db


def get(client, token, query):
    return client.get(f"/api/v1/followups?{query}", headers={"Authorization": f"Bearer {token}"})


def codes(reply):
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return [item["respondent_code"] for item in reply.get_json()["items"]]


def test_the_contracts_shape(client, people, token_for):
    reply = get(client, token_for("team-pj"), "questionnaire=awareness")
    body = reply.get_json()
    assert reply.status_code == 200 and set(body) == {"items"}
    items = {item["respondent_code"]: item for item in body["items"]}
    assert all(set(item) == KEYS for item in items.values())
    assert items["PJ-0001"] == {"respondent_code": "PJ-0001", "county": "430626", "site": "430626-01",
                                "pre_completed_at": "2025-04-01T10:00:00+08:00", "followed": False, "status": "to_see"}
    assert items["PJ-0002"]["followed"] is True and items["PJ-0002"]["status"] == "followed"
    assert items["PJ-0006"]["site"] is None
    assert list(items) == ["PJ-0001", "PJ-0002", "PJ-0006"]  # by site code, no site last; then code


def test_each_reader_sees_their_reach(client, people, token_for):
    assert codes(get(client, token_for("sw-pj1"), "questionnaire=awareness")) == ["PJ-0001", "PJ-0002", "PJ-0006"]
    assert codes(get(client, token_for("sw-pjb"), "questionnaire=awareness")) == ["PJ-0003"]
    assert codes(get(client, token_for("county-pj"), "questionnaire=awareness")) == ["PJ-0001", "PJ-0002", "PJ-0003", "PJ-0006"]
    assert codes(get(client, token_for("admin"), "questionnaire=awareness")) == ["PJ-0001", "PJ-0002", "PJ-0003", "FH-0001", "PJ-0006"]
    assert codes(get(client, token_for("admin"), "questionnaire=awareness&county=433123")) == ["FH-0001"]
    assert codes(get(client, token_for("county-pj"), "questionnaire=awareness&site=430626-02")) == ["PJ-0003"]
    assert codes(get(client, token_for("county-pj"), "questionnaire=awareness&team=PJ02")) == ["PJ-0003"]
    # naming one's own place changes nothing; another county, or the other team, is refused
    assert codes(get(client, token_for("sw-pj1"), "questionnaire=awareness&county=430626&team=PJ01")) == ["PJ-0001", "PJ-0002", "PJ-0006"]
    for username, query in (("sw-pj1", "county=433123"), ("sw-pj1", "team=PJ02"), ("team-pj", "site=433123-01"),
                            ("county-pj", "county=433123"), ("county-pj", "team=FH01")):
        reply = get(client, token_for(username), f"questionnaire=awareness&{query}")
        assert reply.status_code == 403, (username, query)
        assert reply.get_json()["errors"]
    assert get(client, "not-a-token", "questionnaire=awareness").status_code == 401
    assert client.get("/api/v1/followups?questionnaire=awareness").status_code == 401


def test_marks_are_reflected(client, people, token_for):
    db = people
    marks.mark(db.session, scope_of(db, "sw-pj1"), "awareness", "430626", "PJ-0001", "deceased", "2026年1月病故")
    marks.mark(db.session, scope_of(db, "sw-pj1"), "awareness", "430626", "PJ-0006", "not_found", "三次上门未见到")
    db.session.commit()
    items = {i["respondent_code"]: i for i in get(client, token_for("sw-pj1"), "questionnaire=awareness").get_json()["items"]}
    assert {code: (i["followed"], i["status"]) for code, i in items.items()} == {
        "PJ-0001": (False, "deceased"), "PJ-0002": (True, "followed"), "PJ-0006": (False, "not_found")}
    # a follow-up that arrives after all wins over the mark
    respond(db, "430626", "PJ-0006", "post", team="PJ01", days=380)
    db.session.commit()
    items = {i["respondent_code"]: i for i in get(client, token_for("sw-pj1"), "questionnaire=awareness").get_json()["items"]}
    assert (items["PJ-0006"]["followed"], items["PJ-0006"]["status"]) == (True, "followed")


def test_a_round_narrows_by_the_baselines_round(client, people, token_for):
    db = people
    first, second = db.session.scalars(select(Round).order_by(Round.year)).all()
    respond(db, "430626", "PJ-0007", "pre", team="PJ01", site="430626-01", days=500)
    db.session.commit()
    for response in db.session.scalars(select(Response).where(Response.respondent_code.is_not(None))):
        response.round_id = second.id if response.respondent_code == "PJ-0007" else first.id
    db.session.commit()
    token = token_for("admin")
    assert codes(get(client, token, f"questionnaire=awareness&county=430626&round={second.year}")) == ["PJ-0007"]
    assert "PJ-0007" not in codes(get(client, token, f"questionnaire=awareness&county=430626&round={first.year}"))


def test_the_api_is_the_worklist(client, people, token_for):
    db = people
    pj = scope_of(db, "county-pj")
    expected = [i.as_json() for i in worklist(db.session.connection(), "awareness", Place(county_id=pj.county_id))]
    assert get(client, token_for("county-pj"), "questionnaire=awareness").get_json() == {"items": expected}


ODD = ["", " ", "0", "-1", "1e3", "2026.0", "٢٠٢٦", str(10**30), "x" * 5000, "\x00", "%00", "<script>", "4306\n26", "'; DROP TABLE x"]


def test_odd_arguments_get_a_4xx_with_a_message(client, people, token_for):
    from urllib.parse import quote

    token = token_for("admin")
    for field, value in itertools.product(["questionnaire", "county", "team", "site", "round"], ODD):
        query = "questionnaire=awareness" if field != "questionnaire" else ""
        reply = get(client, token, f"{query}&{field}={quote(value)}")
        assert reply.status_code < 500, (field, value)
        if reply.status_code != 200:
            assert reply.status_code in (403, 422), (field, value, reply.status_code)
            assert field in reply.get_json()["errors"], (field, value, reply.get_json())
        else:  # only an empty (or blank) filter is no filter
            assert field != "questionnaire" and not value.strip(), (field, value)


def test_questionnaires_without_waves_or_unknown(client, people, token_for):
    token = token_for("sw-pj1")
    for query in ("", "questionnaire=", "questionnaire=nope", "questionnaire=activity"):
        reply = get(client, token, query)
        assert reply.status_code == 422 and "questionnaire" in reply.get_json()["errors"], query
    assert get(client, token, "questionnaire=satisfaction").get_json() == {"items": []}  # waves optional: none here
    for query in ("county=999999", "team=NOPE", "site=430626-99", "round=1999", "round=x"):
        reply = get(client, token, f"questionnaire=awareness&{query}")
        assert reply.status_code == 422, query
