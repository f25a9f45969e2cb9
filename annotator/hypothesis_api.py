"""Read annotations in the Hypothesis API's JSON (``/api/search`` results or one row).

Hypothesis rows carry ``text`` (a Markdown note), ``tags`` (free words) and a
``target`` with a RangeSelector, a TextPositionSelector and a
TextQuoteSelector into the *web page* it annotated. The DOM range means
nothing in our plain text, so the importer re-anchors the quote (the
position is only a hint). Tags become tagging bodies once the vocabulary
resolves them to trope ids; a row id ``abc123`` becomes the IRI
``https://hypothes.is/a/abc123``, Hypothesis' own address for it.

Pure model: dicts in, :class:`Annotation` out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .anchoring import TextQuote
from .annotation import Annotation, motivation_for, normalise_date
from .errors import AnnotationError, InterchangeError
from .jsonld import _selectors

HYPOTHESIS_IRI = "https://hypothes.is/a/"


def is_hypothesis(data: Any) -> bool:
    """Whether parsed JSON looks like Hypothesis API output."""
    if isinstance(data, Mapping) and isinstance(data.get("rows"), list):
        return True
    sample = data[0] if isinstance(data, list) and data else data
    return isinstance(sample, Mapping) and "uri" in sample and "user" in sample and "target" in sample


def rows_of(data: Any) -> list[Any]:
    """The rows of a search result, a list of rows, or one row."""
    if isinstance(data, Mapping) and isinstance(data.get("rows"), list):
        return list(data["rows"])
    return list(data) if isinstance(data, list) else [data]


def from_hypothesis(row: Any, *, story: str, reader: str | None = None, index: int = 0) -> Annotation:
    """One Hypothesis row as an :class:`Annotation` (tags still as written).

    Raises:
        InterchangeError: naming the row and what is wrong.
    """
    where = f"Hypothesis annotation #{index + 1}"
    if not isinstance(row, Mapping):
        raise InterchangeError(f"{where} is a JSON {type(row).__name__}, not an object")
    raw_id = row.get("id")
    if raw_id is not None:
        if not isinstance(raw_id, str) or not raw_id.strip() or any(c.isspace() for c in raw_id):
            raise InterchangeError(f"{where} has a bad id {raw_id!r}")
        where = f"Hypothesis annotation {raw_id!r}"
    try:
        targets = row.get("target")
        if not isinstance(targets, list) or len(targets) != 1 or not isinstance(targets[0], Mapping):
            raise InterchangeError("its 'target' must be a list holding one target object")
        quote, position = _selectors(targets[0].get("selector", []))
        if quote is None:
            raise InterchangeError("its target has no TextQuoteSelector: a page note cannot be placed in the story")
        tags = row.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise InterchangeError("'tags' must be a list of strings")
        text = row.get("text", "")
        if not isinstance(text, str):
            raise InterchangeError("'text' must be a string")
        creator = reader or _user_name(row)
        if not creator:
            raise InterchangeError("it names no user: pass --reader NAME")
        created = normalise_date(row.get("created"), "created date")
        modified = normalise_date(row.get("updated") or row.get("created"), "updated date")
        tropes = tuple(dict.fromkeys(t.strip() for t in tags if t.strip()))
        ident = raw_id if raw_id is None or ":" in raw_id else HYPOTHESIS_IRI + raw_id
        return Annotation(
            id=ident or "",
            story=story,
            creator=creator,
            start=position.start if position else None,
            end=position.end if position else None,
            quote=TextQuote(quote.exact, quote.prefix, quote.suffix),
            tropes=tropes,
            note=text,
            note_format="text/markdown",
            motivation=motivation_for(tropes, text, None),
            created=created,
            modified=modified,
            extra={"hypothesis:uri": row["uri"]} if isinstance(row.get("uri"), str) else {},
        )
    except (AnnotationError, InterchangeError) as e:
        raise InterchangeError(f"{where}: {e}") from None


def _user_name(row: Mapping[str, Any]) -> str | None:
    info = row.get("user_info")
    if isinstance(info, Mapping) and isinstance(info.get("display_name"), str) and info["display_name"].strip():
        return info["display_name"].strip()
    user = row.get("user")
    if isinstance(user, str) and user.startswith("acct:"):
        return user[5:].split("@", 1)[0] or None
    return user if isinstance(user, str) and user.strip() else None
