"""Caption files for Panopto: the languages it names (swagger ``ContentLanguage``), in words
people recognise, and a check that a file really is SRT or WebVTT before it is sent."""

from __future__ import annotations

import re

#: (Panopto's ContentLanguage value, the name shown in the chooser), in Panopto's order.
CAPTION_LANGUAGES = (
    ("English_USA", "English (United States)"),
    ("English_GBR", "English (United Kingdom)"),
    ("English_AUS", "English (Australia)"),
    ("Spanish_MEX", "Spanish (Mexico)"),
    ("Spanish_ESP", "Spanish (Spain)"),
    ("German", "German"),
    ("French", "French"),
    ("French_CAN", "French (Canada)"),
    ("Dutch", "Dutch"),
    ("Thai", "Thai"),
    ("Chinese_Simplified", "Chinese (Simplified)"),
    ("Chinese_Traditional", "Chinese (Traditional)"),
    ("Korean", "Korean"),
    ("Japanese", "Japanese"),
    ("Russian", "Russian"),
    ("Portuguese", "Portuguese"),
    ("Polish", "Polish"),
    ("Danish", "Danish"),
    ("Finnish", "Finnish"),
    ("Hungarian", "Hungarian"),
    ("Norwegian", "Norwegian"),
    ("Swedish", "Swedish"),
    ("Italian", "Italian"),
    ("Welsh", "Welsh"),
    ("Catalan", "Catalan"),
    ("Galician", "Galician"),
    ("Basque", "Basque"),
    ("Arabic", "Arabic"),
    ("Hindi", "Hindi"),
    ("Hebrew", "Hebrew"),
    ("Vietnamese", "Vietnamese"),
)
LANGUAGE_VALUES = frozenset(value for value, _ in CAPTION_LANGUAGES)

#: Caption files are text; a feature film's SRT is a few hundred kilobytes.
MAX_CAPTION_BYTES = 2 * 1024 * 1024
CAPTION_EXTENSIONS = (".srt", ".vtt")
SRT_CUE_TIMING = re.compile(
    r"\d{1,2}:\d{2}:\d{2},\d{3}\s+-->\s+\d{1,2}:\d{2}:\d{2},\d{3}"
)
VTT_CUE_TIMING = re.compile(r"(?:\d{1,2}:)?\d{2}:\d{2}\.\d{3}\s+-->\s+")


def caption_format(filename: str, text: str) -> str | None:
    """``"srt"`` or ``"vtt"`` when the name and content agree on one, else None."""
    name = filename.lower()
    body = text.lstrip("\ufeff")
    if (
        name.endswith(".vtt")
        and body.startswith("WEBVTT")
        and VTT_CUE_TIMING.search(body)
    ):
        return "vtt"
    if name.endswith(".srt") and SRT_CUE_TIMING.search(body):
        return "srt"
    return None
