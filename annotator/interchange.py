"""Import and export: files in, annotations re-anchored and checked, store written.

Import is all or nothing: every annotation of a file is parsed, anchored in
its story and checked (tropes against the vocabulary) before a single row is
written, and the write is one transaction. Importing the same file twice
changes nothing; a newer ``modified`` date replaces an older copy. Ids from
the file are kept; an annotation without one gets a new ``urn:uuid:``.

Formats read: W3C JSON-LD (AnnotationCollection, AnnotationPage, a plain
list as Recogito writes, one annotation), Hypothesis API JSON, and the
annotated HTML edition (its embedded JSON-LD). Written: JSON-LD and CSV.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .anchoring import TextPosition, anchor, describe
from .annotation import Annotation, new_id, validate
from .errors import AnnotatorError, InterchangeError, UnknownTropeError
from .hypothesis_api import from_hypothesis, is_hypothesis, rows_of
from .jsonld import collection, from_w3c, items_of
from .store import Store
from .story import Story
from .tropes import Vocabulary, default_vocabulary

MAX_FILE = 64 * 1024 * 1024
EDITION_SCRIPT_ID = "annotator-annotations"
_EDITION_DATA = re.compile(
    r'<script[^>]*\bid="' + EDITION_SCRIPT_ID + r'"[^>]*>(.*?)</script>', re.S | re.I
)


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    format: str
    total: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    orphans: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the CLI."""
        parts = [f"{self.added} added", f"{self.updated} updated", f"{self.unchanged} unchanged"]
        if self.moved:
            parts.append(f"{self.moved} re-anchored to moved text")
        if self.orphans:
            parts.append(f"{len(self.orphans)} orphaned (their text is gone; kept and listed)")
        return f"{self.file}: {self.total} annotations ({self.format}): " + ", ".join(parts)


