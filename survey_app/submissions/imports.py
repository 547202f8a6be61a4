"""Importing a tablet's exported queue (the escape hatch when a tablet cannot sync): every item
goes through the same services as a sync, so a response already on the server is a duplicate,
never a second row."""
from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from ..auth.scope import Scope
from ..database import DriverConnection
from .refusals import record_refusal
from .service import submit

FORMAT = "sanqu-queue"
#: an item the server failed on: nothing of it was stored, and the other items go on
FAILED = "failed"
FAILED_MESSAGE = {"zh": "服务器处理这一条时出错，没有保存：请把文件交给项目办",
                  "en": "the server failed on this item; nothing of it was stored"}
log = logging.getLogger(__name__)


class ImportFileError(ValueError):
    """The file is not an exported queue; the message says why."""


@dataclass
class ItemResult:
    index: int
    kind: str
    uuid: str | None
    status: str
    errors: dict[str, list[str]] = field(default_factory=dict)


def read_export(raw: bytes) -> list[dict[str, Any]]:
    """The items of an exported queue file, or ImportFileError."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ImportFileError(f"not a JSON file in UTF-8 ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportFileError(f'not an exported queue: "format" must be "{FORMAT}"')
    items = data.get("items")
    if not isinstance(items, list):
        raise ImportFileError('"items" must be a list')
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or item.get("kind") not in ("submission", "refusal") or not isinstance(item.get("body"), dict):
            raise ImportFileError(f'item {n}: needs "kind" (submission or refusal) and a "body" object')
    return items


def import_items(engine: Engine, items: list[dict[str, Any]], scope: Scope, lang: str = "zh") -> list[ItemResult]:
    results = []
    for n, item in enumerate(items, 1):
        body = item["body"]
        try:
            if item["kind"] == "submission":
                with DriverConnection(engine) as driver:
                    outcome = submit(driver, body, scope, source="import", lang=lang)
            else:
                with engine.connect() as connection:
                    outcome = record_refusal(connection, body, scope, source="import", lang=lang)
                    connection.commit()
        except Exception:  # one item the services did not foresee must not stop the rest
            log.exception("queue import: item %d failed", n)
            uid = body.get("uuid")
            results.append(ItemResult(n, item["kind"], uid if isinstance(uid, str) else None, FAILED,
                                      {"body": [FAILED_MESSAGE.get(lang, FAILED_MESSAGE["zh"])]}))
            continue
        results.append(ItemResult(n, item["kind"], outcome.uuid or body.get("uuid"), outcome.status, outcome.errors))
    return results


def summary(results: list[ItemResult]) -> dict[str, int]:
    return dict(Counter(r.status for r in results))
