"""Configuration comes from the environment; production refuses to start without secrets."""

import pytest

import config
from coalition_app import create_app


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("COALITION_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BASE_URL", "https://coalition.example")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_to_start_without_a_database_url(monkeypatch):
    monkeypatch.setenv("COALITION_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("BASE_URL", "https://coalition.example")
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app()


def test_production_uses_secure_cookies_and_the_given_settings(monkeypatch):
    monkeypatch.setenv("COALITION_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BASE_URL", "https://coalition.example")
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


def _production(monkeypatch, **env):
    monkeypatch.setenv("COALITION_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_production_refuses_to_start_without_a_base_url(monkeypatch):
    _production(monkeypatch, BASE_URL=None)
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app()
    _production(monkeypatch, BASE_URL="coalition.example/no-scheme")
    with pytest.raises(RuntimeError, match="BASE_URL must be a full address"):
        create_app()


def test_production_answers_only_to_the_base_url_host_and_the_listed_hosts(monkeypatch):
    _production(
        monkeypatch,
        BASE_URL="https://coalition.example/",
        TRUSTED_HOSTS="www.coalition.example, internal.lan",
    )
    app = create_app()
    assert app.config["BASE_URL"] == "https://coalition.example"
    assert app.config["TRUSTED_HOSTS"] == [
        "coalition.example",
        "www.coalition.example",
        "internal.lan",
    ]


def test_development_needs_no_base_url_and_trusts_any_host(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "dev")
    monkeypatch.delenv("BASE_URL", raising=False)
    settings = config.Config()
    assert settings.BASE_URL is None and settings.TRUSTED_HOSTS is None
    monkeypatch.setenv("BASE_URL", "http://192.168.1.20:5000/")
    assert config.Config().BASE_URL == "http://192.168.1.20:5000"
