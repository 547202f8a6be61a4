"""Every route, for every role, inside and outside its reach (OWASP ASVS V8, authorisation).

The routes come from the app's URL map, so a route added without a line in ``POLICY`` (or a
method of it the walk never asks) fails this test until someone decides who may use it.  For each route and role the test asks as that
role would (a logged-in browser session for pages, a bearer token for the API) and checks:
allowed roles get an answer that is not 401/403/404 inside their reach; other roles get 403
(or 404); an allowed role asking outside its reach (another county's response, another
county's filter) gets 403 or 404; nobody logged in gets sent to the login page (pages) or 401
(API), except on the few public routes.  POSTs carry a valid CSRF token and an empty form, so
an allowed role meets the form's own checks (a 4xx with messages) and nothing is changed.
"""
from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from survey_app.models import County, Response, Team, User
from tests.factories import logged_in, seed_demo

ROLES = {"admin": "admin", "county": "county-pj", "team": "team-pj", "collector": "sw-pj1"}
STAFF = {"admin", "county", "team"}
EVERYONE = set(ROLES)
DENIED = {403, 404}


@dataclass
class Ctx:
    """Ids the URLs need: inside the PJ user's reach, and outside it (凤凰县)."""

    pj_response: int
    fh_response: int
    pj_user: int
    pj_device: str
    fh_device: str
    fh_uuid: str
    #: the audio studio: 平江县's and 凤凰县's dialects, an approved recording and a draft of each
    pj_approved: str = ""
    pj_draft: str = ""
    fh_approved: str = ""
    fh_draft: str = ""
    #: an XLSForm draft waiting for the office (admin/drafts.py)
    draft: int = 0


@dataclass
class Access:
    allowed: set[str]
    #: the URL inside the reach of every allowed role (a function of the ids)
    url: Callable[[Ctx], str]
    method: str = "GET"
    #: a URL outside the PJ users' reach, for the allowed roles that are not the office
    outside: Callable[[Ctx], str] | None = None
    #: "login" (pages: redirect to the login page), "api" (401), "public" (served to anyone)
    anonymous: str = "login"
    api: bool = False
    #: outside the reach the route may answer 200 if it shows nothing from outside (a device
    #: receipt lists only the reader's responses: a foreign device looks like an unused one)
    outside_hides: bool = False
    #: the body is JSON (the tablet's own calls), not a form
    json: bool = False
    notes: str = ""
    #: the route's other methods, asked the same way (a form page's POST: an empty form, so the
    #: allowed roles meet its own checks and nothing changes)
    also: tuple[str, ...] = ()
    #: what an allowed role's empty POST of ``also`` gets from the form's own checks when that is
    #: a 404 (an export of no questionnaire: none is found), not a refusal
    empty_post: int | None = None

    @property
    def methods(self) -> tuple[str, ...]:
        return (self.method, *self.also)


def fixed(url: str) -> Callable[[Ctx], str]:
    return lambda ctx: url


