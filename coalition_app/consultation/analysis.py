"""The consultation's figures: pure functions of arrays (numpy, scipy.sparse, scikit-learn).

No database and no Flask here: `service.analyse` loads the votes as three arrays (participant
row, statement column, value) and the participants' sectors, the functions below measure them,
the results page shows what they return. Every figure carries ``n``: the participants it rests
on.

Votes follow Polis' convention: agree = 1, disagree = -1, pass = 0. A participant has *seen* a
statement when they voted on it in any of the three ways.

References
----------
- C. Small, M. Bjorkegren, T. Erkkilä, L. Shaw, C. Megill (2021). "Polis: Scaling deliberation
  by mapping high dimensional opinion spaces". Recerca 26(2). (PCA of the vote matrix,
  k-means with k chosen by silhouette, representativeness, group-informed consensus.)
- compdemocracy/polis, ``math/src/polismath/math/repness.clj``: the smoothed probability
  ``(agree + 1) / (seen + 2)`` (a Beta(1, 1) prior, Laplace's rule of succession), the
  representativeness ratio ``p_in / p_out`` and group-informed consensus as the product over
  groups of each group's smoothed agreement.
- D. D. Lee and H. S. Seung (1999). "Learning the parts of objects by non-negative matrix
  factorization". Nature 401. (Themes: NMF of the TF-IDF matrix of the answers.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from threadpoolctl import ThreadpoolController

# scikit-learn is imported where it is used: it takes seconds to import, and the app, its
# CLI and the seeds load this module without needing it.

#: Participants with fewer votes than this are left out of the opinion groups (not of the
#: agreement figures): too few votes to place them (Polis uses 7).
MIN_VOTES_TO_CLUSTER = 7
#: Numbers of groups tried; the best silhouette wins.
GROUP_COUNTS = range(2, 6)
#: The silhouette is measured on a sample this large at most (it is quadratic in the rows).
SILHOUETTE_SAMPLE = 600
#: Fixed seeds: the same votes give the same groups.
RANDOM_STATE = 0

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass
class VoteMatrix:
    """Participants × statements as three sparse indicator matrices (CSR)."""

    agree: sparse.csr_matrix
    disagree: sparse.csr_matrix
    seen: sparse.csr_matrix

    @property
    def shape(self) -> tuple[int, int]:
        return self.seen.shape  # type: ignore[no-any-return]

    def signed(self) -> sparse.csr_matrix:
        """+1 agree, -1 disagree, 0 for a pass or no vote: what PCA reads."""
        return (self.agree - self.disagree).tocsr()


def vote_matrix(
    rows: npt.ArrayLike, cols: npt.ArrayLike, values: npt.ArrayLike, shape: tuple[int, int]
) -> VoteMatrix:
    """Build the matrices from one entry per vote (row = participant, col = statement).

    >>> m = vote_matrix([0, 0, 1], [0, 1, 0], [1, -1, 0], (2, 2))
    >>> m.agree.toarray().tolist(), m.disagree.toarray().tolist(), m.seen.toarray().tolist()
    ([[1, 0], [0, 0]], [[0, 1], [0, 0]], [[1, 1], [1, 0]])
    """
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    v = np.asarray(values, dtype=np.int8)
    # One sort for the three matrices (one vote per participant and statement): the rows'
    # offsets by counting, then each matrix keeps the entries of its kind of vote.
    order = np.lexsort((c, r))
    r, c, v = r[order], c[order], v[order]

    def indicator(mask: npt.NDArray[np.bool_]) -> sparse.csr_matrix:
        indptr = np.zeros(shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(r[mask], minlength=shape[0]), out=indptr[1:])
        ones = np.ones(int(indptr[-1]), dtype=np.int32)
        return sparse.csr_matrix((ones, c[mask], indptr), shape=shape)

    return VoteMatrix(
        agree=indicator(v == 1), disagree=indicator(v == -1), seen=indicator(np.ones_like(v, bool))
    )


def smoothed(agree: npt.ArrayLike, seen: npt.ArrayLike) -> FloatArray:
    """Polis' smoothed agreement ``(agree + 1) / (seen + 2)``: 0.5 with no votes at all.

    >>> smoothed([3, 0], [4, 0]).tolist()
    [0.6666666666666666, 0.5]
    """
    return (np.asarray(agree, dtype=float) + 1.0) / (np.asarray(seen, dtype=float) + 2.0)


@dataclass
class Agreement:
    """Per statement: agree, disagree, pass and seen counts, and the share agreeing."""

    agree: IntArray
    disagree: IntArray
    passed: IntArray
    seen: IntArray
    #: Participants in the subset (those who voted on anything).
    n: int

    @property
    def share(self) -> FloatArray:
        """Agree / seen (NaN where nobody saw the statement)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.seen > 0, self.agree / np.maximum(self.seen, 1), np.nan)

    @property
    def smoothed(self) -> FloatArray:
        return smoothed(self.agree, self.seen)


