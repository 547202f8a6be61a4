"""The browser fixtures of tests/browser, for the security tests that need a real browser."""
from ..browser.conftest import browser, context, server  # noqa: F401
