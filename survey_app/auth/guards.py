"""The check at a page's door: the signed-in user's scope, or 403 when their role lacks the
right the page needs (a property of ``permissions.Permissions``)."""
from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask_babel import gettext
from flask_login import current_user

from ..database import DBSession
from ..place import Place
from .places import OutsidePlace, PlaceError, place_for
from .scope import Scope


def permitted(allowed: Callable[[Scope], bool]) -> Scope:
    """``permitted(lambda scope: scope.can_export)``: the user's scope, or 403 (abort)."""
    scope = Scope.of(current_user)
    if not allowed(scope):
        abort(403)
    return scope


def filtered_place(session: DBSession, scope: Scope, values: dict[str, str], problems: dict[str, str]) -> Place:
    """The place a page's filter form names (``county``, ``team``, ``site`` in ``values``): 403 (abort)
    for one outside the reader's reach; an unknown code is a problem of its field and the reader's
    whole reach is shown instead."""
    try:
        return place_for(session, scope, values["county"] or None, values["team"] or None, values["site"] or None)
    except PlaceError as exc:
        if isinstance(exc, OutsidePlace):
            abort(403)
        problems[exc.field] = gettext("没有这个代码。")
        return place_for(session, scope, None, None)