def agreement(matrix: VoteMatrix, rows: npt.ArrayLike | None = None) -> Agreement:
    """Counts per statement over the participants `rows` (a boolean mask or indices; all by
    default)."""
    if rows is None:
        agree, disagree, seen = matrix.agree, matrix.disagree, matrix.seen
    else:
        index = np.asarray(rows)
        agree, disagree, seen = matrix.agree[index], matrix.disagree[index], matrix.seen[index]
    a = np.asarray(agree.sum(axis=0)).ravel().astype(np.int64)
    d = np.asarray(disagree.sum(axis=0)).ravel().astype(np.int64)
    s = np.asarray(seen.sum(axis=0)).ravel().astype(np.int64)
    n = int((np.diff(seen.indptr) > 0).sum())
    return Agreement(agree=a, disagree=d, passed=s - a - d, seen=s, n=n)


def agreement_by(
    matrix: VoteMatrix, labels: Sequence[Any] | npt.NDArray[Any], keys: Sequence[Any]
) -> dict[Any, Agreement]:
    """Agreement within each subset of participants whose label is a key (sector, state...).

    One sparse product for all the subsets: an indicator matrix (keys × participants) times
    each vote matrix, instead of slicing the rows once per key.
    """
    array = np.asarray(labels, dtype=object)
    if not len(keys):
        return {}
    index = {key: i for i, key in enumerate(keys)}
    rows = np.array([index.get(label, -1) for label in array.tolist()], dtype=np.int64)
    members = np.flatnonzero(rows >= 0)
    indicator = sparse.csr_matrix(
        (np.ones(len(members)), (rows[members], members)), shape=(len(keys), len(array))
    )
    agree = np.asarray((indicator @ matrix.agree).todense()).astype(np.int64)
    disagree = np.asarray((indicator @ matrix.disagree).todense()).astype(np.int64)
    seen = np.asarray((indicator @ matrix.seen).todense()).astype(np.int64)
    voted = (np.diff(matrix.seen.indptr) > 0).astype(np.float64)
    voters = np.asarray(indicator @ voted).ravel().astype(np.int64)
    return {
        key: Agreement(
            agree=agree[i],
            disagree=disagree[i],
            passed=seen[i] - agree[i] - disagree[i],
            seen=seen[i],
            n=int(voters[i]),
        )
        for key, i in index.items()
    }


def informed_consensus(parts: Sequence[Agreement]) -> FloatArray:
    """Group-informed consensus: the product over the parts of each part's smoothed agreement
    (Polis' "group-aware consensus"). High only where every part agrees; a part that did not
    vote on a statement contributes 0.5 (no evidence).

    >>> a = Agreement(np.array([3]), np.array([0]), np.array([0]), np.array([3]), 3)
    >>> b = Agreement(np.array([1]), np.array([1]), np.array([0]), np.array([2]), 2)
    >>> float(informed_consensus([a, b])[0])  # (3+1)/(3+2) * (1+1)/(2+2)
    0.4
    """
    if not parts:
        return np.zeros(0)
    product = np.ones_like(parts[0].smoothed)
    for part in parts:
        product = product * part.smoothed
    return product


def divisiveness(parts: Sequence[Agreement]) -> FloatArray:
    """How much the parts disagree on each statement: the variance, across parts, of their
    smoothed agreement (0 when all parts think alike)."""
    if len(parts) < 2:
        return np.zeros(parts[0].seen.shape if parts else 0)
    stacked = np.vstack([part.smoothed for part in parts])
    return np.asarray(stacked.var(axis=0))


@dataclass
class OpinionGroups:
    """Participants placed in 2 dimensions (PCA) and cut into k groups (k-means)."""

    #: Group of each participant row, -1 for those left out (too few votes).
    labels: IntArray
    #: 2-D coordinates of the clustered participants (rows in `clustered`).
    coordinates: FloatArray
    clustered: IntArray
    k: int
    silhouette: float
    #: Silhouette of each k tried.
    tried: dict[int, float] = field(default_factory=dict)

    @property
    def sizes(self) -> list[int]:
        return [int((self.labels == g).sum()) for g in range(self.k)]


