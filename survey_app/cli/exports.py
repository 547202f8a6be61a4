"""`flask --app wsgi export`: a questionnaire's responses as a file (contract in shared/DESIGN.md)."""
from __future__ import annotations

from pathlib import Path

import click

from ..extensions import db


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
