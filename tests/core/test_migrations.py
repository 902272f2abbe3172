"""The migrations build the schema from nothing, and the models match them exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from coalition_app.core.db import make_engine
from models import Base, Sector, State
from tests.databases import fresh_database_url


def test_upgrade_from_empty_builds_every_table(tmp_path):
    url = fresh_database_url("migrations", tmp_path)
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert "alembic_version" in tables
    finally:
        engine.dispose()


def test_models_match_the_migrations(empty_database_url):
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_the_first_migration_brings_the_reference_lists(db_session):
    sectors = db_session.scalars(select(Sector.slug).order_by(Sector.position)).all()
    assert sectors == [
        "government",
        "industry",
        "civil_society",
        "academia",
        "international_cooperation",
    ]
    states = db_session.scalars(select(State.code)).all()
    assert len(states) == 33 and "EXT" in states and "MX-YUC" in states
