"""`flask --app wsgi questionnaires check|load`: the questionnaire files (contract in shared/DESIGN.md)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db

questionnaires_cli = AppGroup("questionnaires", help="Check and load questionnaire files.")


@questionnaires_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path())
def questionnaires_check(paths: tuple[str, ...]) -> None:
    """Validate files (default: all under questionnaires/, the performance targets included); one
    line per problem as PATH:LINE: message."""
    from ..questionnaires import check_file, check_folder
    from ..questionnaires.check import TARGETS_FILE, questionnaire_paths
    from ..reports.targets import check_targets_file

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
    from ..audio.prompts import prompts
    from ..audio.service import missing_by_dialect

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
    from ..instruments import load_folder

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
