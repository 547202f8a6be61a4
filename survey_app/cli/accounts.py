"""`flask --app wsgi users ...` and `tokens ...`: staff accounts, their second factor, locks and
API tokens (contract in shared/DESIGN.md).  Every change is audited."""
from __future__ import annotations

import sys
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..auth.permissions import placed_in
from ..extensions import db
from ..models.users import ROLES

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--county", "county_code", help="county code (GB/T 2260), for role county")
@click.option("--team", "team_code", help="team code, for roles team and collector")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def users_create(username: str, role: str, county_code: str | None, team_code: str | None, password_stdin: bool) -> None:
    """Create a staff account."""
    from ..auth.passwords import hash_password
    from ..models import County, Team, User
    from ..models.audit import record

    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"user {username!r} already exists")
    county = team = None
    belongs = placed_in(role)
    if belongs == "county":
        if not county_code:
            raise click.ClickException("role county needs --county CODE")
        county = db.session.scalar(select(County).where(County.code == county_code))
        if county is None:
            raise click.ClickException(f"no county with code {county_code!r}")
    if belongs == "team":
        if not team_code:
            raise click.ClickException(f"role {role} needs --team CODE")
        team = db.session.scalar(select(Team).where(Team.code == team_code))
        if team is None:
            raise click.ClickException(f"no team with code {team_code!r}")
    password = _new_password(username, password_stdin)
    user = User(username=username, role=role, county=county, team=team, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    record("user.create", target=username, role=role)
    db.session.commit()
    click.echo(f"created {role} {username}")


@users_cli.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable an account at once: it can no longer log in, its sessions end and its API and
    device tokens are revoked."""
    from ..auth.sessions import disable_user
    from ..models import User

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    disable_user(db.session, user)
    db.session.commit()
    click.echo(f"disabled {username}")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.option("--permanent", is_flag=True, help="the user keeps it (default: they must choose their own at the next login)")
def users_set_password(username: str, password_stdin: bool, permanent: bool) -> None:
    """Set a new password: the user's sessions end and their API and device tokens are revoked.
    It is temporary unless --permanent: the user chooses their own at the next login."""
    from ..auth.passwords import hash_password
    from ..auth.sessions import set_password
    from ..models.audit import record

    user = _user(username)
    password = _new_password(username, password_stdin)
    ended, revoked = set_password(db.session, user, hash_password(password), temporary=not permanent)
    record("user.password", target=username, sessions_ended=ended, tokens_revoked=revoked, temporary=not permanent, via="cli")
    db.session.commit()
    click.echo(f"password set for {username}; {ended} session(s) ended, {revoked} token(s) revoked"
               + ("" if permanent else "; it is temporary: the user chooses their own at the next login"))


@users_cli.command("unlock")
@click.argument("username")
def users_unlock(username: str) -> None:
    """Lift a login lock at once (a lock otherwise ends on its own, later each time)."""
    from ..auth.lockout import unlock

    key = unlock(db.session, username, via="cli")
    db.session.commit()
    click.echo(f"unlocked {key}")


@users_cli.command("mfa-enroll")
@click.argument("username")
def users_mfa_enroll(username: str) -> None:
    """Give the user a new authenticator secret, in force at once (their old one, if any, ends).
    Prints ten recovery codes, then the otpauth:// URI alone on the last line: hand it to the
    user as a QR code (e.g. `qrencode -t ansiutf8`) or open /account to show it."""
    from ..auth import mfa
    from ..models.audit import record

    user = _user(username)
    uri = mfa.start_enrolment(user)
    codes = mfa.confirm_enrolment(db.session, user)
    record("mfa.enrol", target=username, via="cli")
    db.session.commit()
    click.echo(f"second factor set for {username}; recovery codes (each works once):")
    for code in codes:
        click.echo(f"  {code}")
    click.echo(uri)


@users_cli.command("mfa-reset")
@click.argument("username")
def users_mfa_reset(username: str) -> None:
    """Forget the user's authenticator app (a lost phone) and recovery codes; where their role
    requires a second factor, they set up a new one at the next login."""
    from ..auth import mfa
    from ..models.audit import record

    user = _user(username)
    mfa.reset(db.session, user)
    record("mfa.reset", target=username, via="cli")
    db.session.commit()
    click.echo(f"second factor reset for {username}")


def _new_password(username: str, from_stdin: bool) -> str:
    """A password typed twice at the prompt, or one line of standard input, checked against the
    policy (the same rules as the admin pages)."""
    from ..auth.passwords import password_problem

    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    return password


def _user(username: str) -> Any:
    from ..models import User

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    return user


tokens_cli = AppGroup("tokens", help="API tokens.")


@tokens_cli.command("issue")
@click.argument("username")
@click.option("--label", default="", help="what the token is for")
def tokens_issue(username: str, label: str) -> None:
    """Issue an API token; it is printed alone on the last line, and never shown again."""
    from ..auth.tokens import issue_token
    from ..models import User
    from ..models.audit import record

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    if not user.active:
        raise click.ClickException(f"user {username!r} is disabled")
    secret = issue_token(db.session, user, label=label)
    record("token.issue", actor_id=user.id, target=username, prefix=secret[:10])
    db.session.commit()
    click.echo(f"token for {username} ({user.role}); keep it secret:")
    click.echo(secret)


@tokens_cli.command("revoke")
@click.argument("username")
def tokens_revoke(username: str) -> None:
    """Revoke every API token of a user at once."""
    from ..auth.tokens import revoke_user_tokens
    from ..models import User
    from ..models.audit import record

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    count = revoke_user_tokens(db.session, user)
    record("token.revoke", actor_id=user.id, target=username, count=count)
    db.session.commit()
    click.echo(f"revoked {count} token(s) of {username}")