def opinion_groups(
    matrix: VoteMatrix,
    *,
    min_votes: int = MIN_VOTES_TO_CLUSTER,
    group_counts: range = GROUP_COUNTS,
    random_state: int = RANDOM_STATE,
) -> OpinionGroups | None:
    """Polis' opinion groups: the signed vote matrix reduced to 2 components, then k-means for
    each k in `group_counts`, keeping the k with the best silhouette.

    TruncatedSVD stands for PCA on the sparse matrix (it does not centre, which would make it
    dense; unseen and passed are 0 either way, as in Polis before centring). None when fewer
    participants than the smallest k + 1 have voted enough.

    Runs on one thread (BLAS and OpenMP): these matrices are small or thin, and threads
    spinning on a loaded server made k-means ten times slower in measurements (bench/).
    """
    with _thread_pools().limit(limits=1):
        return _opinion_groups(matrix, min_votes, group_counts, random_state)


_controller: ThreadpoolController | None = None


def _thread_pools() -> ThreadpoolController:
    """The process's BLAS and OpenMP pools, found once: finding them (what `threadpool_limits`
    does on each call) cost a tenth of the seed's analysis."""
    global _controller
    if _controller is None:
        import sklearn.cluster  # noqa: F401 - loads its OpenMP runtime, which must be found

        _controller = ThreadpoolController()
    return _controller


def _opinion_groups(
    matrix: VoteMatrix, min_votes: int, group_counts: range, random_state: int
) -> OpinionGroups | None:
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.metrics import silhouette_score

    votes_each = np.diff(matrix.seen.indptr)
    n_statements = matrix.shape[1]
    needed = min(min_votes, max(n_statements, 1))
    clustered = np.flatnonzero(votes_each >= needed).astype(np.int64)
    if len(clustered) <= min(group_counts) or n_statements < 2:
        return None
    signed = matrix.signed()[clustered].astype(np.float64)
    # Scale each participant by how much they voted, as Polis does, so those who voted on
    # few statements are not pulled to the centre.
    scale = np.sqrt(n_statements / np.maximum(votes_each[clustered], 1))
    signed = sparse.diags(scale) @ signed
    svd = TruncatedSVD(n_components=2, random_state=random_state, algorithm="randomized")
    coordinates = svd.fit_transform(signed)
    best: tuple[float, int, IntArray] | None = None
    tried: dict[int, float] = {}
    rng = np.random.default_rng(random_state)
    sample = (
        rng.choice(len(clustered), SILHOUETTE_SAMPLE, replace=False)
        if len(clustered) > SILHOUETTE_SAMPLE
        else np.arange(len(clustered))
    )
    # k-means cannot make more groups than there are distinct places (people who voted alike
    # sit on the same point).
    distinct = len(np.unique(np.round(coordinates, 9), axis=0))
    for k in group_counts:
        if k >= len(clustered) or k > distinct:
            break
        labels = KMeans(n_clusters=k, n_init=3, random_state=random_state).fit_predict(coordinates)
        if len(set(labels[sample].tolist())) < 2:
            continue
        score = float(silhouette_score(coordinates[sample], labels[sample]))
        tried[k] = score
        if best is None or score > best[0]:
            best = (score, k, labels.astype(np.int64))
    if best is None:
        return None
    score, k, labels = best
    # Groups numbered by size, largest first, so "group A" is stable across runs.
    order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
    renumber = np.empty(k, dtype=np.int64)
    renumber[order] = np.arange(k)
    every = np.full(matrix.shape[0], -1, dtype=np.int64)
    every[clustered] = renumber[labels]
    return OpinionGroups(
        labels=every,
        coordinates=np.asarray(coordinates),
        clustered=clustered,
        k=k,
        silhouette=score,
        tried=tried,
    )


@dataclass
class Repness:
    """A statement that represents a group: how the group voted compared with the rest."""

    statement: int
    #: "agree" or "disagree": what the group does more than the others.
    direction: str
    #: Smoothed probability of that vote inside the group, and outside it.
    p_in: float
    p_out: float
    ratio: float
    #: Participants of the group who saw it.
    n: int


