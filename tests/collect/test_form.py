"""/collect/<id> without JavaScript: one page, validated on the server by the one service."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from survey_app.models import Refusal, Response
from tests.factories import logged_in

AWARENESS = {
    "age_band": "60_69", "gender": "female", "ethnicity": "miao", "household": ["lives_alone", "left_behind_elderly"],
    "heard_sw": "yes", **{f"aw{i}": "4" for i in range(1, 13)}, "contacted_sw": "no",
}


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{name}"', page).group(1)


def start(client, username="sw-pj1", path="/collect/awareness"):
    logged_in(client, username)
    page = client.get(path).get_data(as_text=True)
    return page, {name: hidden(page, name) for name in ("csrf_token", "uuid", "started_at")}


def fill(base, **overrides):
    data = {**base, "county": "430626", "site": "430626-01", "wave": "pre", "respondent_code": "pj-0007",
            "respondent_code_confirm": "PJ-0007 ", "consent": "agree", **AWARENESS}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def collector(client, programme, loaded):
    return client


def test_the_page_carries_the_hooks(collector):
    page, _ = start(collector)
    for qid in ("age_band", "household", "aw1", "contact_times", "heard_sw"):
        assert f'data-question="{qid}"' in page
        assert f'name="{qid}"' in page
    for name in ("county", "site", "wave", "respondent_code"):
        assert f'name="{name}"' in page
    for action in ("start", "next", "prev", "submit"):
        assert f'data-action="{action}"' in page
    assert 'type="checkbox"' in page and 'name="household"' in page  # multi: boxes, not a <select multiple>


def test_an_online_submission_arrives_once(collector, db):
    _, base = start(collector)
    reply = collector.post("/collect/awareness", data=fill(base))
    assert reply.status_code == 200 and 'data-status="saved"' in reply.get_data(as_text=True)
    again = collector.post("/collect/awareness", data=fill(base))  # the browser's "resubmit?"
    assert again.status_code == 200 and "data-status=\"saved\"" in again.get_data(as_text=True)
    stored = db.session.scalars(select(Response)).all()
    assert len(stored) == 1
    r = stored[0]
    assert (r.uuid, r.source, r.wave, r.respondent_code) == (base["uuid"], "web", "pre", "PJ-0007")
    assert r.answers_json["household"] == ["lives_alone", "left_behind_elderly"] and r.answers_json["aw1"] == 4
    assert r.version_id is not None and r.collector_id is not None and r.team_id is not None


def test_invalid_answers_come_back_with_messages_and_keep_what_was_typed(collector, db):
    _, base = start(collector)
    reply = collector.post("/collect/awareness", data=fill(base, age_band=None, aw3="9", respondent_code_confirm="PJ-0070",
                                                            contacted_sw="yes", contact_times="lots"))
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    for name in ("age_band", "aw3", "respondent_code_confirm", "contact_times"):
        assert re.search(rf'data-errors-for="{name}"\s*>\s*<li>', page), name
    assert 'value="lots"' in page  # what was typed is shown again, not dropped
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_declining_consent_stores_no_answers_and_counts_a_refusal(collector, db):
    _, base = start(collector)
    reply = collector.post("/collect/awareness", data=fill(base, consent="decline"))
    assert reply.status_code == 200 and 'data-status="saved"' in reply.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    refusal = db.session.scalars(select(Refusal)).one()
    assert refusal.uuid == base["uuid"] and refusal.site_id is not None and refusal.source == "web"


def test_no_consent_answer_is_an_error(collector, db):
    _, base = start(collector)
    reply = collector.post("/collect/awareness", data=fill(base, consent=None))
    assert reply.status_code == 422 and re.search(r'data-errors-for="consent"\s*>\s*<li>', reply.get_data(as_text=True))


def test_the_collectors_last_choices_are_remembered(collector):
    _, base = start(collector)
    reply = collector.post("/collect/awareness", data={**base, "county": "430626", "site": "430626-02", "wave": "post", "step": "start"})
    assert reply.status_code == 200
    page = collector.get("/collect/awareness").get_data(as_text=True)
    assert re.search(r'<option selected value="430626-02">|<option value="430626-02" selected>', page)
    assert re.search(r'checked[^>]*value="post"|value="post"[^>]*checked', page)


def test_a_collector_sees_only_their_county(collector):
    page, _ = start(collector)
    assert 'value="430626"' in page and 'value="433123"' not in page


def test_without_csrf_nothing_is_stored(collector, db):
    _, base = start(collector)
    reply = collector.post("/collect/awareness", data=fill({**base, "csrf_token": "forged"}))
    assert reply.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_a_resubmitted_form_is_a_duplicate_even_a_second_later(collector, db):
    import datetime as dt

    _, base = start(collector)
    assert collector.post("/collect/awareness", data=fill(base)).status_code == 200
    stored = db.session.scalars(select(Response)).one()
    stored.completed_at -= dt.timedelta(minutes=1)  # the resubmission comes later: another completion time
    db.session.commit()
    again = collector.post("/collect/awareness", data=fill(base))
    assert again.status_code == 200 and "已经保存过了" in again.get_data(as_text=True)
    changed = collector.post("/collect/awareness", data=fill(base, aw1="1"))  # back, an answer changed, resubmitted
    assert changed.status_code == 409
    assert re.search(r'data-errors-for="_general"|这次的修改没有保存', changed.get_data(as_text=True))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    assert db.session.scalars(select(Response)).one().answers_json["aw1"] == 4
