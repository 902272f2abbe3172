"""Configuration comes from the environment; production refuses to start without secrets."""

import pytest

import config
from coalition_app import create_app


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("COALITION_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_to_start_without_a_database_url(monkeypatch):
    monkeypatch.setenv("COALITION_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app()


def test_production_uses_secure_cookies_and_the_given_settings(monkeypatch):
    monkeypatch.setenv("COALITION_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app()
    assert app.config["SECRET_KEY"] == "s" * 32
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_development_secret_key_is_generated_once_and_kept(tmp_path):
    first = config.development_secret_key(tmp_path)
    assert len(first) >= 64
    assert config.development_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_development_defaults_to_an_sqlite_file_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "dev")
    settings = config.Config()
    assert settings.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert settings.SQLALCHEMY_DATABASE_URI.endswith("instance/coalition.sqlite3")


def test_database_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("SECRET_KEY", "dev")
    assert config.Config().SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@h/db"
