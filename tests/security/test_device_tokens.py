"""Device tokens per tablet (issue 15): only for the roles that collect, one per tablet, a limit
per user, the collection API only, a sliding expiry with last_used_at kept, revocable one by one."""
from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import select, update

from survey_app.models import ApiToken, AuditEvent
from survey_app.models.types import utcnow

from ..factories import login


def _device(client, device_id=None):
    return client.post("/collect/device", json={"device_id": device_id or str(uuid.uuid4())})


def _api(client, secret, path="/api/v1/questionnaires"):
    return client.get(path, headers={"Authorization": f"Bearer {secret}"})


def _token(db, secret) -> ApiToken:
    from survey_app.models import hash_token

    db.session.rollback()
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))


@pytest.mark.parametrize("username,status", [("admin", 403), ("county-pj", 403), ("team-pj", 201), ("sw-pj1", 201)])
def test_only_the_collecting_roles_get_one(client, programme, username, status):
    login(client, username)
    reply = _device(client)
    assert reply.status_code == status
    if status == 403:
        assert "社工" in reply.get_json()["message"]


def test_asking_again_for_the_same_tablet_replaces_its_token(client, programme, db):
    """Issue 15: one collector minted 200 live tokens in 0.7 s."""
    login(client, "sw-pj1")
    tablet = str(uuid.uuid4())
    secrets = [_device(client, tablet).get_json()["token"] for _ in range(20)]
    db.session.rollback()
    live = db.session.scalars(select(ApiToken).where(ApiToken.kind == "device", ApiToken.revoked_at.is_(None))).all()
    assert [t.label for t in live] == [tablet]
    assert _api(client, secrets[-1]).status_code == 200
    assert _api(client, secrets[0]).status_code == 401


def test_a_user_holds_at_most_the_limit_of_live_tablets(app, client, programme, db):
    app.config["DEVICE_TOKENS_PER_USER"] = 3
    login(client, "sw-pj1")
    for _ in range(3):
        assert _device(client).status_code == 201
    refused = _device(client)
    assert refused.status_code == 409 and "平板" in refused.get_json()["message"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "device.token_refused")) is not None


def test_a_device_token_reaches_the_collection_api_only(app, client, programme, db, loaded):
    """Every API route, so that a new one cannot be forgotten: the collection API answers, any
    other refuses with 403."""
    from survey_app.api.auth import DEVICE_ENDPOINTS

    login(client, "team-pj")
    secret = _device(client).get_json()["token"]
    api_routes = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.") and r.endpoint != "api.openapi"]
    assert {r.endpoint for r in api_routes} >= DEVICE_ENDPOINTS
    for rule in api_routes:
        path = re.sub(r"<[^>]+>", lambda m: str(uuid.uuid4()) if "device" in m.group(0) else "awareness", rule.rule)
        method = "POST" if "POST" in rule.methods else "GET"
        reply = client.open(path, method=method, json={} if method == "POST" else None,
                            query_string={"questionnaire": "awareness", "index": "awareness"},
                            headers={"Authorization": f"Bearer {secret}"})
        if rule.endpoint in DEVICE_ENDPOINTS:
            assert reply.status_code not in (401, 403), (rule.endpoint, reply.status_code)
        else:
            assert reply.status_code == 403 and "device token" in reply.get_json()["message"], rule.endpoint


def test_a_token_unused_for_the_idle_limit_expires_and_use_keeps_it_alive(app, client, programme, db):
    login(client, "sw-pj1")
    secret = _device(client).get_json()["token"]
    days = app.config["DEVICE_TOKEN_IDLE_DAYS"]
    assert days == 30
    token = _token(db, secret)
    # 29 days without a sync: still good, and the use moves the expiry on
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(
        created_at=utcnow() - dt.timedelta(days=40), last_used_at=utcnow() - dt.timedelta(days=29)))
    db.session.commit()
    assert _api(client, secret).status_code == 200
    assert _token(db, secret).last_used_at > utcnow() - dt.timedelta(minutes=1)
    # 31 days: refused
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=utcnow() - dt.timedelta(days=31)))
    db.session.commit()
    assert _api(client, secret).status_code == 401


def test_last_used_is_written_at_most_once_an_hour(client, programme, db):
    login(client, "sw-pj1")
    secret = _device(client).get_json()["token"]
    assert _token(db, secret).last_used_at is None
    assert _api(client, secret).status_code == 200
    first = _token(db, secret).last_used_at
    assert first is not None
    assert _api(client, secret).status_code == 200
    assert _token(db, secret).last_used_at == first
    earlier = utcnow() - dt.timedelta(hours=2)
    db.session.execute(update(ApiToken).where(ApiToken.token_hash == _token(db, secret).token_hash).values(last_used_at=earlier))
    db.session.commit()
    assert _api(client, secret).status_code == 200
    assert _token(db, secret).last_used_at > earlier + dt.timedelta(hours=1)


def test_the_devices_page_revokes_one_tablet_and_leaves_the_others(client, programme, db):
    login(client, "sw-pj1")
    lost, kept = str(uuid.uuid4()), str(uuid.uuid4())
    lost_secret = _device(client, lost).get_json()["token"]
    kept_secret = _device(client, kept).get_json()["token"]
    page = client.get("/collect/devices").get_data(as_text=True)
    assert f'data-tablet="{lost}" data-state="live"' in page and f'data-tablet="{kept}" data-state="live"' in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post(f"/collect/devices/{lost}/revoke", data={"csrf_token": token}).status_code == 302
    assert _api(client, lost_secret).status_code == 401
    assert _api(client, kept_secret).status_code == 200
    page = client.get("/collect/devices").get_data(as_text=True)
    assert f'data-tablet="{lost}" data-state="revoked"' in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "device.revoke"))
    assert event.target == lost and event.detail["revoked"] == 1
    assert client.post("/collect/devices/revoke-all", data={"csrf_token": token}).status_code == 302
    assert _api(client, kept_secret).status_code == 401


def test_revoking_touches_only_ones_own_tablets(app, client, programme, db):
    other = app.test_client()
    login(other, "sw-pj2")
    tablet = str(uuid.uuid4())
    theirs = _device(other, tablet).get_json()["token"]
    login(client, "sw-pj1")
    page = client.get("/collect/devices").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(f"/collect/devices/{tablet}/revoke", data={"csrf_token": token})
    assert _api(other, theirs).status_code == 200


def test_logout_revokes_only_this_tablets_token(app, client, programme, db):
    other_tablet = app.test_client()
    login(other_tablet, "sw-pj1")
    kept = _device(other_tablet).get_json()["token"]
    login(client, "sw-pj1")
    gone = _device(client).get_json()["token"]
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/logout", data={"csrf_token": token})
    assert _api(client, gone).status_code == 401
    assert _api(client, kept).status_code == 200
