"""Speaker attribution measured against a hand-made gold standard."""

from __future__ import annotations

import json
from pathlib import Path

from annotator.story import Story

GOLD = json.loads((Path(__file__).parent / "data" / "one-dance-speakers.json").read_text())
GOLD.pop("_notes")


def _score(story):
    got = {p.id: p.speaker for p in story.paragraphs if p.id in GOLD}
    right = sum(got[k] == v for k, v in GOLD.items())
    wrong = sum(got[k] is not None and got[k] != v for k, v in GOLD.items())
    return right, wrong, len(GOLD)


def test_attribution_accuracy_on_one_dance(story):
    right, wrong, total = _score(story)
    # Measured: 65 of 69 right (94%), 2 wrong, 2 left unattributed.
    assert right / total >= 0.9, (right, total)
    assert wrong <= 3


def test_explicit_tags():
    text = 'T\n\n"Hello," Iruka said.\n\n"Hi." Kakashi murmured.\n\n"Again?" said Iruka.'
    s = Story.from_text("t", text, {"characters": ["Umino Iruka", "Hatake Kakashi"]})
    assert [p.speaker for p in s.body_paragraphs] == ["Iruka", "Kakashi", "Iruka"]


def test_alternation_fills_untagged_lines():
    text = 'T\n\n"One." Iruka said.\n\n"Two."\n\n"Three."\n\n"Four." Kakashi said.'
    s = Story.from_text("t", text, {"characters": ["Umino Iruka", "Hatake Kakashi"]})
    assert [p.speaker for p in s.body_paragraphs] == ["Iruka", "Kakashi", "Iruka", "Kakashi"]


def test_unnamed_voice_stays_unattributed():
    text = 'T\n\n"One." Iruka said.\n\n"Two." Kakashi said.\n\n"Who?" A curious voice asked.'
    s = Story.from_text("t", text, {"characters": ["Umino Iruka", "Hatake Kakashi"]})
    assert s.body_paragraphs[-1].speaker is None


def test_no_characters_no_guesses():
    s = Story.from_text("t", 'T\n\n"Hello," she said.')
    assert s.body_paragraphs[0].speaker is None
