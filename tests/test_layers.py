"""The house's rules of who may import what, and how large a module may grow (issue 18),
checked on the source so that a slip fails the suite rather than waiting for a review:

- ``models/`` reaches no package above it (it was importing ``analysis/`` once);
- ``findings/`` and ``analysis/`` hold no Flask request objects (a finding is a function of a
  connection, a definition, a place and a language; words through flask_babel only);
- ``findings/`` and ``analysis/`` decide no access (they read a ``Place`` already checked);
- the questionnaire engine imports no Flask, no database and no package of the app above it;
- no module is over 400 lines.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "survey_app"
MAX_LINES = 400


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``path``, relative ones resolved."""
    package = ".".join(path.relative_to(APP.parent).with_suffix("").parts[:-1])
    if path.name == "__init__.py":
        package = ".".join(path.relative_to(APP.parent).parts[:-1])
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            out.append((node.lineno, base))
            out += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return out


def offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((APP / folder).rglob("*.py")):
        for line, module in imports(path):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(APP.parent)}:{line}: {module}")
    return found


def test_the_checker_sees_relative_imports_and_can_fail():
    seen = {m for _, m in imports(APP / "findings" / "items.py")}
    assert {"survey_app.place.Place", "survey_app.findings.common.Chart", "flask_babel.gettext"} <= seen
    assert offending("findings", ("flask_babel",)) != []


def test_models_import_nothing_above_them():
    above = tuple(f"survey_app.{p}" for p in (
        "analysis", "findings", "auth", "dashboard", "reports", "submissions", "admin", "api", "collect", "exports",
        "followups", "audio", "cli", "demo", "main", "instruments", "rounds"))
    assert offending("models", above) == []


@pytest.mark.parametrize("folder", ["findings", "analysis"])
def test_findings_and_analysis_hold_no_request_objects(folder):
    web = ("flask.request", "flask.g", "flask.session", "flask.abort", "flask.current_app", "flask_login",
           "flask.redirect", "flask.url_for", "werkzeug")
    assert offending(folder, web) == []


@pytest.mark.parametrize("folder", ["findings", "analysis"])
def test_findings_and_analysis_decide_no_access(folder):
    """They take a place already checked (``auth.places.place_for``); who may read it is not theirs."""
    assert offending(folder, ("survey_app.auth",)) == []


def test_the_questionnaire_engine_stands_alone():
    assert offending("questionnaires", ("flask", "flask_babel", "flask_login", "sqlalchemy", "survey_app.models",
                                        "survey_app.database", "survey_app.analysis", "survey_app.findings")) == []


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(APP.parent)): n for p in APP.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