def read_json_file(path: Path) -> Any:
    """Read a JSON (or JSON-LD, or edition HTML) file.

    Returns:
        ``(format, data)``.

    Raises:
        InterchangeError: missing, too big, not UTF-8, not JSON, no embedded data.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InterchangeError(f"{path} does not exist") from None
    except OSError as e:
        raise InterchangeError(f"cannot read {path}: {e.strerror}") from None
    if path.is_dir():
        raise InterchangeError(f"{path} is a folder: give the annotation file itself")
    if size > MAX_FILE:
        raise InterchangeError(f"{path} is {size // 2**20} MiB; annotator imports files up to {MAX_FILE // 2**20} MiB")
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise InterchangeError(f"{path} is not UTF-8 text (bad byte at offset {e.start})") from None
    except OSError as e:
        raise InterchangeError(f"cannot read {path}: {e.strerror}") from None
    fmt = "json"
    if path.suffix.lower() in (".html", ".htm") or raw.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        m = _EDITION_DATA.search(raw)
        if not m:
            raise InterchangeError(
                f"{path} is HTML but not an annotated edition: it has no "
                f'<script id="{EDITION_SCRIPT_ID}"> block with annotations'
            )
        raw, fmt = m.group(1), "edition"
    if not raw.strip():
        raise InterchangeError(f"{path} is empty")
    try:
        return fmt, json.loads(raw)
    except json.JSONDecodeError as e:
        raise InterchangeError(f"{path} is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    except RecursionError:
        raise InterchangeError(f"{path} is nested too deeply to be an annotation file") from None


def parse_annotations(
    data: Any,
    *,
    fmt: str = "json",
    story: str | None = None,
    reader: str | None = None,
) -> tuple[str, list[Annotation]]:
    """Parse JSON data in any supported format (nothing is anchored yet).

    Returns:
        ``(format name, annotations)``.

    Raises:
        InterchangeError: for the first bad annotation, by id or position.
    """
    if is_hypothesis(data):
        if not story:
            raise InterchangeError("Hypothesis annotations point at web pages: pass --story ID")
        rows = rows_of(data)
        return "Hypothesis API JSON", [
            from_hypothesis(r, story=story, reader=reader, index=i) for i, r in enumerate(rows)
        ]
    items = items_of(data)
    name = "annotated edition" if fmt == "edition" else "W3C JSON-LD"
    parsed = [from_w3c(item, story=story, creator=reader, index=i) for i, item in enumerate(items)]
    if reader:
        parsed = [replace(a, creator=reader) for a in parsed]
    return name, parsed


def place(
    annotations: list[Annotation],
    stories: dict[str, Story],
    vocabulary: Vocabulary,
) -> tuple[list[Annotation], int, list[str]]:
    """Anchor text annotations in their stories and resolve their tropes.

    Returns:
        ``(annotations, how many moved, ids of orphans)``.

    Raises:
        InterchangeError: an unknown trope, a story that is not there, a bad link.
    """
    out: list[Annotation] = []
    moved = 0
    orphans: list[str] = []
    for a in annotations:
        where = f"annotation {a.id!r}"
        if not a.id:
            a = replace(a, id=new_id())
        try:
            tropes = tuple(dict.fromkeys(vocabulary.resolve(t).id for t in a.tropes))
        except UnknownTropeError as e:
            raise InterchangeError(f"{where}: {e}") from None
        if a.is_link:
            out.append(replace(a, tropes=tropes))
            continue
        story = stories.get(a.story)
        if story is None:
            raise InterchangeError(f"{where}: its story {a.story!r} is not in the library; pass --story ID")
        quote = a.quote
        if quote is None or not quote.exact:
            if a.start is None or a.end is None or a.end > len(story.text):
                raise InterchangeError(f"{where}: its position {a.start}..{a.end} is outside the story")
            quote = describe(story.text, a.start, a.end).quote
        position = TextPosition(a.start, a.end) if a.start is not None and a.end is not None else None
        found = anchor(story.text, quote=quote, position=position)
        if found.orphan:
            orphans.append(a.id)
            placed = replace(a, quote=quote, orphan=True, tropes=tropes, start=a.start, end=a.end)
        else:
            assert found.start is not None and found.end is not None
            if (found.start, found.end) != (a.start, a.end):
                moved += 1
            # Re-describe moved spans so that exact == text[start:end] holds again.
            new_quote = quote if found.method == "position" else describe(story.text, found.start, found.end).quote
            placed = replace(a, start=found.start, end=found.end, quote=new_quote, orphan=False, tropes=tropes)
        placed = replace(placed, story_version=story.version)
        out.append(placed)
    for a in out:
        try:
            validate(a)
        except AnnotatorError as e:
            raise InterchangeError(str(e)) from None
    return out, moved, orphans


def import_file(
    store: Store,
    path: str | Path,
    *,
    story: str | None = None,
    reader: str | None = None,
    vocabulary: Vocabulary | None = None,
) -> ImportReport:
    """Import an annotation file into the store, all or nothing.

    Raises:
        InterchangeError: the file or one of its annotations is bad; nothing was written.
        StoreError: the store could not be written; nothing was written.
    """
    from .library import load_story

    path = Path(path)
    fmt, data = read_json_file(path)
    name, parsed = parse_annotations(data, fmt=fmt, story=story, reader=reader)
    stories: dict[str, Story] = {}
    for a in parsed:
        if a.is_link:
            if not a.story:
                a_story = story or next((b.story for b in parsed if not b.is_link), None)
                if not a_story:
                    raise InterchangeError(f"annotation {a.id!r}: a link whose story is unknown; pass --story ID")
        elif a.story not in stories:
            try:
                stories[a.story] = load_story(a.story, store)
            except AnnotatorError as e:
                raise InterchangeError(f"{path}: annotation {a.id!r}: {e}") from None
    default_story = story or next(iter(stories), "")
    parsed = [replace(a, story=a.story or default_story) if a.is_link else a for a in parsed]
    try:
        placed, moved, orphans = place(parsed, stories, vocabulary or default_vocabulary())
    except InterchangeError as e:
        raise InterchangeError(f"{path}: {e}; nothing was imported") from None
    ids = [a.id for a in placed]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise InterchangeError(f"{path}: annotation id {dup!r} appears twice; nothing was imported")
    counts = store.add_many(placed, on_conflict="newer")
    # After the annotations, so a registered story means its import committed
    # (open_store relies on that to finish a first import cut by a crash).
    for s in stories.values():
        if s.id not in {x["id"] for x in store.stories()}:
            store.register_story(s.id, s.version, s.title)
    return ImportReport(
        file=str(path), format=name, total=len(placed), moved=moved, orphans=orphans, **counts
    )


def export_jsonld(annotations: Iterable[Annotation], label: str) -> str:
    """Annotations as a W3C AnnotationCollection, pretty-printed JSON."""
    return json.dumps(collection(annotations, label), ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = (
    "id", "story", "creator", "motivation", "start", "end", "exact", "tropes", "note",
    "colour", "links", "target", "orphan", "created", "modified",
)  # fmt: skip


def export_csv(annotations: Iterable[Annotation]) -> str:
    """Annotations as CSV for pandas: one row each, tropes joined with ``;``.

    Cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
    ``@`` first) are prefixed with a quote, as OWASP advises for CSV.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for a in annotations:
        w.writerow(
            [
                a.id, a.story, _cell(a.creator), a.motivation, a.start, a.end,
                _cell(a.quote.exact if a.quote else ""), ";".join(a.tropes), _cell(a.note),
                a.colour or "", ";".join(a.links), a.target_ref or "", int(a.orphan), a.created,
                a.modified,
            ]
        )  # fmt: skip
    return buf.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