POLICY: dict[str, Access] = {
    "static": Access(EVERYONE, fixed("/static/css/app.css"), anonymous="public"),
    "main.home": Access(EVERYONE, fixed("/")),
    "main.healthz": Access(EVERYONE, fixed("/healthz"), anonymous="public"),
    "main.readyz": Access(EVERYONE, fixed("/readyz"), anonymous="public"),
    "auth.login": Access(EVERYONE, fixed("/login"), anonymous="public", also=("POST",)),
    "auth.set_language": Access(EVERYONE, fixed("/lang/zh"), anonymous="public"),
    "auth.logout": Access(EVERYONE, fixed("/logout"), method="POST"),
    # the second factor's page: only a login waiting for its code sees it; anyone else is sent
    # back to the login (tests/security/test_second_factor.py)
    "auth.second_factor": Access(EVERYONE, fixed("/login/code"), also=("POST",)),
    # one's own account: password, second factor, recovery codes
    "account.index": Access(EVERYONE, fixed("/account")),
    "account.password": Access(EVERYONE, fixed("/account/password"), also=("POST",)),
    "account.second_factor": Access(EVERYONE, fixed("/account/second-factor"), also=("POST",)),
    "account.recovery_codes": Access(EVERYONE, fixed("/account/recovery-codes"), method="POST"),
    # sent without the password: 422, the session stays (tests/security/test_sessions.py)
    "account.end_sessions": Access(EVERYONE, fixed("/account/sessions/end"), method="POST"),
    # collection: every role may collect (the office and bureaux test the forms too)
    "collect.index": Access(EVERYONE, fixed("/collect/")),
    "collect.form": Access(EVERYONE, fixed("/collect/awareness"), also=("POST",)),
    "collect.next_respondent": Access(EVERYONE, fixed("/collect/awareness/next")),
    # the questionnaires' recorded questions, public (the service worker caches them for offline
    # use); none ship, so this only checks that no role gets more than a 404
    "collect.audio": Access(set(), fixed("/collect/audio/nonexistent.mp3"), anonymous="public"),
    # the tablet asks for its device token (JSON): 401 without a session
    "collect.device": Access(EVERYONE, fixed("/collect/device"), method="POST", anonymous="api", json=True),
    "collect.manifest": Access(EVERYONE, fixed("/collect/manifest.json")),
    # the web app manifest (names, colours, icons): public, as browsers fetch it without cookies
    "collect.app_manifest": Access(EVERYONE, fixed("/collect/app.webmanifest"), anonymous="public"),
    "collect.service_worker": Access(EVERYONE, fixed("/collect/sw.js"), anonymous="public"),
    "collect.receipt": Access(EVERYONE, fixed("/collect/receipt")),
    "collect.devices": Access(EVERYONE, fixed("/collect/devices")),
    "collect.device_detail": Access(EVERYONE, lambda c: f"/collect/devices/{c.pj_device}",
                                    outside=lambda c: f"/collect/devices/{c.fh_device}", outside_hides=True),
    # one's own tablets' sync tokens (tests/security/test_device_tokens.py)
    "collect.revoke_device": Access(EVERYONE, lambda c: f"/collect/devices/{c.pj_device}/revoke", method="POST"),
    "collect.revoke_all_devices": Access(EVERYONE, fixed("/collect/devices/revoke-all"), method="POST"),
    "collect.import_queue": Access(STAFF, fixed("/collect/import"), also=("POST",)),
    # dashboards and reports: staff; a place outside the reader's reach is refused
    **{f"dashboard.{page}": Access(STAFF, fixed(f"/dashboard/{page}"), outside=fixed(f"/dashboard/{page}?county=433123"))
       for page in ("overview", "awareness", "items", "satisfaction", "activity", "quality")},
    # the plotly.js library itself: public code, no data
    "dashboard.plotly_js": Access(EVERYONE, fixed("/dashboard/plotly.min.js"), anonymous="public"),
    "reports.index": Access(STAFF, fixed("/reports/"), also=("POST",)),
    "reports.job": Access(set(), fixed("/reports/jobs/" + "0" * 64), notes="no such job: 404 for all; tests/reports cover a real one"),
    "reports.job_status": Access(set(), fixed("/reports/jobs/" + "0" * 64 + ".json")),
    "reports.download": Access(set(), fixed("/reports/jobs/" + "0" * 64 + ".pdf")),
    # exports: staff, each within its reach (naming another county in the form: tests/exports)
    "exports.index": Access(STAFF, fixed("/exports/"), also=("POST",), empty_post=404),
    "exports.codebook_file": Access(STAFF, fixed("/exports/awareness/codebook.csv")),
    "exports.job": Access(set(), fixed("/exports/jobs/" + "0" * 32), notes="no such job: 404 for all; tests/exports/test_jobs.py covers a real one, its owner's alone"),
    "exports.job_status": Access(set(), fixed("/exports/jobs/" + "0" * 32 + ".json")),
    "exports.job_file": Access(set(), fixed("/exports/jobs/" + "0" * 32 + "/file")),
    # administration
    "admin.responses": Access(STAFF, fixed("/admin/responses"), outside=fixed("/admin/responses?county=433123")),
    "admin.response_detail": Access(STAFF, lambda c: f"/admin/responses/{c.pj_response}",
                                    outside=lambda c: f"/admin/responses/{c.fh_response}"),
    "admin.exclusion": Access({"admin", "county"}, lambda c: f"/admin/responses/{c.pj_response}/exclusion", method="POST",
                              outside=lambda c: f"/admin/responses/{c.fh_response}/exclusion"),
    "admin.audit": Access({"admin"}, fixed("/admin/audit")),
    "admin.users": Access({"admin"}, fixed("/admin/users")),
    "admin.new_user": Access({"admin"}, fixed("/admin/users/new"), also=("POST",)),
    "admin.user_detail": Access({"admin"}, lambda c: f"/admin/users/{c.pj_user}"),
    "admin.user_active": Access({"admin"}, lambda c: f"/admin/users/{c.pj_user}/active", method="POST"),
    "admin.user_password": Access({"admin"}, lambda c: f"/admin/users/{c.pj_user}/password", method="POST"),
    "admin.user_unlock": Access({"admin"}, lambda c: f"/admin/users/{c.pj_user}/unlock", method="POST"),
    "admin.user_mfa_reset": Access({"admin"}, lambda c: f"/admin/users/{c.pj_user}/second-factor/reset", method="POST"),
    "admin.user_placement": Access({"admin"}, lambda c: f"/admin/users/{c.pj_user}/placement", method="POST"),
    "admin.places": Access({"admin"}, fixed("/admin/places")),
    "admin.new_place": Access({"admin"}, fixed("/admin/places/site/new"), also=("POST",)),
    "admin.place": Access({"admin"}, fixed("/admin/places/county/430626"), also=("POST",)),
    "admin.place_active": Access({"admin"}, fixed("/admin/places/county/430626/active"), method="POST"),
    "admin.rounds_page": Access({"admin"}, fixed("/admin/rounds"), also=("POST",)),
    "admin.round_page": Access({"admin"}, fixed("/admin/rounds/2025"), also=("POST",)),
    "admin.questionnaires": Access({"admin"}, fixed("/admin/questionnaires")),
    "admin.questionnaire": Access({"admin"}, fixed("/admin/questionnaires/awareness")),
    "admin.questionnaire_teams": Access({"admin"}, fixed("/admin/questionnaires/awareness/teams"), method="POST"),
    "admin.version_retired": Access({"admin"}, fixed("/admin/questionnaires/awareness/versions/1/retired"), method="POST"),
    # XLSForm drafts: the office alone; the empty posts meet the forms' own checks (no file: 422;
    # no compared version: 400; an empty dry run: 422) and nothing is published or discarded
    "admin.upload_draft": Access({"admin"}, fixed("/admin/questionnaires/drafts"), method="POST"),
    "admin.draft": Access({"admin"}, lambda c: f"/admin/questionnaires/drafts/{c.draft}"),
    "admin.draft_preview": Access({"admin"}, lambda c: f"/admin/questionnaires/drafts/{c.draft}/preview", also=("POST",)),
    "admin.publish_draft": Access({"admin"}, lambda c: f"/admin/questionnaires/drafts/{c.draft}/publish", method="POST"),
    "admin.discard_draft": Access({"admin"}, lambda c: f"/admin/questionnaires/drafts/{c.draft}/discard", method="POST"),
    # the follow-up worklist: every role, collectors included (they go from door to door), each
    # within its reach; the posts meet the form's own checks (422) when empty
    "followups.index": Access(EVERYONE, fixed("/followups/"), outside=fixed("/followups/?county=433123")),
    "followups.mark": Access(EVERYONE, fixed("/followups/mark"), method="POST", outside=fixed("/followups/mark?county=433123")),
    "followups.clear": Access(EVERYONE, fixed("/followups/clear"), method="POST", outside=fixed("/followups/clear?county=433123")),
    # the audio studio: every role sees and records within its reach (collectors included),
    # staff approve; another county's dialect and recordings are 404.  Approving an approved
    # recording and withdrawing a draft's approval are refusals (a message, 303): nothing changes
    "audio.index": Access(EVERYONE, fixed("/audio/")),
    "audio.coverage": Access(EVERYONE, fixed("/audio/coverage")),
    "audio.create": Access(STAFF, fixed("/audio/dialects"), method="POST"),
    "audio.studio": Access(EVERYONE, fixed("/audio/pj-x/awareness"), outside=fixed("/audio/fh-xx/awareness")),
    "audio.upload": Access(EVERYONE, fixed("/audio/pj-x/awareness/recordings"), method="POST",
                           outside=fixed("/audio/fh-xx/awareness/recordings")),
    "audio.listen": Access(EVERYONE, lambda c: f"/audio/recordings/{c.pj_draft}", outside=lambda c: f"/audio/recordings/{c.fh_draft}"),
    "audio.approve": Access(STAFF, lambda c: f"/audio/recordings/{c.pj_approved.split('-')[0]}/approve", method="POST",
                            outside=lambda c: f"/audio/recordings/{c.fh_approved.split('-')[0]}/approve"),
    "audio.unapprove": Access(STAFF, lambda c: f"/audio/recordings/{c.pj_draft.split('-')[0]}/unapprove", method="POST",
                              outside=lambda c: f"/audio/recordings/{c.fh_draft.split('-')[0]}/unapprove"),
    "audio.delete": Access(set(), fixed("/audio/recordings/999999/delete"), method="POST",
                           notes="no such recording: 404 for all; tests/audio covers deleting by role"),
    # approved recordings for the tablets: any logged-in user (no respondent's voice; offline cache)
    "recordings.serve": Access(EVERYONE, lambda c: f"/collect/recordings/{c.pj_approved}"),
    # the API, by bearer token
    "api.openapi": Access(EVERYONE, fixed("/api/v1/openapi.json"), anonymous="public", api=True),
    "api.list_questionnaires": Access(EVERYONE, fixed("/api/v1/questionnaires"), anonymous="api", api=True),
    "api.get_questionnaire": Access(EVERYONE, fixed("/api/v1/questionnaires/awareness"), anonymous="api", api=True),
    "api.post_submission": Access(EVERYONE, fixed("/api/v1/submissions"), method="POST", anonymous="api", api=True),
    "api.post_refusal": Access(EVERYONE, fixed("/api/v1/refusals"), method="POST", anonymous="api", api=True),
    "api.post_submission_batch": Access(EVERYONE, fixed("/api/v1/submissions/batch"), method="POST", anonymous="api", api=True),
    "api.device_receipt_view": Access(EVERYONE, lambda c: f"/api/v1/devices/{c.pj_device}/receipt", anonymous="api", api=True,
                                      outside=lambda c: f"/api/v1/devices/{c.fh_device}/receipt", outside_hides=True),
    "api.stats_prepost": Access(STAFF, fixed("/api/v1/stats/prepost?questionnaire=awareness&index=awareness"),
                                outside=fixed("/api/v1/stats/prepost?questionnaire=awareness&index=awareness&county=433123"),
                                anonymous="api", api=True),
    "api.followups": Access(EVERYONE, fixed("/api/v1/followups?questionnaire=awareness"),
                            outside=fixed("/api/v1/followups?questionnaire=awareness&county=433123"), anonymous="api", api=True),
    "api.stats_summary": Access(STAFF, fixed("/api/v1/stats/summary?questionnaire=awareness"),
                                outside=fixed("/api/v1/stats/summary?questionnaire=awareness&county=433123"),
                                anonymous="api", api=True),
}


