"""The escape hatch (a tablet's exported queue imported by staff) and sync receipts."""
from __future__ import annotations

import io
import json
import uuid as uuidlib

from sqlalchemy import func, select

from survey_app.models import Refusal, Response
from tests.api.payloads import awareness
from tests.factories import csrf_token, login

DEVICE = "5a0d6c1e-8f3b-4c2a-9d7e-1b2c3d4e5f60"


def exported(items, fmt="sanqu-queue"):
    return json.dumps({"format": fmt, "version": 1, "device_id": DEVICE, "items": items}, ensure_ascii=False)


def queue_file(tmp_path, n=2):
    items = [{"kind": "submission", "body": awareness(respondent_code=f"PJ-IMP{i}", device_id=DEVICE), "state": "pending"} for i in range(n)]
    items.append({"kind": "refusal", "state": "pending", "body": {
        "uuid": str(uuidlib.uuid4()), "questionnaire": "awareness", "county": "430626", "declined_at": "2026-05-02T10:00:00+08:00",
        "device_id": DEVICE}})
    path = tmp_path / "sanqu-queue.json"
    path.write_text(exported(items), encoding="utf-8")
    return path


def count(db, model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_cli_import_twice_stores_once(app, db, programme, loaded, tmp_path):
    path = queue_file(tmp_path)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["import-submissions", str(path), "--as", "team-pj"])
    assert first.exit_code == 0, first.output
    assert "created 3" in first.output
    again = runner.invoke(args=["import-submissions", str(path), "--as", "team-pj"])
    assert again.exit_code == 0 and "duplicate 3" in again.output
    assert count(db, Response) == 2 and count(db, Refusal) == 1
    assert {r.source for r in db.session.scalars(select(Response))} == {"import"}


