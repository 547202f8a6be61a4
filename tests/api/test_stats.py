"""GET /api/v1/stats/prepost and /stats/summary: the contract's fields, scoped by the token."""
from __future__ import annotations

import pytest

from survey_app.analysis.pairing import pair
from survey_app.analysis.stats import paired
from tests.analysis.test_queries import make_responses

FIELDS = {"n_pairs", "pre_mean", "post_mean", "mean_diff", "ci95", "t", "p_ttest", "p_wilcoxon", "cohens_dz", "n_pre_only", "n_post_only"}


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


def test_fewer_than_five_pairs_show_no_figures(client, db, programme, loaded, token_for):
    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    body = client.get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness", headers=admin).get_json()
    assert body["n_pairs"] == 0 and all(body[k] is None for k in FIELDS - {"n_pairs", "n_pre_only", "n_post_only"})


def test_summary_by_wave(client, db, programme, loaded, token_for):
    observations, _ = make_responses(db, n=150)
    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    body = client.get("/api/v1/stats/summary?questionnaire=awareness", headers=admin).get_json()
    assert sum(body["responses"].values()) == sum(1 for o in observations if not o.excluded)
    pre = [o.score for o in observations if not o.excluded and o.wave == "pre" and o.score is not None]
    row = next(r for r in body["indices"] if r["wave"] == "pre" and r["index"] == "awareness")
    assert row["n"] == len(pre) and row["mean"] == pytest.approx(sum(pre) / len(pre))
