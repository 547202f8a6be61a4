"""`flask --app wsgi backup --out FILE` and `restore FILE --yes`: the whole database in one file
and back (contract in shared/DESIGN.md; the schedule in docs/DEPLOYMENT.md); `worker`, the
report worker."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import current_app

from ..extensions import db


@click.command("backup")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True), help="the backup file to write")
def backup(out: str) -> None:
    """Back up the whole database (safe while the app serves)."""
    from ..backup import BackupError, make_backup
    from ..models.audit import record

    target = Path(out).resolve()
    # audited first, so the file holds its own making
    record("backup.create", target=str(target)[:200])
    db.session.commit()
    try:
        manifest = make_backup(db.engine, target, dt.datetime.now(dt.UTC))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{target}: {manifest.engine}, schema {manifest.revision}, " + _counts(manifest.counts))


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="replace every row of this installation's database with the backup's")
def restore(file: str, yes: bool) -> None:
    """Replace the whole database with a backup's (stop the app servers first)."""
    from ..backup import BackupError, check_fits, read_manifest, restore_backup
    from ..health import code_heads
    from ..models.audit import record

    path = Path(file).resolve()
    try:
        manifest = read_manifest(path)
        check_fits(manifest, path, db.engine, ",".join(sorted(code_heads())))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{path}: made {manifest.created_at}, {manifest.engine}, schema {manifest.revision}, " + _counts(manifest.counts))
    if not yes:
        raise click.ClickException("a restore replaces every row of this database with the backup's: run it again with --yes")
    db.session.remove()
    try:
        restore_backup(db.engine, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    record("backup.restore", target=str(path)[:200], backup_created_at=manifest.created_at, counts=manifest.counts)
    db.session.commit()
    click.echo("restored; tablets send again, on their next sync, what they delivered after the backup was made")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {table}" for table, n in counts.items())


@click.command("worker")
@click.option("--threads", type=click.IntRange(1, 16), default=1, show_default=True,
              help="reports built at once by this process (each in a child process of its own)")
@click.option("--poll", type=click.FloatRange(0.1, 60), default=1.0, show_default=True,
              help="longest pause, in seconds, between looks at an empty queue")
def worker(threads: int, poll: float) -> None:
    """The report worker: builds the PDF reports people ask for, and purges old free text daily
    (FREE_TEXT_RETENTION_DAYS).  Runs until SIGTERM or Ctrl-C, finishing the builds at work."""
    import logging

    from ..reports.queue import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    Worker(current_app._get_current_object(), workers=threads, poll=poll).run()  # type: ignore[attr-defined]