@pytest.fixture
def ctx(db, programme, stamped):
    seed_demo(db, 120, seed=9)
    pj = db.session.scalar(select(County).where(County.code == "430626"))
    fh = db.session.scalar(select(County).where(County.code == "433123"))
    team = db.session.scalar(select(User).where(User.username == "team-pj")).team
    assert team.county_id == pj.id
    pj_response = db.session.scalar(select(Response).where(Response.team_id == team.id).order_by(Response.id).limit(1))
    fh_response = db.session.scalar(select(Response).where(Response.county_id == fh.id).order_by(Response.id).limit(1))
    pj_response.device_id, fh_response.device_id = str(uuidlib.uuid4()), str(uuidlib.uuid4())
    fh_team = db.session.scalar(select(Team).where(Team.county_id == fh.id))
    assert fh_team is not None and fh_response is not None and pj_response is not None
    user = db.session.scalar(select(User).where(User.username == "sw-pj1"))
    db.session.commit()
    ctx = Ctx(pj_response.id, fh_response.id, user.id, pj_response.device_id, fh_response.device_id, fh_response.uuid)
    ctx.pj_approved, ctx.pj_draft = _recordings(db, "pj-x", "430626")
    ctx.fh_approved, ctx.fh_draft = _recordings(db, "fh-xx", "433123")
    ctx.draft = _questionnaire_draft(db)
    db.session.commit()
    return ctx


