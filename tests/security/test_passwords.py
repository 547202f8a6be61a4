"""Password rules (ASVS V6.2): length, not the user name, not a common password; any
characters, no composition rules."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    ("1111111111111", "", "data breach"),
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


# -- the breached list and the strength estimate (issue 15, ASVS V6.2.4, V6.2.12) -------------

def test_the_breached_list_is_bundled_and_fits_the_policy():
    from survey_app.auth.passwords import breached_passwords

    listed = breached_passwords()
    assert len(listed) >= 700 and all(len(p) >= MIN_LENGTH for p in listed)
    assert {"000000000000", "qwertyuiopasdfghjkl"} & listed


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_breached_password_is_refused_however_it_is_cased_or_padded(data):
    from survey_app.auth.passwords import breached_passwords

    password = data.draw(st.sampled_from(sorted(breached_passwords())))
    typed = data.draw(st.sampled_from([password, password.upper(), password.title(), f" {password} "]))
    assert password_problem(typed[:MAX_LENGTH], "county-pj") is not None


@pytest.mark.parametrize("password", [
    "iloveyou12345", "password1234!", "qwertyuiop123", "abcdefghijkl", "1234567890abc", "Passw0rd2026!",
    "aaaaaaaaaaaaaaaa1", "asdfghjkl;'123", "summer2026summer2026", "county-pj2026", "johnsmith1985",
])
def test_guessable_passwords_are_refused_by_the_estimate(password):
    assert password_problem(password, "county-pj") is not None


@pytest.mark.parametrize("password", [
    "山里的溪水流得很慢 1958", "correct horse battery staple", "the ferry leaves at nine from Fenghuang",
    "苗寨的鼓声传得很远，过了河还听得见", "a new long passphrase 2026",
])
def test_good_phrases_pass_the_estimate(password):
    assert password_problem(password, "county-pj") is None


def test_a_hash_with_older_parameters_is_made_again_at_the_next_login(client, programme, db):
    """Crypto agility (ASVS 11.2.2): raising the argon2 parameters reaches every account as it
    logs in, without a reset."""
    from argon2 import PasswordHasher
    from sqlalchemy import select

    from survey_app.auth.passwords import HASHER, verify_password
    from survey_app.models import User

    from ..factories import PASSWORD, login

    user = db.session.scalar(select(User).where(User.username == "sw-pj1"))
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    db.session.commit()
    assert HASHER.check_needs_rehash(user.password_hash)
    assert login(client, "sw-pj1").status_code == 302
    db.session.rollback()
    stored = db.session.scalar(select(User.password_hash).where(User.username == "sw-pj1"))
    assert f"m={HASHER.memory_cost},t={HASHER.time_cost},p={HASHER.parallelism}" in stored
    assert not HASHER.check_needs_rehash(stored) and verify_password(stored, PASSWORD)
