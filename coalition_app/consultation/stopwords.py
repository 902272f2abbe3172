"""Spanish stop words for the themes of open answers: the `stop-words` package's list
(Alireza Savand's python-stop-words, BSD licence; the list comes from the stopwords-iso and
Ranks NL collections), plus a few words every answer to a consultation repeats."""

from __future__ import annotations

from stop_words import get_stop_words

#: Words that say nothing about a theme in this consultation's answers.
CONSULTATION_WORDS = frozenset({"debe", "deben", "deberia", "debería", "mexico", "méxico", "ia"})

SPANISH_STOP_WORDS: frozenset[str] = frozenset(get_stop_words("es")) | CONSULTATION_WORDS
