"""Password rules (ASVS V6.2): length, not the user name, not a common password; any
characters, no composition rules."""
from __future__ import annotations

import pytest

from survey_app.auth.passwords import MAX_LENGTH, MIN_LENGTH, common_passwords, password_problem


@pytest.mark.parametrize("password", [
    "a long enough passphrase",
    "我们村的桥修好了2026年",  # Chinese characters count as characters
    "X7#kP9$mQ2!z",
    "ñandú y cóndor " * 8,
    "village-bridge-2026",  # a context word inside a phrase is fine: enough is left
])
def test_long_passwords_of_any_kind_are_accepted(password):
    assert password_problem(password, "county-pj") is None


@pytest.mark.parametrize(("password", "username", "why"), [
    ("x" * (MIN_LENGTH - 1), "", "at least 12"),
    ("x" * (MAX_LENGTH + 1), "", "at most 128"),
    ("county-pj-2026", "county-pj-2026", "not be the username"),
    ("County-PJ-2026", "county-pj-2026", "not be the username"),
    ("123456789abc", "", "too common"),
    ("QWERTYUIOP123", "", "too common"),  # case does not make a common password rare
    ("woaini5201314", "", "too common"),
    ("1qaz2wsx3edc", "", "too common"),
    # issue 15: accepted before
    ("victim2victim2", "victim", "too easy"),
    ("1111111111111", "", "too easy"),
    ("sanqu-demo-2027", "", "too easy"),
    ("x" * 11 + "y", "", "too easy"),
    ("ñ" * MAX_LENGTH, "", "too easy"),
    ("Hunan-Sanqu-2026!", "", "too easy"),
    ("sw.pj2-sw.pj2-2026", "sw.pj2", "too easy"),
])
def test_weak_passwords_are_refused_with_a_reason(password, username, why):
    problem = password_problem(password, username)
    assert problem is not None and why in problem


def test_the_list_is_shipped_and_read_without_comments():
    common = common_passwords()
    assert len(common) > 1000
    assert {"5201314", "woaini1314", "qwertyuiop", "123456789abc"} <= common
    assert not any(p.startswith("#") for p in common)


def test_the_cli_applies_the_rules(app, programme):
    runner = app.test_cli_runner()
    common = runner.invoke(args=["users", "create", "wanglei", "--role", "admin", "--password-stdin"], input="woaini5201314\n")
    assert common.exit_code != 0 and "too common" in common.output
    same = runner.invoke(args=["users", "create", "wanglei-admin", "--role", "admin", "--password-stdin"], input="wanglei-admin\n")
    assert same.exit_code != 0 and "username" in same.output
