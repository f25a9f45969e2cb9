"""W3C Web Annotation JSON-LD: the one module that knows the interchange shape.

``to_w3c`` always writes ``@context``, both selectors and a ``purpose`` on
every body (``tagging``, ``commenting``, ``highlighting``, ``linking``);
``from_w3c`` reads what Recogito, Hypothesis' W3C export and annotator itself
write, and says which annotation is bad and why. Fields and bodies we do not
model are kept in ``Annotation.extra`` and written back, so a round trip
loses nothing.

Pure model: only ``json``-shaped dicts in and out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from .anchoring import TextPosition, TextQuote
from .annotation import Annotation, motivation_for, new_id, normalise_date, now, validate
from .errors import AnnotationError, InterchangeError
from .story import STORY_IRI_PREFIX

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
AUDIENCE = "annotator:audience"
"""Who may see the annotation (``private``, ``group:<name>``); absent means ``public``."""
_MODELLED = {
    "@context", "id", "type", "motivation", "created", "modified", "creator",
    "body", "target", "generated", "generator", AUDIENCE,
}  # fmt: skip
_KNOWN_PURPOSES = {"tagging", "commenting", "highlighting", "linking"}


def story_iri(story_id: str) -> str:
    """The IRI an annotation target uses as ``source`` for a story."""
    return STORY_IRI_PREFIX + story_id


def to_w3c(a: Annotation) -> dict[str, Any]:
    """An annotation as a W3C JSON-LD object."""
    body: list[dict[str, Any]] = [
        {"type": "TextualBody", "purpose": "tagging", "value": t} for t in a.tropes
    ]
    if a.note:
        body.append(
            {"type": "TextualBody", "purpose": "commenting", "value": a.note, "format": a.note_format}
        )
    if a.colour:
        body.append({"type": "TextualBody", "purpose": "highlighting", "value": a.colour})
    body.extend({"type": "SpecificResource", "purpose": "linking", "source": i} for i in a.links)
    body.extend(a.extra.get("bodies", []))
    out: dict[str, Any] = {
        "@context": CONTEXT,
        "id": a.id,
        "type": "Annotation",
        "motivation": a.motivation,
        "created": a.created,
        "modified": a.modified,
        "creator": {"type": "Person", "name": a.creator},
        "body": body,
    }
    if a.is_link:
        out["target"] = a.target_ref
    else:
        assert a.quote is not None
        selectors: list[dict[str, Any]] = [
            {
                "type": "TextQuoteSelector",
                "exact": a.quote.exact,
                "prefix": a.quote.prefix,
                "suffix": a.quote.suffix,
            }
        ]
        if a.start is not None and a.end is not None:
            selectors.append({"type": "TextPositionSelector", "start": a.start, "end": a.end})
        target: dict[str, Any] = {"source": story_iri(a.story), "selector": selectors}
        if a.story_version:
            target["state"] = {"type": "annotator:StoryVersion", "value": a.story_version}
        if a.orphan:
            target["annotator:orphan"] = True
        out["target"] = target
    if a.audience != "public":
        out[AUDIENCE] = a.audience
    out.update({k: v for k, v in a.extra.items() if k != "bodies"})
    return out


def collection(
    annotations: Iterable[Annotation], label: str = "annotator annotations"
) -> dict[str, Any]:
    """An AnnotationCollection with one AnnotationPage holding every annotation."""
    items = [to_w3c(a) for a in annotations]
    return {
        "@context": CONTEXT,
        "type": "AnnotationCollection",
        "label": label,
        "total": len(items),
        "first": {"type": "AnnotationPage", "startIndex": 0, "items": items},
    }


def items_of(data: Any) -> list[Any]:
    """The annotations inside a collection, a page, a plain list or a single annotation.

    Raises:
        InterchangeError: when ``data`` is none of those.
    """
    if isinstance(data, list):
        return data
    if not isinstance(data, Mapping):
        raise InterchangeError(
            "expected a W3C AnnotationCollection, an AnnotationPage, a list of annotations "
            f"or one annotation, got a JSON {type(data).__name__}"
        )
    kind = data.get("type")
    kinds = {k for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)}
    if "AnnotationCollection" in kinds:
        items: list[Any] = []
        page = data.get("first")
        seen = 0
        while page is not None:
            if isinstance(page, str):
                raise InterchangeError(
                    f"the collection's pages are linked by IRI ({page!r}); annotator reads only "
                    "collections whose pages are embedded: export it with embedded pages"
                )
            if not isinstance(page, Mapping) or not isinstance(page.get("items"), list):
                raise InterchangeError("an AnnotationPage in the collection has no 'items' list")
            items.extend(page["items"])
            page = page.get("next")
            seen += 1
            if seen > 10_000:
                raise InterchangeError("the collection has more than 10,000 pages")
        return items
    if "AnnotationPage" in kinds:
        if not isinstance(data.get("items"), list):
            raise InterchangeError("the AnnotationPage has no 'items' list")
        return list(data["items"])
    if "Annotation" in kinds:
        return [data]
    raise InterchangeError(
        f"unknown JSON-LD type {kind!r}: expected AnnotationCollection, AnnotationPage or Annotation"
    )


def from_w3c(data: Any, *, story: str | None = None, creator: str | None = None, index: int = 0) -> Annotation:
    """Read one W3C annotation.

    Offsets are taken as given; :mod:`annotator.interchange` re-anchors them
    against the story text.

    Args:
        data: the JSON object.
        story: the story id to use when the target's source is not one of ours.
        creator: reader name to use when the annotation names none.
        index: its position in the file, for error messages.

    Raises:
        InterchangeError: naming the annotation (id or index) and what is wrong.
    """
    where = f"annotation #{index + 1}"
    if not isinstance(data, Mapping):
        raise InterchangeError(f"{where} is a JSON {type(data).__name__}, not an object")
    ident = data.get("id", data.get("@id"))
    if ident is not None:
        if not isinstance(ident, str) or not ident.strip():
            raise InterchangeError(f"{where} has a bad id {ident!r}: ids must be IRIs (strings)")
        where = f"annotation {ident!r}"
    try:
        return _from_w3c(data, ident, story, creator)
    except (AnnotationError, InterchangeError) as e:
        raise InterchangeError(f"{where}: {_strip_prefix(str(e))}") from None
    except (TypeError, ValueError, AttributeError, KeyError) as e:
        raise InterchangeError(f"{where}: malformed ({e.__class__.__name__}: {e})") from None


def _strip_prefix(message: str) -> str:
    return message.split(": ", 1)[1] if message.startswith("annotation ") and ": " in message else message


def _from_w3c(
    data: Mapping[str, Any], ident: str | None, story: str | None, creator: str | None
) -> Annotation:
    kind = data.get("type")
    if kind is not None and "Annotation" not in (kind if isinstance(kind, list) else [kind]):
        raise InterchangeError(f"type is {kind!r}, not 'Annotation'")
    bodies = data.get("body", [])
    if isinstance(bodies, (Mapping, str)):
        bodies = [bodies]
    if not isinstance(bodies, list):
        raise InterchangeError("'body' must be an object or a list of objects")
    tropes: list[str] = []
    notes: list[tuple[str, str]] = []
    colour: str | None = None
    links: list[str] = []
    other: list[Any] = []
    for body in bodies:
        if isinstance(body, str):
            links.append(body) if data.get("motivation") == "linking" else other.append(body)
            continue
        if not isinstance(body, Mapping):
            raise InterchangeError(f"a body is a JSON {type(body).__name__}, not an object")
        purpose = body.get("purpose") or data.get("motivation")
        value = body.get("value")
        if purpose == "tagging" and body.get("type", "TextualBody") == "TextualBody":
            if not isinstance(value, str) or not value.strip():
                raise InterchangeError("a tagging body needs a non-empty 'value' (a trope id)")
            tropes.append(value.strip())
        elif purpose == "commenting" and isinstance(value, str):
            fmt = body.get("format", "text/plain")
            notes.append((value, "text/markdown" if fmt == "text/markdown" else "text/plain"))
        elif purpose == "highlighting" and isinstance(value, str):
            colour = value.strip()
        elif purpose == "linking":
            src = body.get("source", body.get("id"))
            if not isinstance(src, str) or not src:
                raise InterchangeError("a linking body needs a 'source' annotation id")
            links.append(src)
        else:
            other.append(dict(body))
    note = "\n\n".join(n for n, _ in notes)
    note_format = "text/markdown" if any(f == "text/markdown" for _, f in notes) else "text/plain"
    if not notes:
        note_format = "text/markdown"
    who = _creator(data.get("creator")) or creator
    if not who:
        raise InterchangeError("it has no creator: name the reader with --reader NAME")
    created = normalise_date(data["created"], "created date") if data.get("created") else now()
    modified = normalise_date(data["modified"], "modified date") if data.get("modified") else created
    extra: dict[str, Any] = {k: v for k, v in data.items() if k not in _MODELLED and not k.startswith("@")}
    if other:
        extra["bodies"] = other
    audience = data.get(AUDIENCE, "public")
    motivation = data.get("motivation")
    if isinstance(motivation, list):
        motivation = motivation[0] if motivation else None
    target = data.get("target")
    if isinstance(target, list):
        if len(target) != 1:
            raise InterchangeError(f"it has {len(target)} targets; annotator supports exactly one")
        target = target[0]
    if motivation == "linking" or (isinstance(target, str) and links):
        if not isinstance(target, str):
            target = target.get("id") if isinstance(target, Mapping) else None
        if not isinstance(target, str):
            raise InterchangeError("a linking annotation's target must be an annotation id")
        a = Annotation(
            id=ident or new_id(), story=story or "", creator=who, motivation="linking",
            links=tuple(links), target_ref=target, note=note, note_format=note_format,
            created=created, modified=modified, extra=extra, audience=audience,
        )  # fmt: skip
        validate(a)
        return a
    if not isinstance(target, Mapping):
        raise InterchangeError("the target must be an object with 'source' and 'selector'")
    story_id = _story_of(target.get("source"), story)
    quote, position = _selectors(target.get("selector"))
    if quote is None and position is None:
        raise InterchangeError("the target has neither a TextQuoteSelector nor a TextPositionSelector")
    if motivation not in ("tagging", "commenting", "highlighting"):
        motivation = motivation_for(tropes, note, colour)
    state = target.get("state")
    version = state.get("value") if isinstance(state, Mapping) else None
    a = Annotation(
        id=ident or new_id(), story=story_id, creator=who,
        start=position.start if position else None, end=position.end if position else None,
        quote=quote or TextQuote(""), tropes=tuple(dict.fromkeys(tropes)), note=note,
        note_format=note_format, colour=colour, motivation=motivation, created=created,
        modified=modified, orphan=bool(target.get("annotator:orphan")),
        story_version=version if isinstance(version, str) else None, extra=extra,
        audience=audience,
    )  # fmt: skip
    if quote is None:
        return a  # the importer fills the quote from the position, then validates
    # Without a position the span is only known once the importer anchors the
    # quote; check everything else now.
    validate(a if a.start is not None else replace(a, orphan=True))
    return a


def _creator(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list) and value:
        return _creator(value[0])
    if isinstance(value, Mapping):
        for key in ("name", "nickname", "id"):
            if isinstance(value.get(key), str) and value[key].strip():
                return value[key].strip()
    return None


def _story_of(source: Any, fallback: str | None) -> str:
    if isinstance(source, Mapping):
        source = source.get("id")
    if isinstance(source, str) and source.startswith(STORY_IRI_PREFIX):
        return source[len(STORY_IRI_PREFIX) :]
    if fallback:
        return fallback
    raise InterchangeError(
        f"its target source {source!r} is not an annotator story: pass --story ID to say which story"
    )


def _selectors(raw: Any) -> tuple[TextQuote | None, TextPosition | None]:
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        raise InterchangeError("the target's 'selector' must be an object or a list of objects")
    quote: TextQuote | None = None
    position: TextPosition | None = None
    for sel in raw:
        if not isinstance(sel, Mapping):
            raise InterchangeError("a selector is not an object")
        kind = sel.get("type")
        if kind == "TextQuoteSelector":
            exact = sel.get("exact")
            if not isinstance(exact, str) or not exact:
                raise InterchangeError("its TextQuoteSelector has no 'exact' text")
            prefix, suffix = sel.get("prefix", ""), sel.get("suffix", "")
            if not isinstance(prefix, str) or not isinstance(suffix, str):
                raise InterchangeError("its TextQuoteSelector's prefix and suffix must be strings")
            quote = TextQuote(exact, prefix, suffix)
        elif kind == "TextPositionSelector":
            start, end = sel.get("start"), sel.get("end")
            if any(isinstance(v, bool) or not isinstance(v, int) for v in (start, end)):
                raise InterchangeError(
                    f"its TextPositionSelector needs whole-number start and end, got {start!r}, {end!r}"
                )
            if start < 0 or end <= start:
                raise InterchangeError(f"its TextPositionSelector {start}..{end} is empty or reversed")
            position = TextPosition(start, end)
        elif kind == "RangeSelector" or kind is None:
            continue  # DOM ranges (Hypothesis) mean nothing in a plain text
    return quote, position


__all__ = ["CONTEXT", "collection", "from_w3c", "items_of", "story_iri", "to_w3c"]
