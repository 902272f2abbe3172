"""`GET /api/v1/growth`: how the coalition grew, as the growth dashboard shows it."""

from __future__ import annotations

from flask_login import current_user

from ..api.blueprint import bp
from ..api.helpers import answer
from ..api.openapi import operation
from ..core import clock
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
    today = clock.today()
    return answer(Growth.of(growth.load(today), today))
