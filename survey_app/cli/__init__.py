"""Flask commands (`flask --app wsgi ...`): the contract in shared/DESIGN.md."""
from __future__ import annotations

from flask import Flask

from .accounts import tokens_cli, users_cli
from .data import import_submissions, purge_free_text, seed_demo
from .exports import export
from .operations import backup, restore, worker
from .questionnaires import questionnaires_cli
from .reports import report


def register_cli(app: Flask) -> None:
    for command in (questionnaires_cli, users_cli, tokens_cli, seed_demo, import_submissions, report, purge_free_text, export,
                    backup, restore, worker):
        app.cli.add_command(command)
