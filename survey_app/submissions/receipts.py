"""Sync receipts: what the server holds from one tablet, so that anyone can prove nothing was
lost (the tablet compares it with its own log of what it sent)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select, true

from ..auth.scope import Scope
from ..database import DBSession
from ..models import ApiToken, Refusal, Response


def within_reach(model: type[Response] | type[Refusal], scope: Scope) -> ColumnElement[bool]:
    """Which received rows a reader may see in receipts and device lists.  A collector sees
    only the tablets they hold (a device token was issued to them for it) or what they sent
    themselves: a tablet shared by a team shows all it sent from that team, since the tablet's
    own log, which the receipt is compared with, holds it all anyway."""
    if scope.role == "admin":
        return true()
    if scope.role == "county":
        return model.county_id == scope.county_id
    in_team = model.team_id == scope.team_id
    if scope.role == "team":
        return in_team
    held = select(ApiToken.label).where(ApiToken.user_id == scope.user_id, ApiToken.kind == "device")
    return in_team & or_(model.collector_id == scope.user_id, model.device_id.in_(held))


def device_receipt(session: DBSession, device_id: str, scope: Scope) -> list[dict[str, Any]]:
    """Every response and refusal received from the device, within the reader's scope, newest first."""
    rows: list[dict[str, Any]] = []
    for model, kind in ((Response, "submission"), (Refusal, "refusal")):
        query = select(model.uuid, model.questionnaire_id, model.county_id, model.team_id, model.received_at).where(
            model.device_id == device_id, within_reach(model, scope)
        )
        for uuid, questionnaire, _county, _team, received_at in session.execute(query):
            rows.append({"uuid": uuid, "kind": kind, "questionnaire": questionnaire, "received_at": received_at.isoformat()})
    rows.sort(key=lambda r: r["received_at"], reverse=True)
    return rows
