"""Access is decided in one place (issue 18): ``survey_app/auth/`` owns the scope, the place check,
the named permissions and the pick lists.  These tests keep role names out of everything else:
a view, a service or a template that compares a role is a second copy of the rules."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey_app.auth import permissions
from survey_app.auth.permissions import Permissions, placed_in
from survey_app.auth.places import OutsidePlace, UnknownPlace
from survey_app.auth.scope import Scope
from survey_app.errors import status_of
from survey_app.models.users import ROLES

ROOT = Path(__file__).resolve().parents[1]
#: where role names may be compared: the rules themselves, and the accounts that define the names
OWNERS = ("survey_app/auth/", "survey_app/models/users.py")

#: a decision on a user's role in Python: ``scope.role == ...``, ``role in (...)`` (whatever it
#: is compared with, even a named tuple: that is a rule, and rules live in auth/)
_DECISION = re.compile(r"(?:\b[a-z_]\w*\.|(?<![\w.]))role\s*(?:==|!=|\bnot\s+in\b|\bin\b)|[\"']\s*(?:==|!=)\s*[\w.]*\brole\b")
#: a SQL filter on the role column with the names spelled out, not auth's named roles
_SQL_LITERAL = re.compile(r"\b[A-Z]\w*\.role\s*(?:==|!=)\s*[\"']|\.role\.in_\(\s*[\(\[\{]?\s*[\"']")
#: a scope made up with a role spelled out (``Scope.office()`` is the office acting as itself)
_MADE_UP = re.compile(r"\b(?:Scope|Permissions)\([^)]*\brole=[\"']")
_LOOP = re.compile(r"\bfor\b[^#]*\brole\s+in\b")
#: a template's comparison of a role
_TEMPLATE = re.compile(r"\brole\s*(?:==|!=|\bnot\s+in\b|\bin\b)")


def role_comparisons(root: Path) -> list[str]:
    """``file:line: text`` of every role comparison outside the owners of the rules."""
    found = []
    for path in sorted((root / "survey_app").rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name.startswith(OWNERS):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if (_DECISION.search(code) and not _LOOP.search(code)) or _SQL_LITERAL.search(code) or _MADE_UP.search(code):
                found.append(f"{name}:{number}: {line.strip()}")
    for path in sorted((root / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _TEMPLATE.search(line):
                found.append(f"{path.relative_to(root).as_posix()}:{number}: {line.strip()}")
    return found


def test_no_role_is_compared_outside_auth():
    found = role_comparisons(ROOT)
    assert not found, "compare no role outside survey_app/auth/; ask a named permission (auth/permissions.py):\n" + "\n".join(found)


@pytest.mark.parametrize("line", [
    'if scope.role == "collector":', "if g.scope.role != 'admin':", 'elif role in ("team", "collector"):',
    "if current_user.role not in COLLECTING_ROLES:", '.where(User.role.in_(("collector", "team")))',
    '.where(User.role == "admin")', 'if "admin" == user.role:', 'OFFICE = Scope(user_id=0, role="admin", county_id=None, team_id=None)',
])
def test_the_search_finds_each_spelling(tmp_path, line):
    (tmp_path / "survey_app").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "survey_app" / "view.py").write_text(line + "\n", encoding="utf-8")
    assert role_comparisons(tmp_path) == [f"survey_app/view.py:1: {line}"]


@pytest.mark.parametrize("line", [
    ".where(User.role.in_(TEAM_ROLES))", ".where(User.role == OFFICE_ROLE)", "for county_id, user_id, _role in rows:",
    'record("user.create", role=user.role)', "user.role, user.county = form.role.data, placed.county",
])
def test_the_search_lets_data_and_named_filters_be(tmp_path, line):
    (tmp_path / "survey_app").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "survey_app" / "view.py").write_text(line + "\n", encoding="utf-8")
    assert role_comparisons(tmp_path) == []


def test_the_rules_know_every_role_and_no_other():
    named = {permissions.OFFICE_ROLE, permissions.COUNTY_ROLE, permissions.TEAM_ROLE, permissions.COLLECTOR_ROLE}
    assert named == set(ROLES)
    assert [placed_in(role) for role in ROLES] == [None, "county", "team", "team"]
    with pytest.raises(ValueError):
        placed_in("guest")


#: what each role may do, as the pages and the API decided it before the rules were named
EXPECTED = {
    "admin": {"sees_programme", "can_view_dashboards", "can_view_reports", "can_export", "can_browse_responses",
              "can_import_queues", "can_exclude_responses", "can_create_dialects", "can_approve_recordings",
              "can_manage_users", "can_manage_places", "can_manage_rounds", "can_manage_questionnaires", "can_read_audit"},
    "county": {"sees_county", "can_view_dashboards", "can_view_reports", "can_export", "can_browse_responses",
               "can_import_queues", "can_exclude_responses", "can_create_dialects", "can_approve_recordings"},
    "team": {"bound_to_team", "can_view_dashboards", "can_view_reports", "can_export", "can_browse_responses",
             "can_import_queues", "can_collect", "can_create_dialects", "can_approve_recordings"},
    "collector": {"bound_to_team", "sees_only_own_tablets", "can_collect"},
    "": set(),  # nobody logged in (templates)
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_has_its_rights(role):
    names = [name for name, value in vars(Permissions).items() if isinstance(value, property)]
    granted = {name for name in names if getattr(Permissions(role), name)}
    assert granted == EXPECTED[role]


def test_the_office_scope_sees_everything():
    office = Scope.office()
    assert office.sees_programme and office.allows(1, None) and office.county_id is None and office.team_id is None


def test_a_refused_place_is_a_status_only_at_the_web_layer():
    assert status_of(OutsidePlace("county", "outside your county")) == 403
    assert status_of(UnknownPlace("county", "no such county code")) == 422
    assert not hasattr(OutsidePlace("county", "x"), "status")
