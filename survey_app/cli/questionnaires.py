"""`flask --app wsgi questionnaires check|load|import-xlsform|export-xlsform`: the questionnaire files
(contract in shared/DESIGN.md)."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

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


@questionnaires_cli.command("import-xlsform")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="the questionnaire file to write, PATH/ID.yaml")
@click.option("--force", is_flag=True, help="replace an existing file that holds another questionnaire")
def import_xlsform(source: str, out: str, force: bool) -> None:
    """Read an XLSForm (KoboToolbox, ODK: survey, choices and settings sheets) and write it as our
    questionnaire file.  What cannot be carried over is listed, one line per problem as
    FILE.xlsx:SHEET!ROW: message, with exit status 1; then nothing is written.  An existing
    file is replaced only with --force (an unchanged questionnaire is left as it is)."""
    from ..files import write_atomic
    from ..questionnaires import check_file
    from ..questionnaires.xlsform import read_xlsform

    name = Path(source).name
    target = Path(out)
    if target.suffix not in (".yaml", ".yml") or not target.parent.is_dir():
        _fail(f"--out must be a .yaml file in an existing folder (questionnaires/ID.yaml), not {out}")
    result = read_xlsform(Path(source).read_bytes(), name, audio_dir=target.parent / "audio")
    for problem in result.problems:
        click.echo(str(problem))
    if result.problems or result.definition is None:
        _fail(f"{len(result.problems)} problem(s) in {name}; nothing written")
    qid = result.definition["id"]
    if target.stem != qid:
        click.echo(f"{name}:settings: 问卷编号（form_id）是 {qid}，文件名要和它一样：--out {target.parent / (qid + '.yaml')}")
        _fail("nothing written")
    if target.exists():
        existing = check_file(target)
        if existing.definition == result.definition:
            click.echo(f"unchanged {target}: it already holds this questionnaire")
            return
        if not force:
            _fail(f"{target} exists and holds another questionnaire (or version of it); --force replaces it")
    write_atomic(target, result.yaml_text.encode("utf-8"))
    questions = sum(len(s["questions"]) for s in result.definition["sections"])
    click.echo(f"wrote {target}: {qid}, {len(result.definition['sections'])} section(s), {questions} question(s)")
    click.echo("next: flask --app wsgi questionnaires check, then questionnaires load", err=True)


@questionnaires_cli.command("export-xlsform")
@click.argument("qid")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="the .xlsx file to write")
def export_xlsform(qid: str, out: str) -> None:
    """Write a questionnaire as an XLSForm for KoboToolbox or ODK: the current version in the
    database, or, when the database does not have it, the file questionnaires/QID.yaml."""
    from ..files import write_atomic
    from ..questionnaires.xlsform import ExportError, write_xlsform
    from ..questionnaires.xlsform.judge import judge

    target = Path(out)
    if target.suffix != ".xlsx" or not target.parent.is_dir():
        _fail(f"--out must be an .xlsx file in an existing folder, not {out}")
    definition, source = _definition_to_export(qid)
    try:
        data = write_xlsform(definition)
    except ExportError as exc:
        for line in str(exc).splitlines():
            click.echo(f"{qid}: {line}")
        _fail("nothing written")
    refused = judge(data, target.name)
    if refused is not None:  # never hand a partner a form ODK would not take
        click.echo(str(refused))
        _fail("pyxform does not convert the export; nothing written")
    write_atomic(target, data)
    click.echo(f"wrote {target} from {source}")


def _definition_to_export(qid: str) -> tuple[dict, str]:
    from sqlalchemy.exc import SQLAlchemyError

    from ..instruments import find_version
    from ..models import Questionnaire
    from ..questionnaires import check_file

    try:
        stored = db.session.get(Questionnaire, qid)
        version = find_version(db.session, qid, stored.current_version) if stored is not None else None
    except SQLAlchemyError:  # no database here, or not migrated: the file is the questionnaire
        db.session.rollback()
        version = None
    if version is not None:
        return dict(version.definition), f"the database ({qid} version {version.version})"
    path = Path(current_app.config["QUESTIONNAIRE_DIR"]) / f"{qid}.yaml"
    if not path.is_file():
        _fail(f"no questionnaire {qid!r}: not in the database, and no file {path}")
    checked = check_file(path, audio_dir=path.parent / "audio")
    for problem in checked.problems:
        click.echo(str(problem))
    if checked.problems or checked.definition is None:
        _fail(f"{path} has problems; nothing written")
    assert checked.definition is not None
    return checked.definition, f"{_shown(str(path))} (not in the database)"


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(1)
