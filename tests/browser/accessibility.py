"""Accessibility checks with axe-core (npm, pinned in package.json) for the browser tests.

Interface (stable: other browser tests use it):

- ``axe_context(browser, viewport=TABLET_PORTRAIT, **options)``: a context manager yielding a
  new Playwright browser context made with ``bypass_csp=True`` (the app's CSP forbids inline
  and foreign scripts, so axe could not be injected otherwise; this is expected, not a
  weakness), ``locale="zh-CN"`` unless given.  Every page opened in it can be checked.
  ``TABLET_PORTRAIT`` is 800x1280, ``TABLET_LANDSCAPE`` 1280x800.
- ``axe_violations(page, include_impacts=("critical", "serious"), *, selector=None,
  exclude=(), disable_rules=()) -> list[Violation]``: injects
  node_modules/axe-core/axe.min.js into the page as it is now (again after each navigation;
  once per document), runs ``axe.run`` with the WCAG 2.0 and 2.1 A and AA rules
  (``WCAG_TAGS``), and returns the violations whose impact is in ``include_impacts`` (pass
  ``None`` for all).  ``selector`` limits the check to one part of the page (e.g. the visible
  step of the form: ``".step:not([hidden])"``), ``exclude`` lists CSS selectors left out, and
  ``disable_rules`` axe rule ids not run (say why where you use it).  Hidden elements are not
  checked (axe's own rule), so show a screen before checking it.
- ``Violation``: ``rule`` (axe's id, e.g. ``color-contrast``), ``impact``, ``help``,
  ``help_url``, ``nodes`` (a list of ``Node``: ``target`` CSS selector, ``html`` snippet,
  ``summary``: axe's explanation, e.g. the contrast ratio found).  ``str(v)`` reads well in a
  failed assertion; ``describe(violations)`` joins several.
- ``axe_problem() -> str | None``: why axe-core cannot run here (node_modules absent), or
  None.  ``require_axe()`` skips the calling test with that reason, or fails it under
  ``REQUIRE_POSTGRES=1`` (CI, ``.ci/run``), where the checks must run; ``axe_violations`` and
  ``axe_context`` call it themselves.

Typical use::

    with axe_context(browser, TABLET_LANDSCAPE) as context:
        page = context.new_page()
        log_in(page, base, "admin")
        page.goto(f"{base}/admin/users")
        found = axe_violations(page)
        assert not found, describe(found)

``make test`` installs axe-core (``npm ci`` from package-lock.json); by hand: ``npm ci``.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_FILE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: The rule sets run: WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
TABLET_PORTRAIT = {"width": 800, "height": 1280}
TABLET_LANDSCAPE = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class Node:
    target: str
    html: str
    summary: str


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    help_url: str
    nodes: list[Node] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"[{self.impact}] {self.rule}: {self.help} ({self.help_url})"]
        for node in self.nodes:
            lines.append(f"  at {node.target}: {node.html}")
            lines += [f"    {line}" for line in node.summary.splitlines() if line.strip()]
        return "\n".join(lines)


def describe(violations: Iterable[Violation]) -> str:
    """The violations as text for an assertion message."""
    return "\n".join(str(v) for v in violations) or "no violations"


def axe_problem() -> str | None:
    if not AXE_FILE.exists():
        return f"axe-core not installed ({AXE_FILE.relative_to(ROOT)} missing): run `npm ci` (make test does)"
    return None


def require_axe() -> None:
    """Skip (or, under CI's REQUIRE_POSTGRES=1, fail) when axe-core is not installed."""
    problem = axe_problem()
    if problem:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(problem)
        pytest.skip(problem)


@contextmanager
def axe_context(browser: Any, viewport: dict[str, int] | None = None, **options: Any) -> Iterator[Any]:
    """A browser context whose pages axe can check (``bypass_csp=True``); closed afterwards."""
    require_axe()
    options.setdefault("locale", "zh-CN")
    context = browser.new_context(viewport=viewport or TABLET_PORTRAIT, bypass_csp=True, **options)
    try:
        yield context
    finally:
        context.close()


_RUN = """async ([context, options]) => {
  const result = await window.axe.run(context, options);
  return result.violations.map(v => ({
    rule: v.id, impact: v.impact || "", help: v.help, help_url: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.map(String).join(" "), html: n.html,
      summary: n.failureSummary || "",
    })),
  }));
}"""


def axe_violations(
    page: Any,
    include_impacts: Iterable[str] | None = ("critical", "serious"),
    *,
    selector: str | None = None,
    exclude: Iterable[str] = (),
    disable_rules: Iterable[str] = (),
) -> list[Violation]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now (see the module's
    docstring).  The page's context must bypass the CSP (``axe_context``)."""
    require_axe()
    if not page.evaluate("() => typeof window.axe === 'object'"):
        hint = "axe-core could not be injected: open the page in axe_context() (bypass_csp=True)"
        try:
            page.add_script_tag(content=AXE_FILE.read_text(encoding="utf-8"))
        except Exception as exc:  # Playwright's error for a refused script
            raise AssertionError(f"{hint}: {str(exc).splitlines()[0]}") from exc
        if not page.evaluate("() => typeof window.axe === 'object'"):
            raise AssertionError(hint)
    excluded = [[s] for s in exclude]
    context: Any = {"include": [[selector]] if selector else [["html"]], "exclude": excluded}
    options = {
        "runOnly": {"type": "tag", "values": list(WCAG_TAGS)},
        "rules": {rule: {"enabled": False} for rule in disable_rules},
        "resultTypes": ["violations"],
    }
    raw = page.evaluate(_RUN, [context, options])
    wanted = None if include_impacts is None else set(include_impacts)
    return [
        Violation(v["rule"], v["impact"], v["help"], v["help_url"], [Node(**n) for n in v["nodes"]])
        for v in raw
        if wanted is None or v["impact"] in wanted
    ]
