"""The check at a page's door: the signed-in user's scope, or 403 when their role lacks the
right the page needs (a property of ``permissions.Permissions``)."""
from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask_login import current_user

from .scope import Scope


def permitted(allowed: Callable[[Scope], bool]) -> Scope:
    """``permitted(lambda scope: scope.can_export)``: the user's scope, or 403 (abort)."""
    scope = Scope.of(current_user)
    if not allowed(scope):
        abort(403)
    return scope
