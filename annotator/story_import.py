"""Import a story file into the store, and carry its annotations over to the new text.

A story in the store is a series of versions (a version is the hash of the
text, :attr:`Story.version`). Importing a file whose text is new for that id
adds a version, makes it current and re-anchors every annotation of the
story against it (:func:`annotator.anchoring.anchor`): those whose passage
is where it was are unchanged, those whose passage moved follow it, and
those whose passage is gone become orphans, kept with their quote, never
deleted. All of it is one transaction. Importing the same file again
changes nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .anchoring import TextPosition, anchor, describe
from .annotation import Annotation, validate
from .errors import StoryError
from .importers import FORMAT_NAMES, read_story_file
from .library import stories_dir
from .store import Store
from .story import Story


@dataclass
class StoryImportReport:
    """What importing a story file did.

    ``status`` is ``new`` (first import), ``updated`` (a new version of the
    text), ``metadata`` (same text, new metadata) or ``unchanged``.
    """

    story: str
    title: str
    file: str
    format: str
    version: str
    status: str
    chapters: int
    words: int
    previous: str | None = None
    moved: int = 0
    unchanged: int = 0
    orphans: list[tuple[str, str]] = field(default_factory=list)  # (annotation id, quote)

    def summary(self) -> str:
        """A few lines for the CLI."""
        kind = FORMAT_NAMES.get(self.format, self.format)
        what = f"{self.title!r} ({self.story}) from {Path(self.file).name}, {kind}"
        chapters = f"{self.chapters} chapter{'s' * (self.chapters != 1)}"
        size = f"{chapters}, {self.words:,} words, version {self.version}"
        if self.status == "unchanged":
            return f"{what}: already in the library at version {self.version}; nothing changed"
        if self.status == "metadata":
            return f"{what}: same text, metadata updated ({size})"
        if self.status == "new":
            return f"imported {what}: {size}"
        lines = [
            f"imported a new version of {what}: {size} (was {self.previous})",
            f"annotations: {self.moved} moved, {self.unchanged} unchanged, "
            f"{len(self.orphans)} orphaned",
        ]
        lines += [f"  orphan {ident}: {_short(quote)!r}" for ident, quote in self.orphans]
        return "\n".join(lines)


def _short(quote: str, width: int = 70) -> str:
    flat = " ".join(quote.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def import_story(
    store: Store, path: str | os.PathLike[str], story_id: str | None = None
) -> StoryImportReport:
    """Import a story file (AO3 HTML, EPUB, Markdown, plain text) into the store.

    Args:
        store: the store to import into.
        path: the story file.
        story_id: the id to give it; by default a slug of its title. Use the
            same id to import a new version of a story.

    Raises:
        StoryError: the file cannot be read or parsed, or the id is bad or
            belongs to a shipped story; nothing was written.
        StoreError: the store could not be written; nothing was written.
    """
    parsed = read_story_file(path, story_id)
    name = Path(path).name
    if (stories_dir() / f"{parsed.id}.json").exists():
        raise StoryError(
            f"{name}: the id {parsed.id!r} belongs to a story shipped with annotator; "
            "give the import another id with --id"
        )
    story = Story.from_text(parsed.id, parsed.text, parsed.metadata, chapters=parsed.chapters)
    metadata = {k: v for k, v in story.metadata.items() if k != "words"}
    current = store.story_text(story.id)
    if (
        current is not None
        and story_id is None
        and _identity(current["metadata"]) != _identity(metadata)
    ):
        # Titles are not unique: an id made from one must not turn another work
        # into a "new version" and re-anchor its annotations onto a stranger.
        old = current["metadata"]
        raise StoryError(
            f"{name}: the library already has a different story with the id {story.id!r} "
            f"({old.get('title')!r} by {old.get('author') or 'unknown'}); import this one with "
            f"--id ANOTHER-ID, or with --id {story.id} if it really is a new version of that story"
        )
    report = StoryImportReport(
        story=story.id,
        title=story.title,
        file=str(path),
        format=parsed.format,
        version=story.version,
        status="new",
        chapters=len(story.sections),
        words=int(story.metadata.get("words") or 0),
        previous=current["version"] if current else None,
    )
    same_text = current is not None and current["version"] == story.version
    if same_text:
        assert current is not None
        same_meta = _canonical(current["metadata"]) == _canonical(metadata)
        if same_meta and current["chapters"] == parsed.chapters:
            report.status = "unchanged"
            return report
        report.status = "metadata"
    elif current is not None:
        report.status = "updated"

    def reanchor(annotations: list[Annotation]) -> list[Annotation]:
        changed = []
        for a in annotations:
            if a.is_link or a.story_version == story.version:
                continue
            placed = _reanchor(a, story, report)
            validate(placed)
            changed.append(placed)
        return changed

    store.save_story_text(
        story.id,
        story.version,
        story.title,
        story.text,
        metadata,
        parsed.chapters,
        source=name,
        reanchor=None if same_text else reanchor,
    )
    return report


def _identity(metadata: dict[str, object]) -> tuple[object, ...]:
    if metadata.get("ao3_work_id") is not None:
        return ("ao3", metadata["ao3_work_id"])
    return (metadata.get("title"), metadata.get("author"))


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _reanchor(a: Annotation, story: Story, report: StoryImportReport) -> Annotation:
    """``a`` placed in the new text, counted in ``report``."""
    assert a.quote is not None  # validated text annotations always have one
    position = TextPosition(a.start, a.end) if a.start is not None and a.end is not None else None
    found = anchor(story.text, quote=a.quote, position=position)
    if found.orphan:
        report.orphans.append((a.id, a.quote.exact))
        return replace(a, start=None, end=None, orphan=True, story_version=story.version)
    assert found.start is not None and found.end is not None
    if (found.start, found.end) == (a.start, a.end) and not a.orphan:
        report.unchanged += 1
    else:
        report.moved += 1
    quote = describe(story.text, found.start, found.end).quote
    return replace(
        a, start=found.start, end=found.end, quote=quote, orphan=False, story_version=story.version
    )
