"""`flask --app wsgi seed-demo|import-submissions|purge-free-text`: the data itself, in and out
(contract in shared/DESIGN.md; `report` and `export` have modules of their own)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from ..extensions import db


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
