"""Evaluate the trope suggester against One Dance's editorial reading.

Protocol (see the README table this prints):

* Gold: a paragraph's gold tropes are the tropes of the ``editor``
  annotations (story/annotations/one-dance.jsonld) that overlap it.
* Predictions: ``suggest(story, top=3)``, every numbered paragraph.
* Split: the numbered paragraphs are cut into blocks of 8 consecutive
  paragraphs; even blocks (p1-p8, p17-p24, ...) are *dev*, odd blocks are
  *test*. Contiguous blocks keep most multi-paragraph annotations on one side.
  The cues were first written blind (from the trope definitions alone, never
  looking at One Dance or its gold); any later tuning looked at dev only.
  Report ``--split test``; ``--split all`` is honest only for blind cues.
* Per trope: paragraph-level precision, recall, F1. Micro F1 pools the
  counts of every trope; macro F1 averages F1 over the tropes that have at
  least one gold paragraph in the split.
* precision@3 (strict): over paragraphs with at least one gold trope, the
  number of top-3 suggestions that are gold tropes of the paragraph divided
  by 3 (a slot left empty counts as a miss), averaged; its ceiling (a
  perfect suggester, limited by paragraphs with fewer than 3 gold tropes)
  is printed beside it. precision@shown
  divides by the number of suggestions actually shown (at most 3), averaged
  over gold paragraphs that got at least one; coverage is the share of gold
  paragraphs that got at least one suggestion.
* Speed: wall time of ``suggest`` over all of One Dance, cold (first call,
  compiling cues) and warm (best of 5).

Run: ``.venv/bin/python benchmarks/suggest_eval.py [--split test|dev|all]
[--cues FILE] [--embeddings]``
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.library import EDITOR, load_story, open_store  # noqa: E402
from annotator.story import Story  # noqa: E402
from annotator.suggest import load_cues, suggest  # noqa: E402
from annotator.tropes import default_vocabulary  # noqa: E402

BLOCK = 8
TOP = 3


def split_of(story: Story) -> dict[str, str]:
    """``paragraph id -> "dev" | "test"`` by alternating blocks of ``BLOCK`` paragraphs."""
    return {
        p.id: ("dev" if (i // BLOCK) % 2 == 0 else "test")
        for i, p in enumerate(story.body_paragraphs)
    }


def gold_of(story: Story) -> dict[str, set[str]]:
    """The editor's tropes per paragraph (annotations overlapping it)."""
    gold: dict[str, set[str]] = defaultdict(set)
    with open_store(":memory:") as store:
        for a in store.annotations(story.id, creator=EDITOR, links=False):
            if a.start is None or a.end is None:
                continue
            for p in story.paragraphs_in(a.start, a.end):
                gold[p.id].update(a.tropes)
    return gold


def evaluate(
    story: Story, predicted: dict[str, list[str]], gold: dict[str, set[str]], ids: list[str]
):
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    strict: list[float] = []
    shown: list[float] = []
    for pid in ids:
        pred, g = predicted.get(pid, []), gold.get(pid, set())
        for t in set(pred) | g:
            if t in pred and t in g:
                tp[t] += 1
            elif t in pred:
                fp[t] += 1
            else:
                fn[t] += 1
        if g:
            hits = sum(t in g for t in pred[:TOP])
            strict.append(hits / TOP)
            if pred:
                shown.append(hits / min(TOP, len(pred)))
    return tp, fp, fn, strict, shown


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", choices=("test", "dev", "all"), default="test")
    ap.add_argument("--cues", help="a cues file to evaluate instead of the shipped one")
    ap.add_argument(
        "--embeddings", action="store_true", help="add MiniLM similarity (needs the extra)"
    )
    ap.add_argument(
        "--errors", action="store_true", help="also list false positives/negatives (dev only!)"
    )
    args = ap.parse_args(argv)

    story = load_story("one-dance")
    vocab = default_vocabulary()
    cues = load_cues(args.cues, vocab) if args.cues else None

    t0 = time.perf_counter()
    found = suggest(story, top=TOP, cues=cues, embeddings=args.embeddings)
    cold = time.perf_counter() - t0
    warm = min(
        _timed(lambda: suggest(story, top=TOP, cues=cues, embeddings=args.embeddings))
        for _ in range(5)
    )

    predicted: dict[str, list[str]] = defaultdict(list)
    for s in found:
        predicted[s.paragraph].append(s.trope)
    gold = gold_of(story)
    sides = split_of(story)
    ids = [p.id for p in story.body_paragraphs if args.split == "all" or sides[p.id] == args.split]
    tp, fp, fn, strict, shown = evaluate(story, predicted, gold, ids)

    gen = found[0].generator if found else "-"
    n_gold = sum(1 for i in ids if gold.get(i))
    print(
        f"Trope suggester on One Dance, split **{args.split}** ({len(ids)} paragraphs, "
        f"{n_gold} with gold tropes), top-{TOP}, generator `{gen}`\n"
    )
    print("| trope | gold ¶ | suggested ¶ | precision | recall | F1 |")
    print("|---|---:|---:|---:|---:|---:|")
    f1s = []
    for trope in vocab:
        t = trope.id
        if not (tp[t] + fn[t] + fp[t]):
            continue
        p, r, f = prf(tp[t], fp[t], fn[t])
        if tp[t] + fn[t]:
            f1s.append(f)
        print(f"| {t} | {tp[t] + fn[t]} | {tp[t] + fp[t]} | {p:.2f} | {r:.2f} | {f:.2f} |")
    mp, mr, mf = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    macro = sum(f1s) / len(f1s) if f1s else 0.0
    print("\n| measure | value |\n|---|---:|")
    print(f"| micro precision / recall / F1 | {mp:.2f} / {mr:.2f} / {mf:.2f} |")
    print(f"| macro F1 ({len(f1s)} tropes with gold) | {macro:.2f} |")
    ceiling = _mean([min(TOP, len(gold[i])) / TOP for i in ids if gold.get(i)])
    print(f"| precision@3, strict (÷3) | {_mean(strict):.2f} (ceiling {ceiling:.2f}) |")
    print(f"| precision@shown (÷ shown, ≤3) | {_mean(shown):.2f} |")
    print(f"| coverage (gold ¶ with ≥1 suggestion) | {len(shown)}/{len(strict)} |")
    print(
        f"| time, all of One Dance ({len(story.body_paragraphs)} ¶) | cold {cold * 1000:.0f} ms, "
        f"warm {warm * 1000:.0f} ms |"
    )
    if args.errors:
        if args.split == "test":
            print("\n(refusing to list errors on the test split: tune on dev only)")
            return 0
        print()
        for pid in ids:
            g, pred = gold.get(pid, set()), predicted.get(pid, [])
            if set(pred) != g:
                print(f"{pid}: FP {sorted(set(pred) - g)}  FN {sorted(g - set(pred))}")
    return 0


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


if __name__ == "__main__":
    sys.exit(main())
