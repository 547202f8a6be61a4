"""The demo every dashboard test reads unless its module seeds its own."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.models import Response
from survey_app.submissions import latest
from tests.factories import seed_demo


@pytest.fixture
def demo(db, programme, loaded):
    return seed_demo(db, 1200, seed=4)


@pytest.fixture
def demo_with_exclusions(demo):
    """The same demo, some responses excluded by a data manager as the response page does: they
    must not count anywhere (the item and satisfaction pages' tests)."""
    for response_id in demo.session.scalars(select(Response.id).where(Response.id % 13 == 0)).all():
        latest.set_excluded(demo.session, response_id, "test")
    demo.session.commit()
    return demo
