"""Caption files: the languages Panopto names (swagger ``ContentLanguage``) and a light
check that a file is SRT or WebVTT."""

from __future__ import annotations

import re

CONTENT_LANGUAGES = (
    "English_USA",
    "English_GBR",
    "Spanish_MEX",
    "Spanish_ESP",
    "German",
    "French",
    "Dutch",
    "Thai",
    "Chinese_Simplified",
    "Chinese_Traditional",
    "Korean",
    "Japanese",
    "Russian",
    "Portuguese",
    "Polish",
    "English_AUS",
    "Danish",
    "Finnish",
    "Hungarian",
    "Norwegian",
    "Swedish",
    "Italian",
    "Welsh",
    "Catalan",
    "Galician",
    "Basque",
    "Arabic",
    "Hindi",
    "French_CAN",
    "Hebrew",
    "Vietnamese",
)

MAX_CAPTION_BYTES = 2 * 1024 * 1024

#: An SRT cue time line: ``00:00:01,000 --> 00:00:04,000``.
SRT_TIMING = re.compile(r"\d{1,2}:\d{2}:\d{2},\d{3}\s+-->\s+\d{1,2}:\d{2}:\d{2},\d{3}")


def looks_like_captions(text: str) -> bool:
    """WebVTT starts with ``WEBVTT``; SRT has at least one cue time line."""
    stripped = text.lstrip("\ufeff").lstrip()
    return stripped.startswith("WEBVTT") or bool(SRT_TIMING.search(text))
