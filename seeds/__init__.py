"""Seed data for the coalition: reference lists, real institutions and demo content.

`load_all(session)` loads everything idempotently; see `seeds/data/README.md` for which
columns are facts and which are illustrative.
"""

from .loader import DATA_DIR, DEMO_PASSWORD, SeedDataError, count_rows, load_all, read_seed_data

__all__ = [
    "DATA_DIR",
    "DEMO_PASSWORD",
    "SeedDataError",
    "count_rows",
    "load_all",
    "read_seed_data",
]
