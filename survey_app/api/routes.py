"""The HTTP API, /api/v1 (contract in shared/DESIGN.md, described at /api/v1/openapi.json)."""
from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, g, jsonify, request

from ..analysis import overview
from ..analysis.figures import prepost, wave_summary
from ..auth.places import Place, PlaceError, place_for
from ..bounds import bounded_int
from ..database import DriverConnection
from ..errors import status_of
from ..extensions import db
from ..instruments import current_definition, find_version, offer_refusal, offered_versions
from ..models import Questionnaire
from ..submissions.envelope import parse_uuid
from ..submissions.receipts import device_receipt
from ..submissions.refusals import record_refusal
from ..submissions.service import Outcome, submit
from . import bp
from .auth import authenticate, request_language, token_required, unauthorized
from .bodies import BodyError, decoded, strict_json
from .openapi import OPENAPI

OFFER_REFUSALS = {
    410: "this version is retired: it is not offered for new interviews (submissions to it are still accepted)",
    403: "this questionnaire is assigned to other teams",
}


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


@bp.get("/questionnaires")
@token_required
def list_questionnaires():
    return jsonify(
        [
            {"id": q.id, "version": q.current_version, "title": {"zh": q.title_zh, "en": q.title_en or q.title_zh}}
            for q, _v in offered_versions(db.session, g.scope)
        ]
    )


@bp.get("/questionnaires/<qid>")
@token_required
def get_questionnaire(qid: str):
    questionnaire = db.session.get(Questionnaire, qid)
    if questionnaire is None:
        abort(404)
    asked = request.args.get("version")
    wanted = questionnaire.current_version if asked in (None, "") else bounded_int(asked)
    if wanted is None:
        return jsonify({"errors": {"version": ["must be a whole number from 1, the version asked for"]}}), 422
    version = find_version(db.session, qid, wanted)
    if version is None:
        abort(404)
    refused = offer_refusal(db.session, g.scope, qid, version.id)
    if refused is not None:
        # not offered for new interviews (what a client began earlier still syncs)
        abort(refused, description=OFFER_REFUSALS[refused])
    return jsonify({**version.definition, "version": version.version})


def _json_body() -> tuple[object, tuple[Response, int] | None]:
    """The request's JSON body, plain or gzip, or the 415/413/400 reply that refuses it."""
    if not request.is_json:
        return None, (jsonify({"errors": {"body": ["Content-Type must be application/json"]}}), 415)
    try:
        raw = decoded(request.get_data(cache=False), request.headers.get("Content-Encoding"),
                      current_app.config["MAX_INFLATED_LENGTH"])
        return strict_json(raw), None
    except BodyError as refused:
        return None, (jsonify({"errors": {"body": [refused.message]}}), refused.status)


def _body(outcome: Outcome) -> dict:
    body: dict = {"uuid": outcome.uuid, "status": outcome.status}
    if outcome.errors:
        body["errors"] = outcome.errors
    if outcome.warnings:
        body["warnings"] = outcome.warnings
    return body


def _reply(outcome: Outcome) -> tuple[Response, int]:
    return jsonify(_body(outcome)), outcome.http_status


def _submissions(answer: Any) -> Any:
    """Authenticate, read the JSON body and let ``answer(connection, payload, scope, lang)``
    store it, on a driver connection of its own, not the ORM session: the hot path of every
    tablet's sync."""
    with DriverConnection(db.engine) as connection:
        scope = authenticate(connection)
        if scope is None:
            return unauthorized()
        payload, refused = _json_body()
        if refused is not None:
            return refused
        return answer(connection, payload, scope, request_language())


@bp.post("/submissions")
def post_submission():
    return _submissions(lambda connection, payload, scope, lang: _reply(
        submit(connection, payload, scope, source="api", lang=lang)))


@bp.post("/submissions/batch")
def post_submission_batch():
    """Several submissions in one request (a tablet's queue over a weak link): each item is
    judged, stored and answered as a single submission would be, in its own transaction, so one
    bad item costs only itself and a retried batch doubles nothing."""
    def answer(connection: DriverConnection, payload: object, scope: Any, lang: str) -> Any:
        items = payload.get("items") if isinstance(payload, dict) else None
        limit = current_app.config["BATCH_MAX_ITEMS"]
        if not isinstance(items, list) or not 1 <= len(items) <= limit:
            return jsonify({"errors": {"items": [f"must be a list of 1 to {limit} submissions"]}}), 422
        results = []
        for item in items:
            outcome = submit(connection, item, scope, source="api", lang=lang)
            results.append({**_body(outcome), "http_status": outcome.http_status})
        return jsonify({"results": results})

    return _submissions(answer)


@bp.post("/refusals")
def post_refusal():
    """A declined consent, sent by the offline queue like a submission (same replies)."""
    with DriverConnection(db.engine) as driver:
        scope = authenticate(driver)
    if scope is None:
        return unauthorized()
    payload, refused = _json_body()
    if refused is not None:
        return refused
    with db.engine.connect() as connection:
        outcome = record_refusal(connection, payload, scope, source="api", lang=request_language())
        connection.commit()
    return _reply(outcome)


@bp.get("/devices/<device_id>/receipt")
@token_required
def device_receipt_view(device_id: str):
    """What the server holds from one tablet (within the caller's scope)."""
    parsed = parse_uuid(device_id)
    if parsed is None:
        abort(404)
    return jsonify({"device_id": parsed, "received": device_receipt(db.session, parsed, g.scope)})


def _stats_request() -> tuple[str, Place] | tuple[Response, int]:
    """The questionnaire and the place a stats call asks about, or the reply refusing it.
    Collectors collect: figures are for the office, the bureaux and the teams, as on the
    dashboards."""
    if not g.scope.can_view_dashboards:
        return jsonify({"error": "Forbidden", "message": "statistics are for staff, not collectors"}), 403
    if g.scope.device:
        # a tablet's token syncs what was collected; figures need a staff API token (issue 15)
        return jsonify({"error": "Forbidden", "message": "a device token is for collecting, not for statistics"}), 403
    qid = request.args.get("questionnaire", "")
    if db.session.get(Questionnaire, qid) is None:
        return jsonify({"errors": {"questionnaire": ["no such questionnaire"]}}), 422
    try:
        place = place_for(db.session, g.scope, request.args.get("county"), request.args.get("team"),
                          request.args.get("site"), request.args.get("round"))
    except PlaceError as exc:
        return jsonify({"errors": {exc.field: [str(exc)]}}), status_of(exc)
    return qid, place


@bp.get("/stats/prepost")
@token_required
def stats_prepost():
    """Paired baseline/follow-up comparison of one index (contract in shared/DESIGN.md)."""
    asked = _stats_request()
    if isinstance(asked[0], Response):
        return asked
    qid, place = asked
    index = request.args.get("index", "")
    qn = current_definition(db.session, qid)
    if qn is None or index not in {i.id for i in qn.indices}:
        return jsonify({"errors": {"index": ["no such index in this questionnaire"]}}), 422
    with db.engine.connect() as connection:
        return jsonify(prepost(connection, qid, index, place))


@bp.get("/stats/summary")
@token_required
def stats_summary():
    """Responses and index means by wave for a scope, and the refusals within the same filters."""
    asked = _stats_request()
    if isinstance(asked[0], Response):
        return asked
    qid, place = asked
    with db.engine.connect() as connection:
        return jsonify({"questionnaire": qid, **wave_summary(connection, qid, place),
                        "refusals": overview.refusals(connection, qid, place)})
