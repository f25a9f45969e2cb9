"""Checks of the shipped editorial reading, story/annotations/one-dance.jsonld.

The file is read with plain :mod:`json` so that it is checked independently of
annotator's own importers: every selector must quote the story exactly, every
tag must be a vocabulary id, every note must be there, and the linking
annotations must join existing annotations.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from annotator.tropes import default_vocabulary

ROOT = Path(__file__).resolve().parents[1]
STORY = ROOT / "story" / "one-dance.txt"
READING = ROOT / "story" / "annotations" / "one-dance.jsonld"
CONTEXT = "http://www.w3.org/ns/anno.jsonld"
SOURCE = "urn:annotator:story:one-dance"
CONTEXT_CHARS = 32

REQUIRED_IDS = [
    "fake-dating-setup",
    "mask-reveal",
    "masquerade-ball",
    "matchmaker",
    "slow-dance",
    "secret-admirer",
    "mutual-pining",
    "love-confession",
    "first-kiss",
    "moment-killer",
    "scar-insecurity",
    "instant-connection",
]

_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


@pytest.fixture(scope="module")
def text() -> str:
    with open(STORY, encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def collection() -> dict[str, Any]:
    with open(READING, encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def items(collection: dict[str, Any]) -> list[dict[str, Any]]:
    return collection["first"]["items"]


def _is_linking(item: dict[str, Any]) -> bool:
    return item["motivation"] == "linking"


def _bodies(item: dict[str, Any], purpose: str) -> list[dict[str, Any]]:
    return [b for b in item["body"] if b.get("purpose") == purpose]


def _tags(item: dict[str, Any]) -> list[str]:
    return [b["value"] for b in _bodies(item, "tagging")]


def _selector(item: dict[str, Any], kind: str) -> dict[str, Any]:
    found = [s for s in item["target"]["selector"] if s["type"] == kind]
    assert len(found) == 1, (item["id"], kind)
    return found[0]


def test_collection_shape(collection: dict[str, Any], items: list[dict[str, Any]]) -> None:
    assert collection["@context"] == CONTEXT
    assert collection["type"] == "AnnotationCollection"
    assert collection["label"] == "One Dance: an editorial reading"
    assert collection["first"]["type"] == "AnnotationPage"
    assert collection["total"] == len(items)
    assert 35 <= len(items) <= 75


def test_annotation_envelopes(items: list[dict[str, Any]]) -> None:
    for item in items:
        assert item["@context"] == CONTEXT
        assert item["type"] == "Annotation"
        assert item["motivation"] in {"tagging", "commenting", "linking"}
        assert _UTC.match(item["created"]) and _UTC.match(item["modified"])
        assert item["creator"]["type"] == "Person" and item["creator"]["name"]
        assert isinstance(item["body"], list) and item["body"]


def test_ids_are_unique_uuid_urns(items: list[dict[str, Any]]) -> None:
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    for ident in ids:
        assert ident.startswith("urn:uuid:")
        parsed = uuid.UUID(ident[len("urn:uuid:") :])
        assert str(parsed) == ident[len("urn:uuid:") :]
        assert parsed.version == 4


def test_selectors_quote_the_story_exactly(text: str, items: list[dict[str, Any]]) -> None:
    for item in items:
        if _is_linking(item):
            continue
        target = item["target"]
        assert target["source"] == SOURCE
        position = _selector(item, "TextPositionSelector")
        quote = _selector(item, "TextQuoteSelector")
        start, end = position["start"], position["end"]
        assert isinstance(start, int) and isinstance(end, int)
        assert 0 <= start < end <= len(text), item["id"]
        assert quote["exact"] == text[start:end], item["id"]
        assert quote["prefix"] == text[max(0, start - CONTEXT_CHARS) : start], item["id"]
        assert quote["suffix"] == text[end : end + CONTEXT_CHARS], item["id"]


def test_spans_have_sensible_boundaries(text: str, items: list[dict[str, Any]]) -> None:
    for item in items:
        if _is_linking(item):
            continue
        position = _selector(item, "TextPositionSelector")
        start, end = position["start"], position["end"]
        exact = text[start:end]
        assert exact == exact.strip(), item["id"]
        # Never cut a word in two.
        assert start == 0 or not (text[start - 1].isalnum() and text[start].isalnum()), item["id"]
        assert end == len(text) or not (text[end - 1].isalnum() and text[end].isalnum()), item["id"]


def test_motivation_matches_bodies(items: list[dict[str, Any]]) -> None:
    for item in items:
        if _is_linking(item):
            continue
        expected = "tagging" if _tags(item) else "commenting"
        assert item["motivation"] == expected, item["id"]
        for body in item["body"]:
            assert body["type"] == "TextualBody"
            assert body["purpose"] in {"tagging", "commenting"}


def test_every_tag_is_a_known_trope(items: list[dict[str, Any]]) -> None:
    vocabulary = default_vocabulary()
    for item in items:
        tags = _tags(item)
        assert len(tags) == len(set(tags)), item["id"]
        for tag in tags:
            assert tag in vocabulary, (item["id"], tag)


def test_every_annotation_has_a_note(items: list[dict[str, Any]]) -> None:
    for item in items:
        notes = _bodies(item, "commenting")
        assert len(notes) == 1, item["id"]
        note = notes[0]
        assert note["type"] == "TextualBody"
        assert note["format"] == "text/markdown"
        assert isinstance(note["value"], str) and 20 <= len(note["value"].strip()) <= 800


def test_linking_annotations(items: list[dict[str, Any]]) -> None:
    linking = [item for item in items if _is_linking(item)]
    assert 3 <= len(linking) <= 5
    # They come after all the others.
    first_link = items.index(linking[0])
    assert all(_is_linking(item) for item in items[first_link:])
    anchored = {item["id"] for item in items if not _is_linking(item)}
    for item in linking:
        assert isinstance(item["target"], str)
        assert item["target"] in anchored, item["id"]
        links = [b for b in item["body"] if b.get("purpose") == "linking"]
        assert len(links) == 1, item["id"]
        assert links[0]["type"] == "SpecificResource"
        assert links[0]["source"] in anchored, item["id"]
        assert links[0]["source"] != item["target"]
        assert _bodies(item, "commenting"), item["id"]
        assert not _tags(item)


def test_set_ups_come_before_their_payoffs(items: list[dict[str, Any]]) -> None:
    starts = {
        item["id"]: _selector(item, "TextPositionSelector")["start"]
        for item in items
        if not _is_linking(item)
    }
    for item in items:
        if _is_linking(item):
            payoff = next(b for b in item["body"] if b.get("purpose") == "linking")["source"]
            assert starts[item["target"]] < starts[payoff], item["id"]


def test_required_tropes_all_occur(items: list[dict[str, Any]]) -> None:
    used = Counter(tag for item in items for tag in _tags(item))
    missing = [trope_id for trope_id in REQUIRED_IDS if not used[trope_id]]
    assert not missing


def test_most_of_the_vocabulary_is_found(items: list[dict[str, Any]]) -> None:
    used = {tag for item in items for tag in _tags(item)}
    vocabulary = default_vocabulary()
    assert len(used) >= 0.75 * len(vocabulary)
    # Tropes of other stories that One Dance does not use.
    for absent in ("only-one-bed", "enemies-to-lovers", "slow-burn", "jealousy"):
        assert absent not in used
