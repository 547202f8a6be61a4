"""GET /api/v1/stats/prepost and /stats/summary: the contract's fields, scoped by the token."""
from __future__ import annotations

import pytest

from survey_app.analysis.pairing import pair
from survey_app.analysis.stats import paired
from tests.factories import make_responses

FIELDS = {"n_pairs", "pre_mean", "post_mean", "mean_diff", "ci95", "t", "p_ttest", "p_wilcoxon", "cohens_dz", "n_pre_only", "n_post_only",
          "verdict", "attrition"}


def expected(observations, county_id=None):
    result = pair(o for o in observations if county_id in (None, o.county_id))
    complete = [(p.score, q.score) for p, q in result.pairs if p.score is not None and q.score is not None]
    return paired([a for a, _ in complete], [b for _, b in complete]), result


def test_prepost_for_the_programme_and_a_county(client, db, programme, loaded, token_for):
    observations, counties = make_responses(db)
    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    reply = client.get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness", headers=admin)
    assert reply.status_code == 200
    body = reply.get_json()
    assert set(body) == FIELDS
    want, result = expected(observations)
    assert body["n_pairs"] == want.n_pairs and body["n_pre_only"] == result.pre_only
    assert body["mean_diff"] == pytest.approx(want.mean_diff) and body["ci95"] == pytest.approx(list(want.ci95))
    assert body["p_wilcoxon"] == pytest.approx(want.p_wilcoxon) and body["cohens_dz"] == pytest.approx(want.cohens_dz)
    county = counties[0]
    one = client.get(f"/api/v1/stats/prepost?questionnaire=awareness&index=awareness&county={county.code}", headers=admin).get_json()
    assert one["n_pairs"] == expected(observations, county.id)[0].n_pairs


def test_scope_and_bad_requests(client, db, programme, loaded, token_for):
    make_responses(db)
    pj = {"Authorization": f"Bearer {token_for('county-pj')}"}
    own = client.get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness", headers=pj).get_json()
    explicit = client.get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness&county=430626", headers=pj).get_json()
    assert own == explicit  # a county user sees their county, asked or not
    assert client.get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness&county=433123", headers=pj).status_code == 403
    assert client.get("/api/v1/stats/prepost?questionnaire=awareness&index=nope", headers=pj).status_code == 422
    assert client.get("/api/v1/stats/prepost?questionnaire=nope&index=awareness", headers=pj).status_code == 422
    assert client.get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness&county=999999", headers=pj).status_code == 422
    assert client.get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness").status_code == 401


def test_a_repeated_parameter_is_judged_and_used_as_one_value(client, db, programme, loaded, token_for):
    """HTTP parameter pollution (ASVS 15.3.7): the scope check and the query read the same (first)
    value, so a second county never widens what is read."""
    make_responses(db)
    pj = {"Authorization": f"Bearer {token_for('county-pj')}"}
    base = "/api/v1/stats/prepost?questionnaire=awareness&index=awareness"
    own = client.get(f"{base}&county=430626", headers=pj)
    assert client.get(f"{base}&county=430626&county=433123", headers=pj).get_json() == own.get_json()
    assert client.get(f"{base}&county=433123&county=430626", headers=pj).status_code == 403
    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    assert (client.get(f"{base}&county=430626&county=433123", headers=admin).get_json()
            == client.get(f"{base}&county=430626", headers=admin).get_json())


def test_fewer_than_five_pairs_show_no_figures(client, db, programme, loaded, token_for):
    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    body = client.get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness", headers=admin).get_json()
    assert body["n_pairs"] == 0 and all(body[k] is None for k in FIELDS - {"n_pairs", "n_pre_only", "n_post_only", "verdict", "attrition"})
    assert body["verdict"] == "too_few"
    assert body["attrition"] == {"n_pre": 0, "n_followed": 0, "share_followed": None, "pre_mean_followed": None,
                                 "pre_mean_lost": None, "p_baseline": None}


def test_summary_by_wave(client, db, programme, loaded, token_for):
    observations, _ = make_responses(db, n=150)
    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    body = client.get("/api/v1/stats/summary?questionnaire=awareness", headers=admin).get_json()
    assert sum(body["responses"].values()) == sum(1 for o in observations if not o.excluded)
    pre = [o.score for o in observations if not o.excluded and o.wave == "pre" and o.score is not None]
    row = next(r for r in body["indices"] if r["wave"] == "pre" and r["index"] == "awareness")
    assert row["n"] == len(pre) and row["mean"] == pytest.approx(sum(pre) / len(pre))


