# The suggester's knowledge: per trope, a few high-precision word patterns and
# example sentences, kept in ``annotator/data/cues.json`` beside the
# vocabulary. This module reads that file, checks it against a vocabulary
# (so a cue can never name a trope that does not exist) and compiles the
# patterns once.
"""Loading, validating and compiling trope cues."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import TropeError
from ..tropes import Vocabulary, default_vocabulary

#: The shipped cues file.
DEFAULT_CUES: Path = Path(__file__).resolve().parent.parent / "data" / "cues.json"

#: Version of the cues file format this module reads.
CUES_FORMAT = 1

_POSITIONS = ("last", "second-last", "first")
_STEM = re.compile(r"(?<=\w)~")
_UPPER = re.compile(r"(?<!\\)[A-Z]")
# The end of a match must be a word boundary unless the match itself ends with
# a non-word character (``[?]``); the same rule at the start is checked by
# :func:`scan`, since a look-behind tried at every position costs six times more.
_CLOSE = r"(?:(?!\w)|(?<!\w))"

#: Typographic characters folded to ASCII before matching, one for one, so
#: that offsets in the folded text are offsets in the story text.
FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": "-", "–": "-", "\u00a0": " "})


@dataclass(frozen=True)
class Pattern:
    """One compiled cue pattern.

    Attributes:
        source: the pattern as written in the cues file.
        weight: how sure one match alone makes the suggester (0-1).
        regex: the compiled expression.
    """

    source: str
    weight: float
    regex: re.Pattern[str]


@dataclass(frozen=True)
class TropeCues:
    """The cues for one trope: patterns, example sentences and a position prior."""

    trope: str
    patterns: tuple[Pattern, ...]
    examples: tuple[str, ...]
    position: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Cues:
    """A validated, compiled cues file.

    Attributes:
        version: the file's own ``version`` number.
        digest: first 12 hex digits of the file's SHA-256, to tell cue sets apart.
        tropes: the cues by trope id, in file order.
    """

    version: int
    digest: str
    tropes: dict[str, TropeCues]


def compile_pattern(source: str) -> re.Pattern[str]:
    """Compile a cue pattern (lower case, ``~`` = any ending) for :func:`scan`.

    Raises:
        re.error: when the expression is not valid.
    """
    body = _STEM.sub(r"\\w*", source).replace(" ", r"\s+")
    return re.compile(f"(?:{body}){_CLOSE}")


def fold(text: str) -> str:
    """``text`` lower-cased with typographic marks folded, at the same offsets."""
    folded = text.translate(FOLD)
    lowered = folded.lower()
    if len(lowered) != len(folded):  # a few characters (İ) lower to two
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in folded)
    return lowered


def _word(c: str) -> bool:
    return c.isalnum() or c == "_"


def scan(regex: re.Pattern[str], folded: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of whole-word matches of a compiled cue in ``folded[start:end]``.

    ``folded`` is the output of :func:`fold`; case-insensitivity comes from it.
    """
    found: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        m = regex.search(folded, pos, end)
        if m is None:
            break
        a, b = m.span()
        if b > a and not (a > 0 and _word(folded[a - 1]) and _word(folded[a])):
            found.append((a, b))
            pos = b
        else:
            pos = a + 1
    return found


def _fail(path: Path, where: str, problem: str, fix: str) -> TropeError:
    return TropeError(f"{path}: {where}: {problem}; fix: {fix}")


