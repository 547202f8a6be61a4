"""Sync receipts: what the server holds from one tablet, so that anyone can prove nothing was
lost (the tablet compares it with its own log of what it sent)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..auth.scope import Scope
from ..database import DBSession
from ..models import Refusal, Response


def device_receipt(session: DBSession, device_id: str, scope: Scope) -> list[dict[str, Any]]:
    """Every response and refusal received from the device, within the reader's scope, newest first."""
    rows: list[dict[str, Any]] = []
    for model, kind in ((Response, "submission"), (Refusal, "refusal")):
        query = select(model.uuid, model.questionnaire_id, model.county_id, model.team_id, model.received_at).where(
            model.device_id == device_id, scope.rows(model, own_tablets=True)
        )
        for uuid, questionnaire, _county, _team, received_at in session.execute(query):
            rows.append({"uuid": uuid, "kind": kind, "questionnaire": questionnaire, "received_at": received_at.isoformat()})
    rows.sort(key=lambda r: r["received_at"], reverse=True)
    return rows