def representative_statements(
    matrix: VoteMatrix, labels: IntArray, k: int, top: int = 5
) -> list[list[Repness]]:
    """For each group, the statements that set it apart (Polis' repness, without its
    z-tests): ``ra = p_in(agree) / p_out(agree)`` and the same for disagreement, each
    probability smoothed ``(x + 1) / (seen + 2)``; kept when the group's own majority votes
    that way (``p_in > 0.5``), highest ratio first."""
    result: list[list[Repness]] = []
    parts = agreement_by(matrix, labels, list(range(k)))
    clustered = agreement_by(matrix, np.where(labels >= 0, 0, -1), [0])[0]
    for group in range(k):
        inside = parts[group]
        # Everyone clustered but this group: the clustered totals minus the group's own.
        outside = Agreement(
            agree=clustered.agree - inside.agree,
            disagree=clustered.disagree - inside.disagree,
            passed=clustered.passed - inside.passed,
            seen=clustered.seen - inside.seen,
            n=clustered.n - inside.n,
        )
        candidates: list[Repness] = []
        for direction, x_in, x_out in (
            ("agree", inside.agree, outside.agree),
            ("disagree", inside.disagree, outside.disagree),
        ):
            p_in = smoothed(x_in, inside.seen)
            p_out = smoothed(x_out, outside.seen)
            ratio = p_in / p_out
            for statement in np.flatnonzero((p_in > 0.5) & (inside.seen > 0)):
                candidates.append(
                    Repness(
                        statement=int(statement),
                        direction=direction,
                        p_in=float(p_in[statement]),
                        p_out=float(p_out[statement]),
                        ratio=float(ratio[statement]),
                        n=int(inside.seen[statement]),
                    )
                )
        candidates.sort(key=lambda r: (-r.ratio, r.statement))
        chosen: list[Repness] = []
        used: set[int] = set()
        for candidate in candidates:
            if candidate.statement in used or candidate.ratio <= 1.0:
                continue
            chosen.append(candidate)
            used.add(candidate.statement)
            if len(chosen) == top:
                break
        result.append(chosen)
    return result


@dataclass
class Themes:
    """Themes of a set of answers: the top terms of each and the theme of each answer."""

    terms: list[list[str]]
    #: Theme index of each answer (-1: an answer with no word the vocabulary keeps).
    assignment: IntArray
    #: Answers each theme rests on.
    sizes: list[int]


