"""Analysis of a story's annotations: tables, counts, co-occurrence and agreement.

What notebook 02 shows, as plain functions: annotations as a pandas
DataFrame (one row per annotation and trope), counts per trope and reader,
where each trope occurs, which tropes share paragraphs, and how far two
readers agree. Agreement is measured per paragraph and trope: for each
trope, did reader A tag it somewhere in the paragraph, and did reader B?
Cohen's kappa over those yes/no judgements corrects for chance agreement.

pandas is imported here, at the edge, never by the model modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import TYPE_CHECKING

from .annotation import Annotation
from .story import Story

if TYPE_CHECKING:
    import pandas as pd


def to_dataframe(story: Story, annotations: Iterable[Annotation]) -> pd.DataFrame:
    """One row per (annotation, trope); untagged annotations get trope ``None``.

    Columns: id, creator, trope, start, end, position (0-1 through the story),
    paragraph (id of the paragraph holding the start), exact, note, orphan.
    """
    import pandas as pd

    rows = []
    n = len(story.text) or 1
    for a in annotations:
        if a.is_link:
            continue
        para = story.paragraph_at(a.start).id if a.start is not None and story.paragraph_at(a.start) else None
        for trope in a.tropes or (None,):
            rows.append(
                {
                    "id": a.id,
                    "creator": a.creator,
                    "trope": trope,
                    "start": a.start,
                    "end": a.end,
                    "position": (a.start / n) if a.start is not None else None,
                    "paragraph": para,
                    "exact": a.quote.exact if a.quote else "",
                    "note": a.note,
                    "orphan": a.orphan,
                }
            )
    columns = ["id", "creator", "trope", "start", "end", "position", "paragraph", "exact", "note", "orphan"]
    return pd.DataFrame(rows, columns=columns)


def paragraph_tropes(story: Story, annotations: Iterable[Annotation]) -> dict[str, dict[str, set[str]]]:
    """``{reader: {paragraph id: {trope ids}}}``, a tag counting for every paragraph it overlaps."""
    out: dict[str, dict[str, set[str]]] = {}
    for a in annotations:
        if a.is_link or a.orphan or a.start is None or a.end is None or not a.tropes:
            continue
        for p in story.paragraphs_in(a.start, a.end):
            out.setdefault(a.creator, {}).setdefault(p.id, set()).update(a.tropes)
    return out


def cooccurrence(story: Story, annotations: Iterable[Annotation]) -> pd.DataFrame:
    """How many paragraphs each pair of tropes shares (all readers pooled), largest first."""
    import pandas as pd

    pooled: dict[str, set[str]] = {}
    for by_para in paragraph_tropes(story, annotations).values():
        for pid, tropes in by_para.items():
            pooled.setdefault(pid, set()).update(tropes)
    counts: dict[tuple[str, str], int] = {}
    for tropes in pooled.values():
        for a, b in combinations(sorted(tropes), 2):
            counts[(a, b)] = counts.get((a, b), 0) + 1
    rows = [{"trope_a": a, "trope_b": b, "paragraphs": c} for (a, b), c in counts.items()]
    df = pd.DataFrame(rows, columns=["trope_a", "trope_b", "paragraphs"])
    return df.sort_values(["paragraphs", "trope_a", "trope_b"], ascending=[False, True, True]).reset_index(drop=True)


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """Cohen's kappa of two yes/no sequences; ``None`` when it is undefined.

    Kappa is undefined when chance agreement is total (both readers said the
    same single answer throughout); we say so rather than report 1.0.
    """
    if len(a) != len(b) or not a:
        raise ValueError("kappa needs two judgement sequences of the same, non-zero length")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def agreement(story: Story, annotations: Iterable[Annotation], readers: Sequence[str] | None = None) -> pd.DataFrame:
    """Pairwise agreement between readers, per trope and overall.

    For every pair of readers and every trope either of them used, each
    numbered paragraph is one yes/no judgement per reader. Returns one row
    per (reader_a, reader_b, trope) plus a ``*`` row pooling all tropes,
    with the paragraphs both tagged, either tagged, and Cohen's kappa.
    """
    import pandas as pd

    tags = paragraph_tropes(story, annotations)
    names = sorted(readers if readers is not None else tags)
    pids = [p.id for p in story.body_paragraphs]
    rows = []
    for ra, rb in combinations(names, 2):
        ta, tb = tags.get(ra, {}), tags.get(rb, {})
        used = sorted({t for s in (*ta.values(), *tb.values()) for t in s})
        pooled_a: list[bool] = []
        pooled_b: list[bool] = []
        for trope in used:
            ja = [trope in ta.get(p, ()) for p in pids]
            jb = [trope in tb.get(p, ()) for p in pids]
            pooled_a += ja
            pooled_b += jb
            rows.append(_agreement_row(ra, rb, trope, ja, jb))
        if used:
            rows.append(_agreement_row(ra, rb, "*", pooled_a, pooled_b))
    columns = ["reader_a", "reader_b", "trope", "both", "either", "kappa"]
    return pd.DataFrame(rows, columns=columns)


def _agreement_row(ra: str, rb: str, trope: str, ja: list[bool], jb: list[bool]) -> dict[str, object]:
    return {
        "reader_a": ra,
        "reader_b": rb,
        "trope": trope,
        "both": sum(x and y for x, y in zip(ja, jb, strict=True)),
        "either": sum(x or y for x, y in zip(ja, jb, strict=True)),
        "kappa": cohen_kappa(ja, jb),
    }
