"""`GET /api/v1/growth`: how the coalition grew, as the growth dashboard shows it."""

from __future__ import annotations

from datetime import date

from flask_login import current_user

from ..api.blueprint import bp
from ..api.helpers import answer
from ..api.openapi import operation
from ..policy import authorize
from . import series as growth
from .schemas import Growth


@bp.get("/growth")
@operation(
    "GET",
    summary="How the coalition grew: members by sector at each month end, and more",
    tag="growth",
    responses={200: ("The growth series", Growth)},
)
def growth_series():
    authorize(current_user, "view_directory")
    today = date.today()
    return answer(Growth.of(growth.load(today), today))
