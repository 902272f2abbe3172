"""The collaboration weight rule: ties by kind, confirmation, end and age; co-attendance."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from coalition_app.network import measures
from coalition_app.network.build import coattendance
from coalition_app.network.measures import (
    TIE_HALF_LIFE_YEARS,
    TIE_KIND_WEIGHTS,
    UNCONFIRMED_FACTOR,
    WEIGHT_RULE,
    tie_weight,
)

DAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("kind", "weight"),
    [
        ("joint_project", 3.0),
        ("coauthorship", 3.0),
        ("data_sharing", 3.0),
        ("funding", 3.0),
        ("agreement", 2.0),
        ("event", 1.0),
        ("other", 1.0),
    ],
)
def test_a_new_confirmed_tie_weighs_its_kind(kind, weight):
    assert tie_weight(kind, "confirmed", DAY, None, DAY) == weight
    assert TIE_KIND_WEIGHTS[kind] == weight


def test_an_unconfirmed_tie_weighs_less_and_a_declined_one_nothing():
    confirmed = tie_weight("funding", "confirmed", DAY, None, DAY)
    assert tie_weight("funding", "unconfirmed", DAY, None, DAY) == confirmed * UNCONFIRMED_FACTOR
    assert tie_weight("funding", "declined", DAY, None, DAY) == 0.0


def test_an_ended_tie_counts_until_its_end_and_not_after():
    since, ends = date(2026, 1, 1), date(2026, 5, 31)
    assert tie_weight("agreement", "confirmed", since, ends, ends) > 0
    assert tie_weight("agreement", "confirmed", since, ends, DAY) == 0.0
    # Not begun yet: nothing either.
    assert tie_weight("agreement", "confirmed", date(2026, 7, 1), None, DAY) == 0.0


def test_older_ties_weigh_less_halving_every_half_life():
    years_ago = date(DAY.year - TIE_HALF_LIFE_YEARS, DAY.month, DAY.day)
    older = date(DAY.year - 2 * TIE_HALF_LIFE_YEARS, DAY.month, DAY.day)
    new = tie_weight("joint_project", "confirmed", DAY, None, DAY)
    assert tie_weight("joint_project", "confirmed", years_ago, None, DAY) == pytest.approx(
        new / 2, rel=1e-3
    )
    assert tie_weight("joint_project", "confirmed", older, None, DAY) == pytest.approx(
        new / 4, rel=1e-3
    )


def test_the_sentence_on_the_page_is_made_of_the_constants_the_code_uses():
    values = measures.weight_rule_values()
    assert values["strong"] == "3" and values["agreement"] == "2" and values["other"] == "1"
    assert values["unconfirmed"] == "0.5" and values["half_life"] == str(TIE_HALF_LIFE_YEARS)
    assert "1/(n-1)" in WEIGHT_RULE and "separate layer" in WEIGHT_RULE


def test_co_attendance_weighs_each_meeting_one_over_n_minus_one_per_pair():
    # Meeting 1: institutions 10 and 11 alone (1 each); meeting 2: 10, 11, 12 (1/2 each);
    # meeting 3: 10 to 14, five institutions (1/4 each); meeting 4: only 13 (no pair).
    # Institution 10 sent two people to meeting 2: counted once.
    meeting = np.array([1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4])
    institution = np.array([10, 11, 10, 10, 11, 12, 10, 11, 12, 13, 14, 13])

    pairs, skipped = coattendance(meeting, institution, pair_limit=100)

    weights = {(a, b): (count, weight) for a, b, count, weight in pairs}
    assert skipped == 0
    assert weights[(10, 11)] == (3, pytest.approx(1 + 0.5 + 0.25))
    assert weights[(10, 12)] == (2, pytest.approx(0.5 + 0.25))
    assert weights[(11, 12)] == (2, pytest.approx(0.75))
    assert weights[(13, 14)] == (1, pytest.approx(0.25))
    assert weights[(10, 13)] == (1, pytest.approx(0.25))
    assert len(weights) == 10  # C(5, 2): every pair met at least at meeting 3


def test_an_event_larger_than_the_pair_limit_adds_no_links_and_is_counted_as_skipped():
    meeting = np.array([1, 1, 1, 2, 2])
    institution = np.array([1, 2, 3, 1, 2])

    pairs, skipped = coattendance(meeting, institution, pair_limit=2)

    assert skipped == 1
    assert pairs == [(1, 2, 1, 1.0)]


def test_one_large_event_alone_makes_no_link_but_several_do():
    from coalition_app.network.measures import MEETING_MIN_WEIGHT

    size = 40  # 1/39 per pair, below the minimum; three such events are above it
    assert 1 / (size - 1) < MEETING_MIN_WEIGHT < 3 / (size - 1)
    once = coattendance(np.repeat([1], size), np.arange(size))[0]
    thrice = coattendance(np.repeat([1, 2, 3], size), np.tile(np.arange(size), 3))[0]
    assert once == []
    assert len(thrice) == size * (size - 1) // 2
    assert thrice[0][2] == 3 and thrice[0][3] == pytest.approx(3 / (size - 1))
