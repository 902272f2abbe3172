"""Commands for `flask --app wsgi ...`: schema migrations and seed data."""

from __future__ import annotations

import click
from alembic import command
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import clock, migrations
from .db import unit_of_work


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(seed_command)
    app.cli.add_command(deliver_mail_command)
    from ..notifications.cli import send_digests_command, send_reminders_command

    app.cli.add_command(send_digests_command)
    app.cli.add_command(send_reminders_command)
    from ..network.synthetic import seed_synthetic_command

    app.cli.add_command(seed_synthetic_command)
    app.cli.add_command(export_data_command)
    app.cli.add_command(import_data_command)


def _database_url() -> str:
    url: str = current_app.config["SQLALCHEMY_DATABASE_URI"]
    return url


@click.group("db", help="Manage the database schema with Alembic migrations.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Migrate the schema to a revision (default: the newest).")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    migrations.upgrade(_database_url(), revision)


@db_group.command("downgrade", help="Migrate the schema back to a revision.")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    migrations.downgrade(_database_url(), revision)


@db_group.command("current", help="Show the schema's current revision.")
@with_appcontext
def db_current() -> None:
    command.current(migrations.alembic_config(_database_url()), verbose=True)


@db_group.command("revision", help="Write a new migration, compared against the models.")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
@with_appcontext
def db_revision(message: str, autogenerate: bool) -> None:
    command.revision(
        migrations.alembic_config(_database_url()), message=message, autogenerate=autogenerate
    )


@db_group.command("check", help="Fail if the models differ from the migrated schema.")
@with_appcontext
def db_check() -> None:
    command.check(migrations.alembic_config(_database_url()))


@click.command("seed", help="Load the coalition's reference, real and demo data (idempotent).")
@click.option("--no-demo", is_flag=True, help="Only reference and real data, no demo content.")
@with_appcontext
def seed_command(no_demo: bool) -> None:
    from seeds import load_all

    with unit_of_work() as session:
        summary = load_all(
            session,
            demo=not no_demo,
            password_hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            today=clock.today(),
        )
    for name, count in summary.items():
        click.echo(f"{name}: {count}")


@click.command("deliver-mail", help="Send the queued e-mail that is due (retries included).")
@click.option("--loop", is_flag=True, help="Keep going, every --every seconds (a worker).")
@click.option("--every", default=30, show_default=True, help="Seconds between rounds.")
@with_appcontext
def deliver_mail_command(loop: bool, every: int) -> None:
    import time

    from . import outbox

    while True:
        report = outbox.deliver_due()
        if report.sent or report.retried or report.failed or not loop:
            click.echo(
                f"sent: {report.sent}, to retry: {report.retried}, failed: {report.failed}, "
                f"queued: {outbox.pending_count()}"
            )
        if not loop:
            return
        time.sleep(every)


@click.command("export-data", help="Write every table to one JSON document (a backup).")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_data_command(path: str) -> None:
    from pathlib import Path

    from flask import current_app

    from .backup import dumps, export_data
    from .db import get_database

    with get_database().engine.connect() as connection:
        document = export_data(connection, Path(current_app.config["STORAGE_DIR"]))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(dumps(document))
    rows = sum(len(rows) for rows in document["tables"].values())
    click.echo(
        f"Exported {rows} rows from {len(document['tables'])} tables and "
        f"{len(document['files'])} stored files to {path}."
    )
    if document["missing_files"]:
        click.echo(
            f"Warning: {len(document['missing_files'])} attachments have no stored file in "
            "STORAGE_DIR (listed under missing_files).",
            err=True,
        )


@click.command("import-data", help="Restore an export-data file into an empty database.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_data_command(path: str) -> None:
    import json
    from pathlib import Path

    from flask import current_app

    from .backup import ImportRefused, import_data
    from .db import get_database

    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    try:
        with get_database().engine.begin() as connection:
            counts = import_data(connection, document, Path(current_app.config["STORAGE_DIR"]))
    except ImportRefused as error:
        raise click.ClickException(str(error)) from None
    files = counts.pop("files")
    click.echo(
        f"Imported {sum(counts.values())} rows into {len(counts)} tables and {files} stored files."
    )
