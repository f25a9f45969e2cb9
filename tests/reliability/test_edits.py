"""Edits to the text: the shipped reading re-anchored in 240 edited versions of the story.

The shipped annotations (story/annotations/one-dance.jsonld, read through
annotator.interchange) are re-anchored with :func:`annotator.anchoring.anchor`
in versions of One Dance made by :mod:`edits` (typo fixes, inserted and
deleted sentences, moved and split paragraphs, quote-style and white-space
changes; seeded). Each character remembers its origin, so the *true new
location* of an annotated passage is known exactly: the new offsets of its
surviving original characters.

Definitions (also in RELIABILITY.md):

* **right passage**: the new span overlaps the true new location.
* **tight**: the new span and the hull of the true new location have a
  Jaccard similarity of at least 0.8.
* **orphaned**: no place found; correct when the passage was deleted.
* **matches its quote**: for the ``position`` and ``quote`` methods
  ``text[start:end] == quote.exact``; for ``fuzzy``
  ``rapidfuzz.fuzz.ratio(quote.exact, text[start:end]) >= FUZZY_THRESHOLD``.
* **lost**: an annotation that is missing after re-anchoring through the
  product's own paths (``interchange.place`` for every version, and
  ``story_import.import_story`` into a real store for every tenth).

Required: zero lost, zero re-anchored to text that does not match its quote.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace

from rapidfuzz import fuzz

from annotator.anchoring import FUZZY_THRESHOLD, TextPosition, anchor
from annotator.interchange import parse_annotations, place, read_json_file
from annotator.library import load_story, shipped_readings
from annotator.store import Store
from annotator.story import Story
from annotator.story_import import import_story
from annotator.tropes import default_vocabulary

from . import edits

VERSIONS = 240
SEED = 5150


def _shipped(story: Story):
    path = next(p for p in shipped_readings() if p.stem == story.id)
    fmt, data = read_json_file(path)
    _, parsed = parse_annotations(data, fmt=fmt)
    placed, _, orphans = place(parsed, {story.id: story}, default_vocabulary())
    assert not orphans, "the shipped reading does not anchor in the shipped text"
    return placed


def _matches(text: str, start: int, end: int, exact: str, method: str) -> bool:
    found = text[start:end]
    if method in ("position", "quote"):
        return found == exact
    return fuzz.ratio(exact, found) >= FUZZY_THRESHOLD


def test_reanchoring_after_generated_edits(tmp_path, figures):
    story = load_story("one-dance")
    annotations = _shipped(story)
    texts = [a for a in annotations if not a.is_link]
    docs = edits.generate(story.text, VERSIONS, SEED, [(a.start, a.end) for a in texts])
    vocab = default_vocabulary()
    counts: Counter[str] = Counter()
    methods: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    problems: list[str] = []
    lost = 0
    t0 = time.monotonic()
    for n, doc in enumerate(docs):
        kinds.update(a.split(" ")[0].rstrip(":") for a in doc.applied)
        new_text = doc.text
        where = doc.locator()
        for a in texts:
            assert a.quote is not None and a.start is not None and a.end is not None
            truth = set(where(a.start, a.end))
            found = anchor(new_text, quote=a.quote, position=TextPosition(a.start, a.end))
            counts["total"] += 1
            methods[found.method] += 1
            if found.orphan:
                counts["orphaned"] += 1
                counts[
                    "orphaned, passage deleted" if not truth else "orphaned, passage still there"
                ] += 1
                continue
            assert found.start is not None and found.end is not None
            if not _matches(new_text, found.start, found.end, a.quote.exact, found.method):
                counts["mismatched"] += 1
                problems.append(
                    f"version {n} ({doc.applied}): {a.id} -> {new_text[found.start : found.end]!r}"
                )
            span = set(range(found.start, found.end))
            if truth and span & truth:
                counts["right passage"] += 1
                hull = set(range(min(truth), max(truth) + 1))
                if len(span & hull) / len(span | hull) >= 0.8:
                    counts["tight"] += 1
            else:
                counts["elsewhere"] += 1
        # The product's own import path keeps every annotation (orphans included).
        # place() reads only the text and its version: skip the paragraph parse.
        edited = Story(id=story.id, text=new_text, metadata=story.metadata)
        placed, _, _ = place(annotations, {story.id: edited}, vocab)
        missing = {a.id for a in annotations} - {a.id for a in placed}
        lost += len(missing)
        if missing:
            problems.append(f"version {n}: place() lost {sorted(missing)[:3]}")
    seconds = time.monotonic() - t0

    store_lost, store_mismatched, store_imports = _through_the_store(
        tmp_path, story, annotations, docs[::10]
    )
    total = counts["total"]
    figures.record(
        "edits",
        versions=VERSIONS,
        edit_kinds=dict(sorted(kinds.items())),
        text_annotations=len(texts),
        anchorings=total,
        right_passage=counts["right passage"],
        right_passage_share=round(counts["right passage"] / total, 4),
        tight=counts["tight"],
        tight_share=round(counts["tight"] / total, 4),
        orphaned=counts["orphaned"],
        orphaned_share=round(counts["orphaned"] / total, 4),
        orphaned_passage_deleted=counts["orphaned, passage deleted"],
        orphaned_passage_still_there=counts["orphaned, passage still there"],
        elsewhere=counts["elsewhere"],
        mismatched=counts["mismatched"],
        lost=lost + store_lost,
        store_imports=store_imports,
        store_mismatched=store_mismatched,
        methods=dict(methods),
        fuzzy_threshold=FUZZY_THRESHOLD,
        seconds=round(seconds, 1),
        ok=not problems and not store_lost and not store_mismatched,
    )
    assert not problems, "\n".join(problems[:10])
    assert lost == 0 and store_lost == 0 and store_mismatched == 0
    assert counts["right passage"] / total > 0.9, counts


def _through_the_store(tmp_path, story: Story, annotations, docs) -> tuple[int, int, int]:
    """Import every version as a new version of a stored story; count losses and mismatches."""
    sid = "one-dance-edited"
    store = Store(tmp_path / "edits.db")
    source = tmp_path / "one-dance-edited.txt"
    source.write_text(story.text, encoding="utf-8")
    import_story(store, source, sid)
    first = store.story_text(sid)
    assert first is not None
    base = Story.from_text(sid, first["text"], first["metadata"])
    moved = [replace(a, story=sid) for a in annotations]
    placed, _, _ = place(moved, {sid: base}, default_vocabulary())
    store.add_many(placed)
    ids = {a.id for a in placed}
    lost = mismatched = 0
    for doc in docs:
        before = {a.id: a for a in store.annotations(sid)}
        source.write_text(doc.text, encoding="utf-8")
        import_story(store, source, sid)
        current = store.story_text(sid)
        assert current is not None
        after = {a.id: a for a in store.annotations(sid)}
        lost += len(ids - set(after))
        for ident, a in after.items():
            old = before[ident]
            if a.is_link or a.orphan or old.quote is None:
                continue
            found = current["text"][a.start : a.end]
            if found != old.quote.exact and fuzz.ratio(old.quote.exact, found) < FUZZY_THRESHOLD:
                mismatched += 1
    store.close()
    return lost, mismatched, len(docs)
