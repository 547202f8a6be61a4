"""What the server itself gives away (ASVS 13.4): no TRACE, no directory listing, no source or
repository files, whatever the path's tricks."""
from __future__ import annotations

import pytest

from ..factories import login


@pytest.mark.parametrize("path", ["/", "/login", "/api/v1/questionnaires", "/static/css/app.css"])
def test_trace_is_not_supported(client, programme, path):
    reply = client.open(path, method="TRACE", headers={"X-Echo-Me": "secret-cookie-value"})
    assert reply.status_code == 405
    assert "TRACE" not in reply.headers["Allow"]
    assert b"secret-cookie-value" not in reply.get_data()


@pytest.mark.parametrize("path", ["/static/", "/static/js/", "/static/fonts/", "/static", "/questionnaires/", "/templates/"])
def test_no_directory_is_listed(client, programme, path):
    assert login(client, "admin").status_code == 302
    reply = client.get(path)
    assert reply.status_code == 404, path
    body = reply.get_data()
    assert b"Index of" not in body and b"report.css" not in body and b"sync.js" not in body


@pytest.mark.parametrize("path", [
    "/.git/HEAD", "/static/../../.git/HEAD", "/static/%2e%2e/%2e%2e/.git/config", "/static/..%2f..%2fwsgi.py",
    "/static/../__init__.py", "/static/%2e%2e/config.py", "/wsgi.py", "/requirements.txt", "/instance/secret_key",
    "/static/..%5c..%5cwsgi.py",
])
def test_no_source_repository_or_instance_file_is_served(client, programme, path):
    reply = client.get(path)
    assert reply.status_code in (404, 400), (path, reply.status_code)
    body = reply.get_data()
    assert b"ref: refs/" not in body and b"create_app" not in body and b"import" not in body
