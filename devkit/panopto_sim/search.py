"""Keyword matching for the ``*/search`` routes.

Panopto's exact rules are unknown; the simulator follows the reported behaviour
(API-NOTES section 2): case-insensitive word-prefix matching, and ``*`` matching
everything. Every word of the query must start some word of the text.
"""

from __future__ import annotations

import re

WORD = re.compile(r"\w+")

MATCH_ALL = "*"

EXACT_WORD_SCORE = 2
"""A query word equal to a whole word counts more than a mere prefix, for Relevance."""

PREFIX_SCORE = 1


def query_terms(query: str) -> list[str] | None:
    """Split a search query into lower-case words; None means "match everything".

    A query of punctuation only (``"&&"``) has no words and so matches nothing.
    """
    if query.strip() == MATCH_ALL:
        return None
    return [word.casefold() for word in WORD.findall(query)]


def score(terms: list[str] | None, *texts: str | None) -> int:
    """Score how well texts match; 0 means no match."""
    if terms is None:
        return PREFIX_SCORE
    if not terms:
        return 0

    words = [word.casefold() for text in texts if text for word in WORD.findall(text)]
    total = 0
    for term in terms:
        best = max((_word_score(term, word) for word in words), default=0)
        if best == 0:
            return 0
        total += best
    return total


def _word_score(term: str, word: str) -> int:
    if word == term:
        return EXACT_WORD_SCORE
    if word.startswith(term):
        return PREFIX_SCORE
    return 0


def first_matching_text(terms: list[str] | None, *texts: str | None) -> str | None:
    """The first text that matches on its own, for search-result ``Context``."""
    for text in texts:
        if text and score(terms, text) > 0:
            return text
    return None
