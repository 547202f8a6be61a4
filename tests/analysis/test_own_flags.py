"""The flags stored with each response (``responses.straight_lined``, ``clock_ahead``, issue 17)
equal their recomputation by the plain rules of ``analysis/quality.py`` from the stored answers
and times: after random submissions through the API, exclusions and re-inclusions, a backup
restored, the migration that fills them in for responses stored before it, and the demo seed."""
from __future__ import annotations

import datetime as dt
import random
import uuid as uuidlib
from typing import Any

from sqlalchemy import select

from survey_app.analysis import quality
from survey_app.analysis.flags import flag_selects
from survey_app.extensions import db as _db
from survey_app.instruments import parsed
from survey_app.models import Answer, QuestionnaireVersion, Response
from survey_app.submissions import latest

from ..api.payloads import awareness

ITEMS = tuple(f"aw{i}" for i in range(1, 13))
CST = dt.timezone(dt.timedelta(hours=8))


def random_submission(rng: random.Random, now: dt.datetime) -> dict[str, Any]:
    """An awareness submission with some scale items left out, often all on one point, and now
    and then completed on a tablet whose clock runs ahead of the server's."""
    answered = rng.sample(ITEMS, rng.choice([3, 4, 5, 6, 12, 12]))
    point = rng.randint(1, 5)
    same = rng.random() < 0.3
    answers = {item: point if same else rng.randint(1, 5) for item in answered}
    ahead = rng.random() < 0.2
    completed = now + dt.timedelta(minutes=rng.choice([11, 90, 600])) if ahead else now - dt.timedelta(
        minutes=rng.choice([0, 5, 9, 60, 60 * 24 * 3]))
    payload = awareness(uuid=str(uuidlib.uuid4()), respondent_code=f"PJ-F{rng.randrange(10**6):06d}",
                        completed_at=completed.astimezone(CST).isoformat(),
                        started_at=(completed - dt.timedelta(minutes=12)).astimezone(CST).isoformat())
    payload["answers"] = {k: v for k, v in payload["answers"].items() if k not in ITEMS} | answers
    return payload


def recomputed(connection: Any) -> dict[int, tuple[bool, bool]]:
    """Each response's own flags by the rules, from its answer rows (its version's scale items)
    and its stored times; beside what is stored."""
    scale = {v.id: parsed(v).scale_items for v in _db.session.scalars(select(QuestionnaireVersion))}
    values: dict[int, dict[str, float]] = {}
    for rid, qid, num in connection.execute(select(Answer.response_id, Answer.question_id, Answer.value_num)):
        if num is not None:
            values.setdefault(rid, {})[qid] = num
    out = {}
    for rid, version, completed, received in connection.execute(
            select(Response.id, Response.version_id, Response.completed_at, Response.received_at)):
        own = quality.own_flags(scale[version], values.get(rid, {}), completed, received)
        out[rid] = (own["straight_lined"], own["clock_ahead"])
    return out


def stored(connection: Any) -> dict[int, tuple[bool, bool]]:
    return {rid: (bool(s), bool(c)) for rid, s, c in connection.execute(
        select(Response.id, Response.straight_lined, Response.clock_ahead))}


def assert_kept_equal_recomputed(app: Any) -> dict[int, tuple[bool, bool]]:
    with app.app_context(), _db.engine.connect() as connection:
        again, kept = recomputed(connection), stored(connection)
        assert kept == again
        # and the flags the pages read are those of the responses not excluded
        listed = set(connection.scalars(select(Response.id).where(
            Response.excluded.is_(False), Response.questionnaire_id == "awareness")))
        selects = flag_selects("awareness")
        for name, column in ((quality.STRAIGHT_LINING, 0), (quality.CLOCK, 1)):
            assert set(connection.scalars(selects[name])) == {rid for rid, f in again.items() if f[column]} & listed
        _db.session.remove()
    return kept


def submit_many(app: Any, n: int, seed: int) -> None:
    rng = random.Random(seed)
    client, headers = app.test_client(), {"Authorization": f"Bearer {app.config['TEST_TOKEN']}"}
    now = dt.datetime.now(dt.UTC)
    for _ in range(n):
        reply = client.post("/api/v1/submissions", json=random_submission(rng, now), headers=headers)
        assert reply.status_code == 201, reply.get_json()


def test_stored_flags_equal_the_rules_through_submissions_exclusions_and_a_restore(migrated, tmp_path):
    submit_many(migrated, 80, seed=3)
    kept = assert_kept_equal_recomputed(migrated)
    assert sum(s for s, _ in kept.values()) >= 5 and sum(c for _, c in kept.values()) >= 5, "the draw should flag some"
    assert sum(not s and not c for s, c in kept.values()) >= 20

    with migrated.app_context(), _db.engine.begin() as connection:
        some = sorted(kept)[::3]
        for rid in some:
            latest.set_excluded(connection, rid, "test")
        for rid in some[::2]:
            latest.set_excluded(connection, rid, None)
    assert assert_kept_equal_recomputed(migrated) == kept  # exclusion moves no flag, the lists follow it

    out = tmp_path / "flags.sanqu-backup"
    with migrated.app_context():
        assert migrated.test_cli_runner().invoke(args=["backup", "--out", str(out)]).exit_code == 0
        _db.session.remove()
    submit_many(migrated, 20, seed=4)  # after the backup: gone again with the restore
    with migrated.app_context():
        result = migrated.test_cli_runner().invoke(args=["restore", str(out), "--yes"])
        assert result.exit_code == 0, result.output
        _db.session.remove()
    assert assert_kept_equal_recomputed(migrated) == kept
    submit_many(migrated, 20, seed=5)  # and kept as responses arrive after it
    assert len(assert_kept_equal_recomputed(migrated)) == len(kept) + 20


def test_the_migration_fills_them_in_for_responses_stored_before_it(migrated):
    from flask_migrate import downgrade, upgrade

    submit_many(migrated, 60, seed=8)
    kept = assert_kept_equal_recomputed(migrated)
    with migrated.app_context():
        downgrade(revision="0013")  # the columns gone, as before issue 17
        upgrade()
        _db.session.remove()
    assert assert_kept_equal_recomputed(migrated) == kept


def test_the_demo_seed_stores_them_as_the_service_does(db, programme, loaded, app):
    from survey_app.demo.seed import seed_responses

    seed_responses(db.session, 600, seed=17)
    db.session.commit()
    kept = assert_kept_equal_recomputed(app)
    assert sum(s for s, _ in kept.values()) >= 5 and sum(c for _, c in kept.values()) >= 1
