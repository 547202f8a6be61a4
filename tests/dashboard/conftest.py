"""The demo every dashboard test reads unless its module seeds its own."""
from __future__ import annotations

import pytest


@pytest.fixture
def demo(db, programme, loaded):
    from survey_app.demo.seed import seed_responses

    seed_responses(db.session, 1200, seed=4)
    db.session.commit()
    return db
