"""`flask --app wsgi seed-demo|import-submissions|report|purge-free-text|export`: the data
itself, in and out (contract in shared/DESIGN.md)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..files import write_atomic


@click.command("seed-demo")
@click.option("--responses", default=2000, show_default=True, help="number of responses to generate")
@click.option("--seed", default=2026, show_default=True, help="random seed")
@click.option("--if-empty", is_flag=True, help="generate responses only when there are none yet (for `make run`)")
def seed_demo(responses: int, seed: int, if_empty: bool) -> None:
    """Create the demo programme (10 counties, teams, sites, users) and N responses."""
    from ..demo.seed import login_lines, seed_programme, seed_responses
    from ..demo.studio import seed_recordings
    from ..models import Response

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
        from ..backup import analyze

        analyze(db.engine)
        click.echo(f"{made} responses generated")


@click.command("import-submissions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", required=True, help="the staff account the import is done as (its scope applies)")
def import_submissions(file: str, username: str) -> None:
    """Import a queue exported from a tablet; what is already on the server is not stored twice."""
    from ..auth.scope import Scope
    from ..models import User
    from ..submissions.imports import ImportFileError, import_items, read_export, summary

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
    from ..auth.places import PlaceError
    from ..auth.scope import Scope
    from ..models.audit import record
    from ..reports import jobs
    from ..reports.request import ReportRequest

    office = Scope.office()
    try:
        request = ReportRequest.parse(scope_text, round_year)
        request.place(db.session, office)
    except PlaceError as exc:
        what = f"round {round_year}" if exc.field == "round" else scope_text
        raise click.ClickException(f"{what}: {exc}") from None
    except ValueError as exc:
        raise click.ClickException(f"{scope_text!r}: {exc}") from None
    started = jobs.start(request)
    db.session.rollback()  # the data version's read: no transaction held while the report is made
    if started.state == "queued":
        # Built here, now, with the same time limit as a worker's (a worker may have claimed it first).
        from ..reports.runner import run_job

        run_job(current_app._get_current_object(), started.key, started.run, retry=False)  # type: ignore[attr-defined]
    job = jobs.wait(db.session, started.key)
    if job is None or job.state != "done":
        raise click.ClickException(job.error if job else "the report job vanished; try again")
    pdf = jobs.pdf_of(db.session, job.key)
    if pdf is None:
        raise click.ClickException("the report was deleted as an old copy meanwhile; try again")
    write_atomic(Path(out), pdf)
    record("report.download", target=request.text, round=request.round_year, key=job.key, via="cli")
    db.session.commit()
    click.echo(str(Path(out)))


@click.command("purge-free-text")
@click.option("--days", type=int, default=None,
              help="keep free text this many days after a response arrived (default: FREE_TEXT_RETENTION_DAYS)")
def purge_free_text(days: int | None) -> None:
    """Delete free-text answers older than the retention period; scores and choices stay.  Run it
    daily: the report worker does at 03:17 China time (docs/SECURITY.md)."""
    from ..models.types import utcnow
    from ..reports.jobs import forget_made_before
    from ..submissions.retention import purge_and_record

    days = days if days is not None else current_app.config.get("FREE_TEXT_RETENTION_DAYS")
    if days is None:
        raise click.ClickException("no retention period: set FREE_TEXT_RETENTION_DAYS or pass --days N")
    if days < 0:
        raise click.ClickException("--days must be 0 or more")
    done, before = purge_and_record(db.session, days, via="cli")
    if done.answers:
        reports = forget_made_before(db.session.connection(), utcnow())  # they may quote what is gone
        db.session.commit()
        click.echo(f"{reports} stored reports deleted (they may have quoted the deleted text)")
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

    from ..auth.places import PlaceError
    from ..auth.scope import Scope
    from ..exports import service

    office = Scope.office()
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
