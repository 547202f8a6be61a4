"""`flask --app wsgi export`: a questionnaire's responses as a file (contract in shared/DESIGN.md)."""
from __future__ import annotations

from pathlib import Path

import click

from ..extensions import db


@click.command("export")
@click.option("--questionnaire", "questionnaire", required=True, help="questionnaire id, e.g. awareness")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "sav", "dta"]), required=True,
              help="csv (UTF-8 with BOM), xlsx, sav (SPSS) or dta (Stata 14+)")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True), help="the file to write")
@click.option("--labels", is_flag=True,
              help="csv/xlsx for reading: headers, answers, places, wave and excluded in words, indices to one decimal"
                   " (sav/dta always hold codes with their labels)")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="the labels' language: with --labels, and of a sav/dta file's variable and value labels")
@click.option("--county", "county_code", help="only this county (GB/T 2260 code)")
@click.option("--team", "team_code", help="only this team (team code)")
def export(questionnaire: str, fmt: str, out: str, labels: bool, lang: str, county_code: str | None, team_code: str | None) -> None:
    """Export a questionnaire's responses, as the programme office (every county unless --county
    or --team): codes for analysts, or with --labels a sheet a county clerk reads; sav and dta
    carry codes with variable and value labels.  Prints the number of responses and the file's
    path."""
    import datetime as dt

    from ..auth.places import PlaceError
    from ..auth.scope import Scope
    from ..exports import service

    office = Scope.office()
    try:
        # a sav/dta file holds codes whatever is asked; --lang is the language of its labels
        values = lang if labels or fmt in service.TABLE_FORMATS else "codes"
        found = service.prepare(db.session, office, questionnaire, county_code, team_code, values)
    except service.NoSuchQuestionnaire:
        raise click.ClickException(f"no questionnaire {questionnaire!r}") from None
    except PlaceError as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from None
    service.audit(found, fmt, actor_id=None, via="cli")
    db.session.commit()  # recorded before the first row is read, as on the page
    service.write_file(db.engine, found, fmt, Path(out), dt.datetime.now(dt.UTC))
    click.echo(f"{found.rows} responses ({found.scope}) -> {out}", err=True)
    click.echo(str(Path(out)))
