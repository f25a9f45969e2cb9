"""Deterministic workloads built from the project's own text.

* One Dance with 1,000 annotations from 3 readers.
* A synthetic novel-length story (500,000 words by default): One Dance's
  paragraphs reordered by a seeded RNG, character names varied from chapter
  to chapter, grouped into chapters, with 20,000 overlapping annotations from
  5 readers.

Everything is seeded, so two runs measure the same work.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

from annotator.annotation import Annotation, make_annotation
from annotator.library import load_story
from annotator.story import Story
from annotator.tropes import default_vocabulary

READERS = ("ada", "bo", "cy", "dee", "eli")
_NAMES = {
    "Kakashi": ["Kakashi", "Genma", "Raidou", "Shisui", "Tenzou"],
    "Iruka": ["Iruka", "Izumo", "Kotetsu", "Aoba", "Hayate"],
    "Kurenai": ["Kurenai", "Shizune", "Yugao", "Hana", "Ayame"],
    "Anko": ["Anko", "Tenten", "Temari", "Karin", "Moegi"],
}


@lru_cache(maxsize=4)
def novel(words: int = 500_000, seed: int = 7) -> Story:
    """A deterministic multi-chapter story of about ``words`` words."""
    base = load_story("one-dance")
    paragraphs = [base.text[p.start : p.end] for p in base.body_paragraphs]
    rng = random.Random(seed)
    out: list[str] = []
    chapters: list[tuple[str, int, int]] = []
    count = 0
    pos = 0
    chapter = 0
    while count < words:
        chapter += 1
        title = f"Chapter {chapter}"
        variant = chapter % 5
        order = paragraphs[:]
        rng.shuffle(order)
        body = []
        for i, para in enumerate(order[:60]):
            for canon, options in _NAMES.items():
                para = re.sub(rf"\b{canon}\b", options[variant], para)
            body.append(para)
            if i and i % 20 == 0:
                body.append("\n")  # an extra blank line: a scene break
        block = title + "\n\n" + "\n\n".join(body)
        start = pos
        out.append(block)
        pos += len(block)
        chapters.append((title, start, pos))
        out.append("\n\n")
        pos += 2
        count += len(block.split())
    text = "".join(out).rstrip("\n")
    chapters[-1] = (chapters[-1][0], chapters[-1][1], len(text))
    meta = {k: v for k, v in base.metadata.items() if k != "words"}
    meta["title"] = "One Dance, Again and Again"
    return Story.from_text("novel", text, meta, chapters=chapters)


def annotations(story: Story, n: int, readers: tuple[str, ...], seed: int = 11) -> list[Annotation]:
    """``n`` overlapping annotations spread over ``story`` by ``readers``."""
    rng = random.Random(seed)
    tropes = [t.id for t in default_vocabulary()]
    paras = story.body_paragraphs
    out = []
    for i in range(n):
        p = paras[rng.randrange(len(paras))]
        length = p.end - p.start
        start = p.start + rng.randrange(max(1, length - 5))
        # Half the spans run on into the next paragraphs: plenty of overlap.
        end = min(len(story.text), start + rng.randint(5, 400 if i % 2 else 40))
        while not story.text[start:end].strip():
            end += 1
        out.append(
            make_annotation(
                story.text, story.id, start, end,
                creator=readers[i % len(readers)],
                tropes=rng.sample(tropes, rng.randint(1, 2)),
                note=f"note {i}" if i % 3 == 0 else "",
                story_version=story.version,
                id=f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
            )
        )  # fmt: skip
    return out


def one_dance_workload() -> tuple[Story, list[Annotation]]:
    """One Dance with 1,000 annotations from 3 readers."""
    story = load_story("one-dance")
    return story, annotations(story, 1000, READERS[:3])


def novel_workload(words: int = 500_000, n: int = 20_000) -> tuple[Story, list[Annotation]]:
    """The synthetic novel with ``n`` annotations from 5 readers."""
    story = novel(words)
    return story, annotations(story, n, READERS)


def scattered_edits(text: str, count: int = 100, seed: int = 3) -> str:
    """``count`` small edits spread through the text: insertions, deletions, typo fixes."""
    rng = random.Random(seed)
    points = sorted(rng.sample(range(100, len(text) - 100), count), reverse=True)
    for i, at in enumerate(points):
        kind = i % 3
        if kind == 0:
            text = text[:at] + " (an inserted aside)" + text[at:]
        elif kind == 1:
            text = text[:at] + text[at + 7 :]
        else:
            text = text[:at] + text[at].swapcase() + text[at + 1 :]
    return text
