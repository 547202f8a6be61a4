"""Fixtures of the report tests."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from survey_app.reports.queue import Worker


@pytest.fixture
def worker(app) -> Iterator[Worker]:
    """A report worker on the test's database, as `flask --app wsgi worker` runs it (its threads
    in this process, its builds in child processes)."""
    running = Worker(app, poll=0.2).start()
    yield running
    running.stop()
