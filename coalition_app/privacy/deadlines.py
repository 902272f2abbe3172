"""The legal deadline of a rights request: 20 working days (LFPDPPP art. 32), counted in
Mexican federal working days: weekends and the mandatory rest days of the Federal Labour Law
(Ley Federal del Trabajo, art. 74) do not count.

The holiday list is computed here from the law's rules (the `holidays` package would need a
python-dateutil older than the one the project pins).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

#: Working days the person responsible has to answer a request.
ANSWER_WORKING_DAYS = 20


def _nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


@cache
def mexican_holidays(year: int) -> frozenset[date]:
    """The mandatory rest days of `year` (LFT art. 74).

    >>> sorted(d.isoformat() for d in mexican_holidays(2026))[:3]
    ['2026-01-01', '2026-02-02', '2026-03-16']
    """
    days = {
        date(year, 1, 1),
        _nth_monday(year, 2, 1),  # Constitution Day, first Monday of February
        _nth_monday(year, 3, 3),  # Benito Juárez, third Monday of March
        date(year, 5, 1),
        date(year, 9, 16),
        _nth_monday(year, 11, 3),  # Revolution Day, third Monday of November
        date(year, 12, 25),
    }
    # The day the federal executive takes office, every six years: 1 October from 2024,
    # 1 December before.
    if year >= 2024 and (year - 2024) % 6 == 0:
        days.add(date(year, 10, 1))
    elif year < 2024 and (2024 - year) % 6 == 0:
        days.add(date(year, 12, 1))
    return frozenset(days)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in mexican_holidays(day.year)


def add_working_days(start: date, days: int = ANSWER_WORKING_DAYS) -> date:
    """The day `days` working days after `start` (the day of receipt does not count).

    >>> add_working_days(date(2026, 12, 21), 5)  # Christmas Day is a holiday
    datetime.date(2026, 12, 29)
    """
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_left(today: date, due_on: date) -> int:
    """Working days from `today` to `due_on` (negative once overdue)."""
    step = 1 if due_on >= today else -1
    day, count = today, 0
    while day != due_on:
        day += timedelta(days=step)
        if is_working_day(day if step > 0 else day + timedelta(days=1)):
            count += step
    return count