def _recordings(db: Any, code: str, county: str) -> tuple[str, str]:
    """A county's dialect with an approved recording and a draft, as ``ID-DIGEST.webm``."""
    from survey_app.audio import service
    from survey_app.auth.scope import Scope
    from survey_app.demo.studio import BEEP

    scope = Scope.of(db.session.scalar(select(User).where(User.username == "admin")))
    dialect = service.create_dialect(db.session, scope, code, code, county)
    version = service.current_version(db.session, "awareness")
    approved = service.save_draft(db.session, scope, dialect, version, "greeting", BEEP.read_bytes(), "audio/webm")
    service.approve(db.session, scope, approved)
    draft = service.save_draft(db.session, scope, dialect, version, "thanks", BEEP.read_bytes(), "audio/webm")
    return f"{approved.id}-{approved.sha256[:16]}.webm", f"{draft.id}-{draft.sha256[:16]}.webm"


def _questionnaire_draft(db: Any) -> int:
    """A pending XLSForm draft (as admin/drafts.py stores one): awareness's own file."""
    from survey_app.config import ROOT
    from survey_app.models import QuestionnaireDraft
    from survey_app.questionnaires import check_file

    path = ROOT / "questionnaires" / "awareness.yaml"
    draft = QuestionnaireDraft(questionnaire_id="awareness", definition=check_file(path).definition,
                               yaml_text=path.read_text(encoding="utf-8"), source_name="awareness.xlsx", source=b"PK", state="draft")
    db.session.add(draft)
    db.session.flush()
    return draft.id


