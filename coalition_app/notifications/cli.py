"""Commands for cron: daily reminders and weekly digests. Each runs as one unit of work."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from ..core import clock
from ..core.db import unit_of_work
from . import service


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else clock.today()


@click.command("send-digests", help="Send each group's weekly digest (once per ISO week; cron).")
@click.option("--date", "day", default=None, help="The day to send for (YYYY-MM-DD; today).")
@with_appcontext
def send_digests_command(day: str | None) -> None:
    with unit_of_work():
        sent = service.send_digests(_day(day))
    if not sent:
        click.echo("No digest to send: every group already has this week's.")
    for group, recipients in sent.items():
        click.echo(f"{group}: {recipients} recipients")


@click.command("send-reminders", help="Notify due-soon, overdue and stale work (daily; cron).")
@click.option("--date", "day", default=None, help="The day to check (YYYY-MM-DD; today).")
@with_appcontext
def send_reminders_command(day: str | None) -> None:
    with unit_of_work():
        counts = service.send_reminders(_day(day))
    for kind, count in counts.items():
        click.echo(f"{kind}: {count}")
