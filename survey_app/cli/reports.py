"""`flask --app wsgi report`: the assessment report as a file (contract in shared/DESIGN.md)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from ..extensions import db
from ..files import write_atomic

#: what each kind of file is called, to catch `--format docx --out x.pdf` before anything is built
_SUFFIXES = {".pdf", ".docx", ".zip"}


@click.command("report")
@click.option("--scope", "scope_text", required=True,
              help="programme, county:CODE (GB/T 2260), team:CODE, or all-counties (every county's report in one ZIP)")
@click.option("--round", "round_year", type=int, help="one round (its year); default: every round")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="the file to write: FILE.pdf, FILE.docx, or FILE.zip for all-counties")
@click.option("--format", "fmt", default=None, metavar="pdf|docx|both",
              help="pdf (the default) or docx (Word, editable); for all-counties what the ZIP holds: both (the default), pdf or docx")
def report(scope_text: str, round_year: int | None, out: str, fmt: str | None) -> None:
    """Write an assessment report, as the programme office: a PDF, a Word document, or every
    county's reports for a round in one ZIP (--scope all-counties).  A stored copy of the same
    report of unchanged data is reused.  Prints the file's path."""
    from ..auth.places import PlaceError
    from ..auth.scope import Scope
    from ..models.audit import record
    from ..reports import jobs
    from ..reports.request import ReportRequest

    office = Scope.office()
    try:
        request = ReportRequest.parse(scope_text, round_year, fmt)
        request.place(db.session, office)
    except PlaceError as exc:
        what = f"round {round_year}" if exc.field == "round" else scope_text
        raise click.ClickException(f"{what}: {exc}") from None
    except ValueError as exc:
        raise click.ClickException(f"{scope_text!r}: {exc}") from None
    suffix = Path(out).suffix.lower()
    wanted = f".{request.file_type.extension}"
    if suffix in _SUFFIXES and suffix != wanted:
        raise click.ClickException(f"--out {out}: this report is a {wanted} file (--format {request.format})")
    started = jobs.start(request)
    db.session.rollback()  # the data version's read: no transaction held while the report is made
    if started.state == "queued":
        # Built here, now, with the same time limit as a worker's (a worker may have claimed it first).
        from ..reports.runner import run_job

        run_job(current_app._get_current_object(), started.key, started.run, retry=False)  # type: ignore[attr-defined]
    job = jobs.wait(db.session, started.key)
    if job is None or job.state != "done":
        raise click.ClickException(job.error if job else "the report job vanished; try again")
    data = jobs.file_of(db.session, job.key)
    if data is None:
        raise click.ClickException("the report was deleted as an old copy meanwhile; try again")
    write_atomic(Path(out), data)
    record("report.download", target=request.text, round=request.round_year, format=request.format, key=job.key, via="cli")
    db.session.commit()
    click.echo(str(Path(out)))