def test_cli_refuses_a_file_that_is_not_an_export(app, db, programme, loaded, tmp_path):
    bad = tmp_path / "notes.json"
    bad.write_text('{"items": []}', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-submissions", str(bad), "--as", "admin"])
    assert result.exit_code == 1 and f"{bad}: not an exported queue" in result.output
    broken = tmp_path / "broken.json"
    broken.write_bytes(b"\xff{")
    result = app.test_cli_runner().invoke(args=["import-submissions", str(broken), "--as", "admin"])
    assert result.exit_code == 1 and "not a JSON file" in result.output


def test_cli_reports_items_it_could_not_store(app, db, programme, loaded, tmp_path):
    path = tmp_path / "q.json"
    path.write_text(exported([{"kind": "submission", "body": awareness(answers={"aw1": 9})}]), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-submissions", str(path), "--as", "admin"])
    assert result.exit_code == 1 and "invalid" in result.output and "aw1" in result.output
    assert count(db, Response) == 0


def test_upload_page(client, db, programme, loaded, tmp_path):
    path = queue_file(tmp_path, n=1)
    login(client, "county-pj")
    token = csrf_token(client, "/collect/import")
    reply = client.post("/collect/import", data={"csrf_token": token, "file": (io.BytesIO(path.read_bytes()), "q.json")},
                        content_type="multipart/form-data")
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    assert 'data-import="done"' in page and page.count('data-status="created"') == 2
    assert count(db, Response) == 1
    token = csrf_token(client, "/collect/import")
    refused = client.post("/collect/import", data={"csrf_token": token, "file": (io.BytesIO(b"[1, 2]"), "x.json")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and 'data-import="refused"' in refused.get_data(as_text=True)


def test_collectors_do_not_import(client, programme, loaded):
    login(client, "sw-pj1")
    assert client.get("/collect/import").status_code == 403


def test_device_receipt_lists_what_the_server_holds(client, db, programme, loaded, token_for):
    headers = {"Authorization": f"Bearer {token_for('sw-pj1')}"}
    sent = [awareness(respondent_code=f"PJ-R{i}", device_id=DEVICE) for i in range(2)]
    for payload in sent:
        assert client.post("/api/v1/submissions", json=payload, headers=headers).status_code == 201
    client.post("/api/v1/submissions", json=awareness(respondent_code="PJ-OTHER"), headers=headers)  # another device
    reply = client.get(f"/api/v1/devices/{DEVICE}/receipt", headers=headers)
    assert reply.status_code == 200
    assert {r["uuid"] for r in reply.get_json()["received"]} == {p["uuid"] for p in sent}
    other_county = {"Authorization": f"Bearer {token_for('county-fh')}"}
    assert client.get(f"/api/v1/devices/{DEVICE}/receipt", headers=other_county).get_json()["received"] == []
    assert client.get("/api/v1/devices/not-a-uuid/receipt", headers=headers).status_code == 404
    login(client, "team-pj")
    page = client.get(f"/collect/devices/{DEVICE}").get_data(as_text=True)
    assert all(f'data-uuid="{p["uuid"]}"' in page for p in sent)
    assert "社会工作认知调查（居民）" in page  # the questionnaire by its title, not its id
    assert DEVICE in client.get("/collect/devices").get_data(as_text=True)


def test_a_collector_sees_only_the_tablets_they_hold(client, db, programme, loaded, token_for):
    """Another collector of the same team sees nothing of a tablet until it is issued to them
    too (a shared tablet); then all the team sent from it, as the tablet's own log does."""
    sent = awareness(respondent_code="PJ-R1", device_id=DEVICE)
    assert client.post("/api/v1/submissions", json=sent, headers={"Authorization": f"Bearer {token_for('sw-pj1')}"}).status_code == 201
    colleague = {"Authorization": f"Bearer {token_for('sw-pj2')}"}
    assert client.get(f"/api/v1/devices/{DEVICE}/receipt", headers=colleague).get_json()["received"] == []
    login(client, "sw-pj2")
    assert DEVICE not in client.get("/collect/devices").get_data(as_text=True)
    assert f'data-uuid="{sent["uuid"]}"' not in client.get(f"/collect/devices/{DEVICE}").get_data(as_text=True)
    assert client.post("/collect/device", json={"device_id": DEVICE}).status_code == 201  # the tablet is shared
    assert [r["uuid"] for r in client.get(f"/api/v1/devices/{DEVICE}/receipt", headers=colleague).get_json()["received"]] == [sent["uuid"]]
    assert DEVICE in client.get("/collect/devices").get_data(as_text=True)
    assert f'data-uuid="{sent["uuid"]}"' in client.get(f"/collect/devices/{DEVICE}").get_data(as_text=True)


def test_device_tokens_are_issued_at_login_and_revoked_at_logout(client, db, programme, loaded):
    from survey_app.models import ApiToken

    assert client.post("/collect/device", json={"device_id": DEVICE}).status_code == 401
    login(client, "sw-pj1")
    reply = client.post("/collect/device", json={"device_id": DEVICE})
    assert reply.status_code == 201
    secret = reply.get_json()["token"]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.post("/api/v1/submissions", json=awareness(device_id=DEVICE), headers=headers).status_code == 201
    assert client.post("/collect/device", data="x", headers={"Origin": "https://evil.example"}).status_code == 403
    token = db.session.scalar(select(ApiToken).where(ApiToken.kind == "device"))
    assert token.label == DEVICE
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.post("/api/v1/submissions", json=awareness(), headers=headers).status_code == 401


def test_a_logout_revokes_only_this_tablets_token(app, client, db, programme, loaded):
    """Issue 15: logging out on one tablet revoked every tablet's token of the collector."""
    other_tablet = app.test_client()
    login(client, "sw-pj1")
    login(other_tablet, "sw-pj1")
    mine = client.post("/collect/device", json={"device_id": DEVICE}).get_json()["token"]
    theirs = other_tablet.post("/collect/device", json={"device_id": str(uuidlib.uuid4())}).get_json()["token"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {mine}"}).status_code == 401
    assert client.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {theirs}"}).status_code == 200


def test_a_device_token_collects_but_reads_no_statistics(client, db, programme, loaded):
    """Issue 15: a county's device token kept working on the stats API after its session ended.
    Device tokens now go only to the collecting roles; a team's is refused the same way."""
    login(client, "team-pj")
    secret = client.post("/collect/device", json={"device_id": DEVICE}).get_json()["token"]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/questionnaires", headers=headers).status_code == 200
    for path in ("/api/v1/stats/summary?questionnaire=awareness",
                 "/api/v1/stats/prepost?questionnaire=awareness&index=awareness"):
        reply = client.get(path, headers=headers)
        assert reply.status_code == 403 and "device token" in reply.get_json()["message"], path
