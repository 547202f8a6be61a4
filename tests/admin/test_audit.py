"""The audit trail's page: the programme office reads it with filters; nothing in the app can
change or delete an event."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from survey_app.models import AuditEvent
from survey_app.models.audit import record
from tests.factories import login


def rows(page: str) -> list[str]:
    return re.findall(r'data-action="([a-z._]+)"><td>', page)


def test_the_office_reads_and_filters_the_trail(client, db, programme):
    login(client, "county-pj", "wrong password")
    login(client, "admin")
    record("export", actor_id=None, target="awareness <script>", format="csv")
    old = record("token.issue", target="sw-pj1")
    old.at = dt.datetime(2026, 1, 2, 20, 0, tzinfo=dt.UTC)  # 3 January in China (set before it is written)
    db.session.commit()
    everything = rows(client.get("/admin/audit").get_data(as_text=True))
    assert {"login.failure", "login.success", "export", "token.issue"} <= set(everything)
    assert set(rows(client.get("/admin/audit?action=login.").get_data(as_text=True))) == {"login.failure", "login.success"}
    assert rows(client.get("/admin/audit?action=login.failure").get_data(as_text=True)) == ["login.failure"]
    assert set(rows(client.get("/admin/audit?actor=admin").get_data(as_text=True))) == {"login.success"}
    assert rows(client.get("/admin/audit?since=2026-01-03&until=2026-01-03").get_data(as_text=True)) == ["token.issue"]
    assert rows(client.get("/admin/audit?until=2026-01-02").get_data(as_text=True)) == []
    page = client.get("/admin/audit?target=script").get_data(as_text=True)
    assert rows(page) == ["export"] and "awareness &lt;script&gt;" in page
    reply = client.get("/admin/audit?since=yesterday")
    assert reply.status_code == 422 and "日期应写成" in reply.get_data(as_text=True)


@pytest.mark.parametrize("payload", ["%", "_", "' OR '1'='1", "x' OR 1=1 --", "\\", "%' UNION SELECT username FROM users --"])
def test_filter_text_is_data_not_sql_or_a_pattern(client, db, programme, payload):
    """SQL injection and LIKE wildcards (ASVS 1.2.4): the filters are bound parameters, and a
    target filter matches its text literally, so ``%`` or ``_`` do not turn into "everything"."""
    record("export", actor_id=None, target="awareness", format="csv")
    record("export", actor_id=None, target=f"odd {payload} name", format="csv")
    db.session.commit()
    login(client, "admin")
    assert len(rows(client.get("/admin/audit?action=export").get_data(as_text=True))) == 2
    for key in ("target", "actor", "action"):
        reply = client.get("/admin/audit", query_string={key: payload})
        assert reply.status_code in (200, 422), (key, reply.status_code)
        found = rows(reply.get_data(as_text=True))
        assert found == (["export"] if key == "target" else []), (key, found)


def test_the_trail_pages_by_id(client, db, programme):
    for n in range(230):
        record("questionnaire.load", target=f"page-test {n}")
    db.session.commit()
    login(client, "admin")
    seen, url = [], "/admin/audit?action=questionnaire.load&target=page-test"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += re.findall(r"page-test (\d+)", page)
        more = re.search(r'href="([^"]+)" data-action="more"', page)
        url = more.group(1).replace("&amp;", "&") if more else ""
    assert sorted(map(int, seen)) == list(range(230)) and len(seen) == 230


def test_no_route_can_change_the_trail(app, client, db, programme):
    """Every route under /admin/audit reads only, and no endpoint writes to audit_events other
    than by adding (checked by trying every state-changing method on the page)."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/audit"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    login(client, "admin")
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/admin/audit").status_code in (400, 405)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_the_database_refuses_to_change_or_delete_an_event(db, programme):
    """Append-only below the app too: triggers refuse UPDATE and DELETE on both engines."""
    import pytest
    from sqlalchemy import delete, text, update
    from sqlalchemy.exc import DBAPIError

    record("login.success", target="admin")
    db.session.commit()
    for statement in (update(AuditEvent).values(target="someone else"), delete(AuditEvent),
                      text("UPDATE audit_events SET action = 'nothing'")):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.target == "admin")) >= 1
    record("logout", target="admin")  # adding still works
    db.session.commit()
