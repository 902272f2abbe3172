"""The consultation's figures on small vote matrices computed by hand, and opinion groups
recovered from a planted two-camp matrix (issue 16's tests)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from coalition_app.consultation import analysis
from coalition_app.consultation.analysis import Agreement, agreement, vote_matrix

A, D, P = 1, -1, 0


def _matrix(votes: list[list[int | None]]) -> analysis.VoteMatrix:
    """Participants × statements, None for not seen."""
    rows, cols, values = [], [], []
    for r, line in enumerate(votes):
        for c, value in enumerate(line):
            if value is not None:
                rows.append(r)
                cols.append(c)
                values.append(value)
    return vote_matrix(rows, cols, values, (len(votes), len(votes[0])))


def test_the_docstrings_examples_hold():
    assert doctest.testmod(analysis).failed == 0


def test_agreement_counts_agree_disagree_pass_and_seen_per_statement():
    m = _matrix([[A, D, None], [A, P, A], [D, None, None]])
    counts = agreement(m)
    assert counts.agree.tolist() == [2, 0, 1]
    assert counts.disagree.tolist() == [1, 1, 0]
    assert counts.passed.tolist() == [0, 1, 0]
    assert counts.seen.tolist() == [3, 2, 1]
    assert counts.n == 3
    # (agree + 1) / (seen + 2)
    assert counts.smoothed.tolist() == pytest.approx([3 / 5, 1 / 4, 2 / 3])
    assert counts.share.tolist() == pytest.approx([2 / 3, 0.0, 1.0])


def test_group_informed_consensus_is_the_product_of_each_groups_smoothed_agreement():
    # Statement 0: both groups agree. Statement 1: group one agrees, group two disagrees.
    m = _matrix(
        [
            [A, A],  # group one
            [A, A],
            [A, P],
            [A, D],  # group two
            [A, D],
        ]
    )
    one = agreement(m, np.array([True, True, True, False, False]))
    two = agreement(m, np.array([False, False, False, True, True]))
    consensus = analysis.informed_consensus([one, two])
    # Statement 0: (3+1)/(3+2) * (2+1)/(2+2) = 0.8 * 0.75 = 0.6
    # Statement 1: (2+1)/(3+2) * (0+1)/(2+2) = 0.6 * 0.25 = 0.15
    assert consensus.tolist() == pytest.approx([0.6, 0.15])
    # Divisiveness: the variance of (0.8, 0.75) and of (0.6, 0.25).
    assert analysis.divisiveness([one, two]).tolist() == pytest.approx([0.000625, 0.030625])


def test_sector_informed_consensus_multiplies_over_the_five_sectors():
    sectors = ["government", "industry", "civil_society", "academia", "international_cooperation"]
    # Ten participants, two per sector; statement 0 every sector supports, statement 1 only
    # industry, statement 2 nobody saw.
    labels = [s for s in sectors for _ in range(2)]
    votes = [[A, A if s == "industry" else D, None] for s in labels]
    by_sector = analysis.agreement_by(_matrix(votes), labels, sectors)
    consensus = analysis.informed_consensus([by_sector[s] for s in sectors])
    # Each sector: statement 0 (2+1)/(2+2) = 0.75; statement 1: industry 0.75, others 1/4;
    # statement 2: nobody saw it, 1/2 each.
    assert consensus.tolist() == pytest.approx([0.75**5, 0.75 * 0.25**4, 0.5**5])
    assert [by_sector[s].n for s in sectors] == [2] * 5


def test_a_part_with_no_votes_is_no_evidence_either_way():
    empty = Agreement(np.array([0]), np.array([0]), np.array([0]), np.array([0]), 0)
    assert analysis.informed_consensus([empty, empty]).tolist() == [0.25]


def _two_camps(size: int = 60, statements: int = 20, seed: int = 1):
    """Camp 0 agrees with even statements and disagrees with odd ones; camp 1 the reverse;
    each participant sees 15 statements and strays from their camp 10% of the time."""
    rng = np.random.default_rng(seed)
    camp = np.repeat([0, 1], size // 2)
    rows, cols, values = [], [], []
    for person, side in enumerate(camp):
        for statement in rng.choice(statements, 15, replace=False):
            agrees = (statement % 2 == 0) == (side == 0)
            if rng.random() < 0.1:
                agrees = not agrees
            rows.append(person)
            cols.append(statement)
            values.append(A if agrees else D)
    return camp, vote_matrix(rows, cols, values, (size, statements))


def test_opinion_groups_recover_a_planted_two_camp_matrix():
    camp, m = _two_camps()
    groups = analysis.opinion_groups(m)
    assert groups is not None
    assert groups.k == 2
    assert groups.silhouette > 0.5
    labels = groups.labels
    # Every participant is in the group of their camp (up to the groups' names).
    same = (labels == camp).mean()
    assert max(same, 1 - same) == 1.0
    assert sorted(groups.sizes) == [30, 30]
    # Each group is represented by the statements its camp agrees with.
    reps = analysis.representative_statements(m, labels, groups.k)
    group_of_camp0 = int(labels[0])
    assert {r.statement % 2 for r in reps[group_of_camp0] if r.direction == "agree"} == {0}
    assert {r.statement % 2 for r in reps[1 - group_of_camp0] if r.direction == "agree"} == {1}
    assert all(r.ratio > 1 and r.p_in > 0.5 and r.n > 0 for rep in reps for r in rep)


def test_participants_with_too_few_votes_are_left_out_of_the_groups():
    camp, m = _two_camps()
    extra = vote_matrix([0, 0], [0, 1], [A, A], (1, 20))
    from scipy import sparse

    joined = analysis.VoteMatrix(
        agree=sparse.vstack([m.agree, extra.agree]).tocsr(),
        disagree=sparse.vstack([m.disagree, extra.disagree]).tocsr(),
        seen=sparse.vstack([m.seen, extra.seen]).tocsr(),
    )
    groups = analysis.opinion_groups(joined)
    assert groups is not None and groups.labels[-1] == -1 and len(groups.clustered) == 60


def test_no_groups_without_enough_voters():
    assert analysis.opinion_groups(_matrix([[A, D], [D, A]])) is None


def test_themes_group_answers_by_their_words_without_spanish_stop_words():
    answers = [
        "Falta formación de docentes en las escuelas",
        "La formación de los docentes y las escuelas públicas",
        "Escuelas sin docentes con formación digital",
        "Protección de datos personales y privacidad",
        "Los datos personales necesitan protección",
        "Privacidad y protección de los datos",
    ]
    found = analysis.themes(answers, count=2)
    assert len(found.terms) == 2 and sorted(found.sizes) == [3, 3]
    assert found.assignment[0] == found.assignment[1] == found.assignment[2]
    assert found.assignment[3] == found.assignment[4] == found.assignment[5]
    assert found.assignment[0] != found.assignment[3]
    words = {w for terms in found.terms for w in terms}
    assert {"docentes", "datos"} <= words
    assert not words & {"de", "la", "los", "las", "y", "en", "con", "sin"}


def test_near_duplicates_by_tfidf_cosine():
    existing = [
        "Toda persona afectada por una decisión automatizada debe poder pedir que la revise un "
        "ser humano.",
        "Los datos de gobierno deben publicarse como datos abiertos.",
    ]
    found = analysis.near_duplicates(
        "Toda persona afectada por una decision automatizada deberia poder pedir que la revise "
        "un humano",
        existing,
    )
    assert [index for index, _score in found] == [0]
    assert found[0][1] >= 0.8
    assert analysis.near_duplicates("Más becas de posgrado en el extranjero", existing) == []


def test_near_duplicates_of_each_match_one_fit_per_candidate():
    """The batch gives each candidate the similarities of a TF-IDF fitted on it and the
    existing texts alone, as `near_duplicates` did with one fit per candidate."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    existing = [
        "Las universidades deben enseñar ética de la IA",
        "Más becas de posgrado en IA para todo el país",
        "El gobierno debe publicar sus algoritmos",
        "La IA debe usarse para detectar corrupción",
    ]
    candidates = [
        "Las universidades deberían enseñar ética de la inteligencia artificial",
        "El gobierno debería publicar los algoritmos que usa",
        "Nada que ver con lo anterior",
    ]
    found = analysis.near_duplicates_of_each(candidates, existing, threshold=-1.0)
    for candidate, pairs in zip(candidates, found, strict=True):
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), lowercase=True, strip_accents="unicode"
        )
        matrix = vectorizer.fit_transform([candidate, *existing])
        expected = (matrix[1:] @ matrix[0].T).toarray().ravel()
        assert sorted(index for index, _score in pairs) == list(range(len(existing)))
        for index, score in pairs:
            assert score == pytest.approx(expected[index], abs=1e-12)
    default = analysis.near_duplicates_of_each(candidates, existing)
    assert default == [[pair for pair in pairs if pair[1] >= 0.8] for pairs in found]
    assert [pair[0] for pair in found[0]][0] == 0  # the most alike first
    assert analysis.near_duplicates_of_each([], existing) == []
    assert analysis.near_duplicates_of_each(candidates, []) == [[], [], []]