def csrf(client: Any) -> str:
    """A valid token of this client's session: from the home page's logout form when logged
    in, else from the login form."""
    for url in ("/", "/login"):
        page = client.get(url).get_data(as_text=True)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if found:
            return found.group(1)
    raise AssertionError("no page carries a CSRF token")


def ask(client: Any, access: Access, url: str, token: str | None, method: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if (method or access.method) == "POST":
        as_json = access.api or access.json
        data = None if as_json else {"csrf_token": csrf(client)}
        reply = client.post(url, data=data, json={} if as_json else None, headers=headers)
    else:
        reply = client.get(url, headers=headers)
    body = reply.get_data(as_text=True) if reply.mimetype in ("text/html", "application/json") else ""
    reply.close()  # static files come as open file streams
    return reply.status_code, body


def test_every_route_has_a_policy(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - set(POLICY)) == [], "a route without a line in POLICY: decide who may use it"
    assert sorted(set(POLICY) - endpoints) == [], "POLICY names a route that is gone"
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}}
    asked = {(endpoint, method) for endpoint, access in POLICY.items() for method in access.methods}
    assert sorted(routes - asked) == [], "a method of a route that the walk never asks: add it to the line's also"
    assert sorted(asked - routes) == [], "POLICY asks a method the route does not answer"


def test_anonymous(app, client, ctx):
    for endpoint, access in POLICY.items():
        for method in access.methods:
            status, _ = ask(client, access, access.url(ctx), None, method)
            if access.anonymous == "public":
                # an empty login form is refused as a form (400), not as a visitor
                assert status < 400 or status == 404 or (method != access.method and status == 400), (endpoint, method, status)
            elif access.anonymous == "api":
                assert status == 401, (endpoint, method, status)
            else:
                assert status in (302, 400) and status != 200, (endpoint, method, status)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_inside_and_outside_its_reach(app, db, ctx, token_for, role):
    token = token_for(ROLES[role])
    client = app.test_client()
    logged_in(client, ROLES[role])
    problems = []
    for endpoint, access in POLICY.items():
        if endpoint == "auth.logout":
            continue  # would end the session the rest of the walk uses; tests/test_auth.py covers it
        for method in access.methods:
            status, _ = ask(client, access, access.url(ctx), token if access.api else None, method)
            if role in access.allowed:
                if status in (401, 403, 404) and not (method != access.method and status == access.empty_post):
                    problems.append(f"{endpoint} {method}: {role} inside its reach got {status}")
            elif status not in DENIED:
                problems.append(f"{endpoint} {method}: {role} (not allowed) got {status}")
        if access.outside_hides and role == "admin":  # the office sees it: the check below can fail
            _, body = ask(client, access, access.outside(ctx), token if access.api else None)  # type: ignore[misc]
            if ctx.fh_uuid not in body:
                problems.append(f"{endpoint}: the office does not see the other county's response")
        if access.outside is not None and role in access.allowed and role != "admin":
            status, body = ask(client, access, access.outside(ctx), token if access.api else None)
            hidden = access.outside_hides and status == 200 and ctx.fh_uuid not in body
            if status not in DENIED and not hidden:
                problems.append(f"{endpoint}: {role} outside its reach got {status}")
    assert not problems, "\n".join(problems)