def _parse(path: Path, raw: Any, vocabulary: Vocabulary, digest: str) -> Cues:
    if not isinstance(raw, dict) or not isinstance(raw.get("tropes"), dict):
        raise _fail(
            path,
            "top level",
            "expected an object with a 'tropes' object",
            'write {"version": 1, "tropes": {"first-kiss": {...}}}',
        )
    version = raw.get("version")
    if version != CUES_FORMAT:
        raise _fail(
            path, "version", f"unsupported version {version!r}", f'set "version": {CUES_FORMAT}'
        )
    tropes: dict[str, TropeCues] = {}
    for trope_id, entry in raw["tropes"].items():
        where = f"cues for {trope_id!r}"
        if trope_id not in vocabulary:
            suggestions = vocabulary.suggestions(trope_id)
            hint = f"did you mean {', '.join(map(repr, suggestions))}?" if suggestions else ""
            raise _fail(
                path, where, "unknown trope id", hint or "use an id from `annotator tropes`"
            )
        if not isinstance(entry, dict):
            raise _fail(path, where, "expected an object", 'give "patterns" and "examples"')
        unknown = set(entry) - {"patterns", "examples", "position"}
        if unknown:
            raise _fail(
                path,
                where,
                f"unknown field(s) {', '.join(sorted(unknown))}",
                "use only patterns, examples and position",
            )
        patterns = []
        for i, item in enumerate(entry.get("patterns", [])):
            at = f"{where}, pattern #{i + 1}"
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("re"), str)
                or not item["re"].strip()
            ):
                raise _fail(
                    path, at, f"bad pattern {item!r}", 'write {"re": "slow dance", "w": 0.8}'
                )
            weight = item.get("w")
            if (
                isinstance(weight, bool)
                or not isinstance(weight, (int, float))
                or not 0 < weight <= 1
            ):
                raise _fail(
                    path, at, f"weight {weight!r} is not a number in (0, 1]", 'give "w": 0.5'
                )
            if _UPPER.search(item["re"]):
                raise _fail(
                    path,
                    at,
                    f"{item['re']!r} has capital letters",
                    "write patterns in lower case: they are matched on lower-cased text",
                )
            try:
                regex = compile_pattern(item["re"])
            except re.error as e:
                raise _fail(
                    path,
                    at,
                    f"{item['re']!r} is not a valid regular expression ({e})",
                    "escape special characters, e.g. [?] for a question mark",
                ) from None
            if regex.match(""):
                raise _fail(
                    path,
                    at,
                    f"{item['re']!r} matches empty text",
                    "make it match at least one word",
                )
            patterns.append(Pattern(item["re"], float(weight), regex))
        examples = entry.get("examples", [])
        if not isinstance(examples, list) or not all(
            isinstance(e, str) and e.strip() for e in examples
        ):
            raise _fail(
                path, where, "'examples' must be a list of sentences", "write them as JSON strings"
            )
        position = entry.get("position", {})
        if not isinstance(position, dict) or any(
            k not in _POSITIONS
            or isinstance(v, bool)
            or not isinstance(v, (int, float))
            or not 0 <= v <= 1
            for k, v in position.items()
        ):
            raise _fail(
                path,
                where,
                f"bad position prior {position!r}",
                f"use keys from {', '.join(_POSITIONS)} with weights in [0, 1]",
            )
        if not patterns and not examples:
            raise _fail(path, where, "no patterns and no examples", "give at least one of them")
        tropes[trope_id] = TropeCues(
            trope_id,
            tuple(patterns),
            tuple(e.strip() for e in examples),
            tuple((k, float(v)) for k, v in position.items()),
        )
    return Cues(version=version, digest=digest, tropes=tropes)


def load_cues(path: str | Path | None = None, vocabulary: Vocabulary | None = None) -> Cues:
    """Read, validate and compile a cues file.

    Args:
        path: the file; the shipped ``annotator/data/cues.json`` by default.
        vocabulary: the vocabulary its trope ids must belong to; the shipped one by default.

    Raises:
        TropeError: the file is missing or malformed, or names a trope that is
            not in the vocabulary (the message suggests the closest ids).
    """
    path = Path(path) if path is not None else DEFAULT_CUES
    vocabulary = vocabulary or default_vocabulary()
    try:
        data = path.read_bytes()
    except OSError as e:
        raise TropeError(f"cannot read cues file {path}: {e.strerror}") from None
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TropeError(f"cues file {path} is not valid UTF-8 JSON: {e}") from None
    return _parse(path, raw, vocabulary, hashlib.sha256(data).hexdigest()[:12])


@functools.lru_cache(maxsize=4)
def _cached(path: str, stamp: float, vocabulary: Vocabulary) -> Cues:
    return load_cues(path, vocabulary)


def cues_for(vocabulary: Vocabulary, path: str | Path | None = None) -> Cues:
    """The cues for ``vocabulary``, compiled once per file version and vocabulary."""
    p = Path(path) if path is not None else DEFAULT_CUES
    try:
        stamp = p.stat().st_mtime
    except OSError:
        stamp = 0.0
    return _cached(str(p), stamp, vocabulary)
