"""axe-core on the staff and collection pages at tablet sizes: no critical or serious
WCAG 2.0/2.1 A/AA violation (tests/browser/accessibility.py)."""
from __future__ import annotations

import pytest

from .accessibility import TABLET_LANDSCAPE, TABLET_PORTRAIT, axe_context, axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]


@pytest.mark.parametrize("viewport", [TABLET_PORTRAIT, TABLET_LANDSCAPE], ids=["800x1280", "1280x800"])
def test_the_login_page(browser, live_server, programme, viewport):
    with axe_context(browser, viewport) as context:
        page = context.new_page()
        page.goto(f"{live_server}/login")
        found = axe_violations(page)
        assert not found, describe(found)
