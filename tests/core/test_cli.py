"""The commands the README promises."""

from sqlalchemy import func, select

from models import Institution, User


def test_seed_command_twice_gives_the_same_database(app, db_session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    counts = (
        db_session.scalar(select(func.count()).select_from(Institution)),
        db_session.scalar(select(func.count()).select_from(User)),
    )
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0, second.output
    assert first.output == second.output
    assert counts == (
        db_session.scalar(select(func.count()).select_from(Institution)),
        db_session.scalar(select(func.count()).select_from(User)),
    )
    assert counts[0] >= 110


def test_db_upgrade_and_check_commands(tmp_path):
    from click.testing import CliRunner

    from coalition_app import create_app
    from config import TestConfig

    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'cli.sqlite3'}"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert isinstance(runner, CliRunner)