def themes(texts: Sequence[str], count: int = 4, top_terms: int = 6) -> Themes:
    """Themes of open answers: TF-IDF over Spanish words (stop words removed, accents kept)
    then NMF with `count` components; each answer goes to its heaviest component.

    Fewer themes than asked when the answers are few (at most one per two answers).
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    from .stopwords import SPANISH_STOP_WORDS

    documents = list(texts)
    if len(documents) < 2:
        return Themes(terms=[], assignment=np.full(len(documents), -1, dtype=np.int64), sizes=[])
    vectorizer = TfidfVectorizer(
        stop_words=list(SPANISH_STOP_WORDS),
        strip_accents=None,
        lowercase=True,
        min_df=1,
        max_df=0.9 if len(documents) >= 10 else 1.0,
        token_pattern=r"(?u)\b[^\W\d_]{3,}\b",
    )
    try:
        tfidf = vectorizer.fit_transform(documents)
    except ValueError:  # nothing but stop words
        return Themes(terms=[], assignment=np.full(len(documents), -1, dtype=np.int64), sizes=[])
    vocabulary = vectorizer.get_feature_names_out()
    k = max(1, min(count, len(documents) // 2, len(vocabulary)))
    model = NMF(n_components=k, init="nndsvda", random_state=RANDOM_STATE, max_iter=400)
    weights = model.fit_transform(tfidf)
    terms = [
        [str(vocabulary[i]) for i in np.argsort(-component)[:top_terms] if component[i] > 0]
        for component in model.components_
    ]
    assignment = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1).astype(np.int64)
    sizes = [int((assignment == t).sum()) for t in range(k)]
    return Themes(terms=terms, assignment=assignment, sizes=sizes)


def near_duplicates(
    candidate: str, existing: Sequence[str], threshold: float = 0.8
) -> list[tuple[int, float]]:
    """Existing texts whose TF-IDF cosine similarity with `candidate` is at least
    `threshold` (index, similarity), most similar first. The terms are character n-grams
    within words (3 to 5 letters, accents folded), so small differences of spelling, accents
    or inflection ("debe"/"debería") still count as alike."""
    return near_duplicates_of_each([candidate], existing, threshold)[0]


@cache
def _ngram_analyzer() -> Callable[[str], list[str]]:
    from sklearn.feature_extraction.text import CountVectorizer

    analyzer: Callable[[str], list[str]] = CountVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), lowercase=True, strip_accents="unicode"
    ).build_analyzer()
    return analyzer


@lru_cache(maxsize=16)
def _existing_counts(existing: tuple[str, ...]) -> tuple[dict[str, int], sparse.csr_matrix]:
    """The existing texts' n-gram counts ({n-gram: column}, texts × columns), kept for the
    last few sets of texts: a consultation's approved statements change only by moderation,
    and the moderation page compares every pending statement with them on each view."""
    vocabulary: dict[str, int] = {}
    indptr, indices, data = [0], [], []
    for text in existing:
        for gram, count in Counter(_character_ngrams(text)).items():
            indices.append(vocabulary.setdefault(gram, len(vocabulary)))
            data.append(count)
        indptr.append(len(indices))
    counts = sparse.csr_matrix(
        (np.asarray(data, dtype=np.float64), indices, indptr),
        shape=(len(existing), len(vocabulary)),
    )
    return vocabulary, counts


@lru_cache(maxsize=4096)
def _character_ngrams(text: str) -> tuple[str, ...]:
    """The character n-grams within words (3 to 5 letters, lowercase, accents folded) of a
    text, kept for the last few thousand texts: the approved statements are analysed again
    on every moderation view otherwise."""
    return tuple(_ngram_analyzer()(text))


def near_duplicates_of_each(
    candidates: Sequence[str], existing: Sequence[str], threshold: float = 0.8
) -> list[list[tuple[int, float]]]:
    """`near_duplicates` of each candidate, with the n-grams of every text counted once.

    Each candidate's TF-IDF is the one scikit-learn fits on the candidate and the existing
    texts alone (smooth idf, l2 norm): a term's document frequency is its count among the
    existing texts, plus one where the candidate has it. So the weights differ from one
    candidate to the next only on the candidate's own terms, and every similarity follows
    from three sparse products instead of one fit per candidate (issue 17: the moderation
    page fitted a vectorizer per pending statement, 12 ms each at the seed's size)."""
    if not existing or not candidates:
        return [[] for _candidate in candidates]
    vocabulary, theirs = _existing_counts(tuple(existing))
    # The candidates' counts on the existing texts' terms; a term no existing text has adds
    # only to the candidate's own norm (its document frequency is the candidate's one).
    indptr, indices, data = [0], [], []
    unshared = np.zeros(len(candidates))
    for row, candidate in enumerate(candidates):
        for gram, count in Counter(_character_ngrams(candidate)).items():
            column = vocabulary.get(gram)
            if column is None:
                unshared[row] += count * count
            else:
                indices.append(column)
                data.append(count)
        indptr.append(len(indices))
    mine = sparse.csr_matrix(
        (np.asarray(data, dtype=np.float64), indices, indptr),
        shape=(len(candidates), len(vocabulary)),
    )
    n = len(existing) + 1
    frequency = np.asarray((theirs > 0).sum(axis=0)).ravel()
    idf = np.log((1 + n) / (1 + frequency)) + 1  # a term the candidate lacks
    own_idf = np.log((1 + n) / (2 + frequency)) + 1  # a term the candidate has
    unshared_idf = np.log((1 + n) / 2) + 1
    has = (mine > 0).astype(np.float64)
    # The existing texts' squared norms under each candidate's weights.
    theirs_squared = theirs.multiply(theirs)
    base_norms = np.asarray(theirs_squared @ (idf**2)).ravel()
    correction = has @ theirs_squared.multiply(own_idf**2 - idf**2).T.tocsc()
    their_norms = base_norms[np.newaxis, :] + np.asarray(correction.toarray())
    # The candidates' weights are their own idf on every term they have.
    weighted = mine.multiply(own_idf).tocsr()
    my_norms = np.sqrt(
        np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel() + unshared * unshared_idf**2
    )
    dots = np.asarray((weighted.multiply(own_idf) @ theirs.T).toarray())
    with np.errstate(divide="ignore", invalid="ignore"):
        similarity = dots / (my_norms[:, np.newaxis] * np.sqrt(their_norms))
    similarity = np.nan_to_num(similarity, nan=0.0)
    found_for_each = []
    for row in similarity:
        found = np.flatnonzero(row >= threshold)
        found_for_each.append(
            sorted(((int(i), float(row[i])) for i in found), key=lambda pair: (-pair[1], pair[0]))
        )
    return found_for_each
