"""The audio studio (issue 13): dialects and recordings, upload checks, approval, carry-over
between versions, coverage, what the tablet is given, serving, and the check's information lines.
Every test runs on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import re
import shutil

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from survey_app.audio import service
from survey_app.audio.media import sniff
from survey_app.auth.scope import Scope
from survey_app.demo.studio import BEEP, seed_recordings
from survey_app.instruments import load_folder
from survey_app.models import AuditEvent, Dialect, Recording, User
from tests.conftest import ROOT
from tests.factories import csrf_token, logged_in, login

WEBM = BEEP.read_bytes()


def user(db, name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


@pytest.fixture
def fh(db, programme):
    """凤凰湘西话 for 凤凰县, made by the county bureau; no recordings."""
    d = service.create_dialect(db.session, Scope.of(user(db, "county-fh")), "fh-xx", "凤凰湘西话", "433123")
    db.session.commit()
    return d


def upload(client, key: str, data: bytes = WEBM, mime: str = "audio/webm", dialect: str = "fh-xx", qid: str = "awareness"):
    token = csrf_token(client, f"/audio/{dialect}/{qid}") if client.get(f"/audio/{dialect}/{qid}").status_code == 200 else csrf_token(client, "/")
    return client.post(f"/audio/{dialect}/{qid}/recordings", data={"key": key, "csrf_token": token,
                       "audio": (io.BytesIO(data), "prompt.webm", mime)}, content_type="multipart/form-data")


def post(client, url: str):
    return client.post(url, data={"csrf_token": csrf_token(client, "/audio/")})


def test_media_reads_webm_and_ogg():
    media = sniff(WEBM)
    assert media is not None and media.mime_type == "audio/webm" and 1300 <= media.duration_ms <= 1600
    assert sniff(b"RIFF....WAVEfmt ") is None and sniff(b"") is None and sniff(WEBM[:30]) is None
    # an Ogg Opus file: OpusHead with pre-skip 312, last page at granule 48000 + 312 (one second)
    head = b"OpusHead" + bytes([1, 1]) + (312).to_bytes(2, "little") + (48000).to_bytes(4, "little") + b"\0\0\0"
    page1 = b"OggS\0\2" + (0).to_bytes(8, "little") + b"\0" * 12 + head
    page2 = b"OggS\0\4" + (48312).to_bytes(8, "little", signed=True) + b"\0" * 12
    assert sniff(page1 + page2).mime_type == "audio/ogg" and sniff(page1 + page2).duration_ms == 1000


def test_upload_approve_and_serve(app, db, fh):
    client = app.test_client()
    login(client, "sw-fh1")  # a collector records
    reply = upload(client, "q:age_band")
    assert reply.status_code == 201, reply.get_json()
    draft = reply.get_json()
    assert draft["size"] == len(WEBM) and draft["url"].endswith(".webm")
    assert client.get(draft["url"]).status_code == 200  # listening back in the studio
    tablet_url = draft["url"].replace("/audio/recordings/", "/collect/recordings/")
    assert client.get(tablet_url).status_code == 404  # not approved: not on tablets
    # re-recording replaces the draft
    again = upload(client, "q:age_band").get_json()
    assert db.session.scalar(select(func.count()).select_from(Recording)) == 1
    # a collector may not approve
    assert post(client, f"/audio/recordings/{again['id']}/approve").status_code == 403
    staff = logged_in(app.test_client(), "team-fh")
    assert post(staff, f"/audio/recordings/{again['id']}/approve").status_code == 303
    db.session.rollback()  # the test's own snapshot (SQLite) ends: read what the requests committed
    rec = db.session.get(Recording, again["id"])
    first_sha = rec.sha256
    assert rec.status == "approved" and rec.approved_by == user(db, "team-fh").id
    url = f"/collect/recordings/{rec.id}-{rec.sha256[:16]}.webm"
    served = client.get(url)
    assert served.status_code == 200 and served.data == WEBM and served.mimetype == "audio/webm"
    assert "max-age=31536000" in served.headers["Cache-Control"] and "private" in served.headers["Cache-Control"]
    assert client.get(url.replace(".webm", ".ogg")).status_code == 404
    assert client.get(f"/collect/recordings/{rec.id}-{'0' * 16}.webm").status_code == 404
    # anyone logged in (collectors of other counties too) may fetch it; nobody logged out
    other = logged_in(app.test_client(), "sw-pj1")
    assert other.get(url).status_code == 200
    assert app.test_client().get(url).status_code == 302
    # a new take approved supersedes the old one; the trail has both approvals
    newer = upload(client, "q:age_band").get_json()
    post(staff, f"/audio/recordings/{newer['id']}/approve")
    db.session.rollback()
    rows = db.session.execute(select(Recording.id, Recording.status)).all()
    assert rows == [(newer["id"], "approved")]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "recording.approve")).all()
    assert len(events) == 2 and events[1].detail["replaced"] == first_sha
    # unapprove and delete, audited
    assert post(staff, f"/audio/recordings/{newer['id']}/unapprove").status_code == 303
    assert post(staff, f"/audio/recordings/{newer['id']}/delete").status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Recording)) == 0
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("recording.%"))))
    assert actions == {"recording.approve", "recording.unapprove", "recording.delete"}


@pytest.mark.parametrize(("key", "data", "mime", "status", "words"), [
    ("q:nope", WEBM, "audio/webm", 422, "不属于"),
    ("q:age_band", WEBM, "audio/wav", 422, "WebM 或 Ogg"),
    ("q:age_band", b"not audio at all", "audio/webm", 422, "读不出"),
    ("q:age_band", WEBM, "audio/ogg", 422, "读不出"),  # the bytes are WebM: the declared type is not trusted
    ("q:age_band", b"", "audio/webm", 422, "空"),
    ("q:age_band", WEBM + b"\0" * service.BUDGET_BYTES, "audio/webm", 413, "太大"),
])
def test_bad_uploads_are_refused_with_a_message(app, db, fh, key, data, mime, status, words):
    client = logged_in(app.test_client(), "team-fh")
    reply = upload(client, key, data, mime)
    assert reply.status_code == status and words in reply.get_json()["error"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Recording)) == 0


def test_too_long_is_refused(app, db, fh, monkeypatch):
    monkeypatch.setattr(service, "MAX_DURATION_MS", 1000)
    client = logged_in(app.test_client(), "team-fh")
    reply = upload(client, "q:age_band")
    assert reply.status_code == 422 and "太长" in reply.get_json()["error"]


def test_another_places_dialect_is_out_of_reach(app, db, fh):
    client = logged_in(app.test_client(), "team-pj")
    assert client.get("/audio/fh-xx/awareness").status_code == 404
    assert upload(client, "q:age_band").status_code == 404
    assert 'data-dialect="fh-xx"' not in client.get("/audio/").get_data(as_text=True)
    mine = logged_in(app.test_client(), "team-fh")
    made = upload(mine, "q:age_band").get_json()
    assert post(client, f"/audio/recordings/{made['id']}/approve").status_code == 404
    assert client.get(made["url"]).status_code == 404
    # the office sees and approves everything
    office = logged_in(app.test_client(), "admin")
    assert office.get("/audio/fh-xx/awareness").status_code == 200
    assert post(office, f"/audio/recordings/{made['id']}/approve").status_code == 303


def test_creating_dialects_by_role(app, db, programme):
    def create(who: str, **form):
        client = logged_in(app.test_client(), who)
        return client.post("/audio/dialects", data={"csrf_token": csrf_token(client, "/audio/"), **form})

    assert create("county-fh", code="fh-mz", name="凤凰苗语", county="433123").status_code == 302
    assert create("county-fh", code="pj-x", name="平江话", county="430626").status_code == 403
    assert create("sw-fh1", code="fh-y", name="x").status_code == 403
    reply = create("team-fh", code="Bad Code", name="x")
    assert reply.status_code == 422 and "小写字母" in reply.get_data(as_text=True)
    assert create("team-fh", code="fh-mz", name="x").status_code == 409
    assert create("team-fh", code="fh-td", name="凤凰土家语").status_code == 302
    assert create("admin", code="putonghua", name="普通话").status_code == 302
    db.session.rollback()
    made = {d.code: (d.county_id, d.team_id) for d in db.session.scalars(select(Dialect))}
    team = user(db, "team-fh").team
    assert made["fh-td"] == (team.county_id, team.id) and made["putonghua"] == (None, None)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "dialect.create")) == 3
    # a programme-wide dialect: everyone sees it, only the office records it
    client = logged_in(app.test_client(), "team-fh")
    assert client.get("/audio/putonghua/awareness").status_code == 200
    assert upload(client, "greeting", dialect="putonghua").status_code == 403


def test_one_approved_per_prompt_in_the_database(app, db, fh):
    scope = Scope.of(user(db, "admin"))
    version = service.current_version(db.session, "awareness")
    first = service.save_draft(db.session, scope, fh, version, "greeting", WEBM, "audio/webm")
    service.approve(db.session, scope, first)
    db.session.commit()
    twin = Recording(dialect_id=fh.id, version_id=version.id, prompt_key="greeting", prompt_text="x", mime_type="audio/webm",
                     data=WEBM, size=len(WEBM), duration_ms=1000, sha256="0" * 64, status="approved", approved_at=first.approved_at)
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_coverage_page_and_recordings_for(app, db, fh):
    scope = Scope.of(user(db, "county-fh"))
    version = service.current_version(db.session, "awareness")
    for key in ("greeting", "q:age_band"):
        service.approve(db.session, scope, service.save_draft(db.session, scope, fh, version, key, WEBM, "audio/webm"))
    service.save_draft(db.session, scope, fh, version, "thanks", WEBM, "audio/webm")  # a draft does not count
    db.session.commit()
    total = len(service.version_prompts(version))
    client = logged_in(app.test_client(), "sw-fh1")
    page = client.get("/audio/coverage").get_data(as_text=True)
    section = re.search(r'data-dialect="fh-xx" data-questionnaire="awareness"\s+data-approved="(\d+)" data-total="(\d+)"', page)
    assert section and section.groups() == ("2", str(total))
    page = page[section.start():page.index("</section>", section.start())]
    assert 'data-missing="thanks"' in page and 'data-missing="greeting"' not in page
    assert "/audio/fh-xx/awareness#p-q~age_band" not in page and "/audio/fh-xx/awareness#p-o~age_band~" in page
    # the tablet's view: approved only, URLs that serve
    with app.test_request_context():
        given = service.recordings_for(db.session, version.id, scope)
        elsewhere = service.recordings_for(db.session, version.id, Scope.of(user(db, "sw-pj1")))
    assert list(given["dialects"]) == ["fh-xx"] and given["dialects"]["fh-xx"]["name"] == "凤凰湘西话"
    assert set(given["dialects"]["fh-xx"]["prompts"]) == {"greeting", "q:age_band"}
    assert elsewhere == {"dialects": {}}
    assert client.get(given["dialects"]["fh-xx"]["prompts"]["greeting"]).data == WEBM
    # the form page embeds them, and the offline list names them
    form = client.get("/collect/awareness").get_data(as_text=True)
    assert '<script type="application/json" id="recordings">' in form and given["dialects"]["fh-xx"]["prompts"]["greeting"] in form
    manifest = client.get("/collect/manifest.json").get_json()
    assert sorted(manifest["recordings"]) == sorted(given["dialects"]["fh-xx"]["prompts"].values())
    assert not set(manifest["recordings"]) & set(manifest["static"] + manifest["audio"] + manifest["pages"])


def test_a_new_version_keeps_recordings_of_unchanged_prompts(app, db, fh, tmp_path):
    scope = Scope.of(user(db, "admin"))
    v1 = service.current_version(db.session, "awareness")
    question = next(p for p in service.version_prompts(v1) if p.kind == "question")
    for key in ("greeting", question.key):
        service.approve(db.session, scope, service.save_draft(db.session, scope, fh, v1, key, WEBM, "audio/webm"))
    db.session.commit()
    folder = tmp_path / "q"
    shutil.copytree(ROOT / "questionnaires", folder)
    text = (folder / "awareness.yaml").read_text()
    assert question.text.zh in text
    (folder / "awareness.yaml").write_text(text.replace(question.text.zh, question.text.zh + "（新）", 1))
    load_folder(db.session, folder)
    db.session.commit()
    v2 = service.current_version(db.session, "awareness")
    assert v2.version == 2
    have = service.approved(db.session, v2, [fh.id])[fh.id]
    assert set(have) == {"greeting"} and have["greeting"].version == 1  # carried over; the changed question is not
    # recorded again for version 2, the new one is used for v2, the old stays for v1
    service.approve(db.session, scope, service.save_draft(db.session, scope, fh, v2, "greeting", WEBM + b"", "audio/webm"))
    db.session.commit()
    assert service.approved(db.session, v2, [fh.id])[fh.id]["greeting"].version == 2
    assert service.approved(db.session, v1, [fh.id])[fh.id]["greeting"].version == 1


def test_studio_page_lists_every_prompt_in_order(app, db, fh):
    client = logged_in(app.test_client(), "sw-fh1")
    page = client.get("/audio/fh-xx/awareness").get_data(as_text=True)
    version = service.current_version(db.session, "awareness")
    keys = re.findall(r'<li id="[^"]+" class="prompt kind-\w+" data-key="([^"]+)"', page)
    assert keys == [p.key for p in service.version_prompts(version)]
    assert 'data-action="record"' in page and 'data-action="approve"' not in page
    assert "<script>" not in page and "studio.js" in page
    home = client.get("/").get_data(as_text=True)
    assert 'href="/audio/"' in home


def test_check_prints_information_per_dialect(app, db, programme):
    runner = app.test_cli_runner()
    plain = runner.invoke(args=["questionnaires", "check"])
    assert plain.exit_code == 0 and "info:" not in plain.output
    assert seed_recordings(db.session) == 9
    db.session.commit()
    result = runner.invoke(args=["questionnaires", "check"])
    assert result.exit_code == 0
    total = len(service.version_prompts(service.current_version(db.session, "awareness")))
    assert f"awareness.yaml: info: dialect fh-xx (凤凰湘西话): {total - 9} of {total} prompts without an approved recording" in result.output
    one = runner.invoke(args=["questionnaires", "check", str(ROOT / "questionnaires" / "activity.yaml")])
    assert one.exit_code == 0 and "activity.yaml: info: dialect fh-xx (凤凰湘西话): 26 of 26" in one.output


def test_check_without_a_database_is_unchanged(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'none.db'}", tmp_path)  # no tables
    result = app.test_cli_runner().invoke(args=["questionnaires", "check"])
    assert result.exit_code == 0 and "info:" not in result.output