def _latest_by_wave(observations):
    """Each coded respondent's latest kept response of each wave (the pairing rule, by hand)."""
    latest = {}
    for o in observations:
        if o.excluded or not o.respondent_code or o.wave not in ("pre", "post"):
            continue
        waves = latest.setdefault((o.county_id, o.respondent_code), {})
        if o.wave not in waves or (o.completed_at, o.response_id) > (waves[o.wave].completed_at, waves[o.wave].response_id):
            waves[o.wave] = o
    return latest


def test_prepost_examines_attrition_like_the_pairing_rule(client, db, programme, loaded, token_for):
    from survey_app.analysis.stats import baseline_comparison

    observations, _ = make_responses(db, n=600, seed=11)
    latest = _latest_by_wave(observations).values()
    followed = [w["pre"] for w in latest if "pre" in w and "post" in w]
    lost = [w["pre"] for w in latest if "pre" in w and "post" not in w]
    want = baseline_comparison([o.score for o in followed if o.score is not None], [o.score for o in lost if o.score is not None])
    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    body = client.get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness", headers=admin).get_json()
    got = body["attrition"]
    assert got["n_pre"] == len(followed) + len(lost) and got["n_followed"] == len(followed)
    assert got["share_followed"] == pytest.approx(len(followed) / (len(followed) + len(lost)))
    assert got["pre_mean_followed"] == pytest.approx(want.followed_mean) and got["pre_mean_lost"] == pytest.approx(want.lost_mean)
    assert got["p_baseline"] == pytest.approx(want.p_welch)
    assert body["verdict"] in {"up_clear", "up_slight", "no_change", "down"}  # scores at random: some verdict, not too_few


def test_rounds_sites_and_refusals_in_the_api(client, db, programme, loaded, token_for):
    """Calendar-year rounds: a baseline in 2025, its follow-up in January 2026 (the 2025 round),
    refusals in both; the API counts each where the rule puts it."""
    import datetime as dt
    import uuid as uuidlib

    from sqlalchemy import delete

    from survey_app.models import Round
    from tests.api.payloads import awareness

    db.session.execute(delete(Round))
    db.session.add_all([Round(year=2025, name="2025年度", starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31)),
                        Round(year=2026, name="2026年度", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31))])
    db.session.commit()
    collector = {"Authorization": f"Bearer {token_for('sw-pj1')}"}
    for n in range(6):  # six pairs in 430626-01, one more in 430626-02
        site = "430626-01" if n < 5 else "430626-02"
        for wave, when in (("pre", "2025-04-02T10:00:00+08:00"), ("post", "2026-01-12T10:00:00+08:00")):
            payload = awareness(wave=wave, site=site, respondent_code=f"PJ-{n:04d}", completed_at=when, started_at=None,
                                answers={"aw1": 2 + (wave == "post") + n % 2})
            assert client.post("/api/v1/submissions", json=payload, headers=collector).status_code == 201
    for wave, when in (("pre", "2025-04-02T11:00:00+08:00"), ("post", "2026-01-12T11:00:00+08:00"), ("pre", "2026-03-01T09:00:00+08:00")):
        body = {"uuid": str(uuidlib.uuid4()), "questionnaire": "awareness", "county": "430626", "site": "430626-01",
                "wave": wave, "declined_at": when}
        assert client.post("/api/v1/refusals", json=body, headers=collector).status_code == 201
    admin = {"Authorization": f"Bearer {token_for('admin')}"}

    def get(path):
        reply = client.get(path, headers=admin)
        assert reply.status_code == 200, reply.get_data(as_text=True)
        return reply.get_json()

    assert get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness&round=2025")["n_pairs"] == 6
    assert get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness&round=2026")["n_pairs"] == 0
    assert get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness&site=430626-01")["n_pairs"] == 5
    assert get("/api/v1/stats/summary?questionnaire=awareness")["refusals"] == 3
    # the follow-up refusal has no respondent: it falls by its day, in 2026 like the new round's baseline refusal
    assert get("/api/v1/stats/summary?questionnaire=awareness&round=2025")["refusals"] == 1
    assert get("/api/v1/stats/summary?questionnaire=awareness&round=2026")["refusals"] == 2
    assert get("/api/v1/stats/summary?questionnaire=awareness&round=2025")["responses"] == {"pre": 6, "post": 6}
    assert get("/api/v1/stats/summary?questionnaire=awareness&site=430626-02")["refusals"] == 0
    for bad in ("round=1999", "round=abc", "round=99999999999999999999", "round=%C2%B2", "round=%D9%A2%D9%A0%D9%A2%D9%A5",
                "site=nowhere"):
        assert client.get(f"/api/v1/stats/summary?questionnaire=awareness&{bad}", headers=admin).status_code == 422
