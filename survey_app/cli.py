"""Flask commands (`flask --app wsgi ...`): the contract in shared/DESIGN.md."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .extensions import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(questionnaires_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(import_submissions)
    app.cli.add_command(report)
    app.cli.add_command(purge_free_text)
    app.cli.add_command(export)


questionnaires_cli = AppGroup("questionnaires", help="Check and load questionnaire files.")


@questionnaires_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path())
def questionnaires_check(paths: tuple[str, ...]) -> None:
    """Validate files (default: all under questionnaires/, the performance targets included); one
    line per problem as PATH:LINE: message."""
    from .questionnaires import check_file, check_folder
    from .questionnaires.check import TARGETS_FILE, questionnaire_paths
    from .reports.targets import check_targets_file

    folder = Path(current_app.config["QUESTIONNAIRE_DIR"])
    targets = ""
    if paths:
        problems = []
        for path in paths:
            p = Path(path)
            problems.extend(check_targets_file(p) if p.name == TARGETS_FILE else check_file(p, audio_dir=p.parent / "audio").problems)
        count = len(paths)
    else:
        catalogue = check_folder(folder)
        problems = catalogue.problems
        count = len(questionnaire_paths(folder))
        if (folder / TARGETS_FILE).exists():
            problems = [*problems, *check_targets_file(folder / TARGETS_FILE)]
            targets = f", and the targets ({TARGETS_FILE})"
    for problem in problems:
        click.echo(str(problem))
    checked = [c for c in ([check_file(Path(p)) for p in paths if Path(p).name != TARGETS_FILE] if paths else catalogue.files.values())
               if c.questionnaire is not None and not c.problems]
    for line in _recording_info(checked):
        click.echo(line)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len({p.path for p in problems})} of {count + bool(targets)} file(s)", err=True)
        sys.exit(1)
    click.echo(f"{count} file(s) OK{targets}", err=True)


def _recording_info(checked: list) -> list[str]:
    """Information, not problems (the exit status stays): per dialect, the prompts of each valid
    file without an approved recording (the audio studio's coverage).  Nothing without a
    database, before its tables exist, or with no dialects."""
    from .audio.prompts import prompts
    from .audio.service import missing_by_dialect

    lines: list[str] = []
    try:
        for c in checked:
            ps = prompts(c.questionnaire)
            for dialect, missing in missing_by_dialect(db.session, c.questionnaire.id, ps):
                lines.append(f"{_shown(c.path)}: info: dialect {dialect.code} ({dialect.name}): "
                             f"{missing} of {len(ps)} prompts without an approved recording")
    except Exception:  # noqa: BLE001 - no database, or not migrated yet: the check stays a file check
        db.session.rollback()
        return []
    return lines


def _shown(path: str) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


@questionnaires_cli.command("load")
def questionnaires_load() -> None:
    """Load every valid file; a changed file becomes a new version.  Bad files are refused
    (listed, exit status 1) and the rest are loaded."""
    from .instruments import load_folder

    report = load_folder(db.session, Path(current_app.config["QUESTIONNAIRE_DIR"]))
    db.session.commit()
    for qid, version in report.created:
        click.echo(f"loaded {qid} version {version}")
    for qid, version in report.unchanged:
        click.echo(f"unchanged {qid} version {version}")
    for problem in report.problems:
        click.echo(str(problem), err=True)
    if report.problems:
        sys.exit(1)


users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "county", "team", "collector"]), required=True)
@click.option("--county", "county_code", help="county code (GB/T 2260), for role county")
@click.option("--team", "team_code", help="team code, for roles team and collector")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def users_create(username: str, role: str, county_code: str | None, team_code: str | None, password_stdin: bool) -> None:
    """Create a staff account."""
    from .auth.passwords import hash_password, password_problem
    from .models import County, Team, User
    from .models.audit import record

    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"user {username!r} already exists")
    county = team = None
    if role == "county":
        if not county_code:
            raise click.ClickException("role county needs --county CODE")
        county = db.session.scalar(select(County).where(County.code == county_code))
        if county is None:
            raise click.ClickException(f"no county with code {county_code!r}")
    if role in ("team", "collector"):
        if not team_code:
            raise click.ClickException(f"role {role} needs --team CODE")
        team = db.session.scalar(select(Team).where(Team.code == team_code))
        if team is None:
            raise click.ClickException(f"no team with code {team_code!r}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
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
    from .auth.sessions import disable_user
    from .models import User

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
    from .auth.passwords import hash_password, password_problem
    from .auth.sessions import set_password
    from .models.audit import record

    user = _user(username)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    ended, revoked = set_password(db.session, user, hash_password(password), temporary=not permanent)
    record("user.password", target=username, sessions_ended=ended, tokens_revoked=revoked, temporary=not permanent, via="cli")
    db.session.commit()
    click.echo(f"password set for {username}; {ended} session(s) ended, {revoked} token(s) revoked"
               + ("" if permanent else "; it is temporary: the user chooses their own at the next login"))


@users_cli.command("unlock")
@click.argument("username")
def users_unlock(username: str) -> None:
    """Lift a login lock at once (a lock otherwise ends on its own, later each time)."""
    from .auth.lockout import unlock

    key = unlock(db.session, username, via="cli")
    db.session.commit()
    click.echo(f"unlocked {key}")


@users_cli.command("mfa-enroll")
@click.argument("username")
def users_mfa_enroll(username: str) -> None:
    """Give the user a new authenticator secret, in force at once (their old one, if any, ends).
    Prints ten recovery codes, then the otpauth:// URI alone on the last line: hand it to the
    user as a QR code (e.g. `qrencode -t ansiutf8`) or open /account to show it."""
    from .auth import mfa
    from .models.audit import record

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
    from .auth import mfa
    from .models.audit import record

    user = _user(username)
    mfa.reset(db.session, user)
    record("mfa.reset", target=username, via="cli")
    db.session.commit()
    click.echo(f"second factor reset for {username}")


def _user(username: str) -> Any:
    from .models import User

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
    from .auth.tokens import issue_token
    from .models import User
    from .models.audit import record

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
    from .auth.tokens import revoke_user_tokens
    from .models import User
    from .models.audit import record

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    count = revoke_user_tokens(db.session, user)
    record("token.revoke", actor_id=user.id, target=username, count=count)
    db.session.commit()
    click.echo(f"revoked {count} token(s) of {username}")


@click.command("seed-demo")
@click.option("--responses", default=2000, show_default=True, help="number of responses to generate")
@click.option("--seed", default=2026, show_default=True, help="random seed")
@click.option("--if-empty", is_flag=True, help="generate responses only when there are none yet (for `make run`)")
def seed_demo(responses: int, seed: int, if_empty: bool) -> None:
    """Create the demo programme (10 counties, teams, sites, users) and N responses."""
    from .demo.seed import login_lines, seed_programme, seed_responses
    from .demo.studio import seed_recordings
    from .models import Response

    created = seed_programme(db.session)
    db.session.commit()
    click.echo("demo programme created" if created else "demo programme already present")
    recorded = seed_recordings(db.session)
    db.session.commit()
    if recorded:
        click.echo(f"demo dialect 凤凰湘西话 (fh-xx): {recorded} prompt recordings approved")
    for line in login_lines():
        click.echo(line)
    if if_empty and db.session.scalar(select(Response.id).limit(1)) is not None:
        click.echo("responses already present; none generated")
        return
    if responses:
        made = seed_responses(db.session, responses, seed=seed)
        db.session.commit()
        click.echo(f"{made} responses generated")


@click.command("import-submissions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", required=True, help="the staff account the import is done as (its scope applies)")
def import_submissions(file: str, username: str) -> None:
    """Import a queue exported from a tablet; what is already on the server is not stored twice."""
    from .auth.scope import Scope
    from .models import User
    from .submissions.imports import ImportFileError, import_items, read_export, summary

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(f"no active user {username!r}")
    try:
        items = read_export(Path(file).read_bytes())
    except ImportFileError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    results = import_items(db.engine, items, Scope.of(user))
    for r in results:
        detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in r.errors.items())
        click.echo(f"{r.index}\t{r.kind}\t{r.uuid}\t{r.status}" + (f"\t{detail}" if detail else ""))
    counts = summary(results)
    click.echo(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to import")
    if any(r.status in ("invalid", "conflict", "forbidden") for r in results):
        raise SystemExit(1)


@click.command("report")
@click.option("--scope", "scope_text", required=True, help="programme, county:CODE (GB/T 2260) or team:CODE")
@click.option("--round", "round_year", type=int, help="one round (its year); default: every round")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True), help="the PDF file to write")
def report(scope_text: str, round_year: int | None, out: str) -> None:
    """Write a PDF assessment report, as the programme office; a stored copy of the same report
    of unchanged data is reused.  Prints the file's path."""
    from .analysis.figures import PlaceError
    from .auth.scope import Scope
    from .models.audit import record
    from .reports import jobs
    from .reports.request import ReportRequest

    office = Scope(user_id=0, role="admin", county_id=None, team_id=None)
    try:
        request = ReportRequest.parse(scope_text, round_year)
        request.place(db.session, office)
    except PlaceError as exc:
        what = f"round {round_year}" if exc.field == "round" else scope_text
        raise click.ClickException(f"{what}: {exc}") from None
    except ValueError as exc:
        raise click.ClickException(f"{scope_text!r}: {exc}") from None
    started = jobs.start(request, office)
    db.session.rollback()  # the data version's read: no transaction held while the report is made
    folder = jobs.reports_dir(current_app)
    job = jobs.wait(folder, started.key)
    if job is None or job.state != "done":
        raise click.ClickException(job.error if job else "the report job vanished; try again")
    jobs.write_atomic(Path(out), jobs.pdf_path(folder, job.key).read_bytes())
    record("report.download", target=request.text, round=request.round_year, key=job.key, via="cli")
    db.session.commit()
    click.echo(str(Path(out)))


@click.command("purge-free-text")
@click.option("--days", type=int, default=None,
              help="keep free text this many days after a response arrived (default: FREE_TEXT_RETENTION_DAYS)")
def purge_free_text(days: int | None) -> None:
    """Delete free-text answers older than the retention period; scores and choices stay.  Run it
    daily (cron or a systemd timer): docs/SECURITY.md."""
    import datetime as dt

    from .models.audit import record
    from .submissions.retention import purge_free_text as purge

    days = days if days is not None else current_app.config.get("FREE_TEXT_RETENTION_DAYS")
    if days is None:
        raise click.ClickException("no retention period: set FREE_TEXT_RETENTION_DAYS or pass --days N")
    if days < 0:
        raise click.ClickException("--days must be 0 or more")
    before = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    done = purge(db.session, before)
    record("retention.purge", target="free text", days=days, before=before.isoformat(), responses=done.responses,
           answers=done.answers)
    db.session.commit()
    click.echo(f"free text deleted from {done.responses} responses ({done.answers} answers) received before {before:%Y-%m-%d %H:%M} UTC")


@click.command("export")
@click.option("--questionnaire", "questionnaire", required=True, help="questionnaire id, e.g. awareness")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True, help="csv (UTF-8 with BOM) or xlsx")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True), help="the file to write")
@click.option("--labels", is_flag=True, help="answers as their labels instead of their codes")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="the labels' language, with --labels")
@click.option("--county", "county_code", help="only this county (GB/T 2260 code)")
@click.option("--team", "team_code", help="only this team (team code)")
def export(questionnaire: str, fmt: str, out: str, labels: bool, lang: str, county_code: str | None, team_code: str | None) -> None:
    """Export a questionnaire's responses with their codebook, as the programme office (every
    county unless --county or --team).  Prints the number of responses and the file's path."""
    import datetime as dt

    from .analysis.figures import PlaceError
    from .auth.scope import Scope
    from .exports import service

    office = Scope(user_id=0, role="admin", county_id=None, team_id=None)
    try:
        found = service.prepare(db.session, office, questionnaire, county_code, team_code, lang if labels else "codes")
    except service.NoSuchQuestionnaire:
        raise click.ClickException(f"no questionnaire {questionnaire!r}") from None
    except PlaceError as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from None
    service.audit(found, fmt, actor_id=None, via="cli")
    db.session.commit()  # recorded before the first row is read, as on the page
    service.write_file(db.engine, found, fmt, Path(out), dt.datetime.now(dt.UTC))
    click.echo(f"{found.rows} responses ({found.scope}) -> {out}", err=True)
    click.echo(str(Path(out)))
