from __future__ import annotations

import pytest

from annotator.annotation import make_annotation, make_link
from annotator.errors import InterchangeError
from annotator.jsonld import CONTEXT, collection, from_w3c, items_of, to_w3c


@pytest.fixture
def ann(text):
    return make_annotation(text, "one-dance", 11, 44, creator="ada", tropes=["matchmaker"], note="**why**", colour="#ffcc00")


def test_to_w3c_writes_context_selectors_and_purposes(ann):
    w = to_w3c(ann)
    assert w["@context"] == CONTEXT and w["type"] == "Annotation" and w["id"] == ann.id
    assert [b["purpose"] for b in w["body"]] == ["tagging", "commenting", "highlighting"]
    types = [s["type"] for s in w["target"]["selector"]]
    assert types == ["TextQuoteSelector", "TextPositionSelector"]
    assert w["target"]["source"] == "urn:annotator:story:one-dance"
    assert w["creator"] == {"type": "Person", "name": "ada"}


def test_round_trip_is_lossless(ann):
    back = from_w3c(to_w3c(ann))
    assert back == ann


def test_link_round_trip():
    link = make_link("one-dance", "urn:uuid:a", "urn:uuid:b", creator="ada", note="payoff")
    w = to_w3c(link)
    assert w["target"] == "urn:uuid:a" and w["body"][-1] == {"type": "SpecificResource", "purpose": "linking", "source": "urn:uuid:b"}
    assert from_w3c(w, story="one-dance") == link


def test_unknown_fields_and_bodies_are_kept(ann):
    w = to_w3c(ann)
    w["rights"] = "CC-BY"
    w["body"].append({"type": "TextualBody", "purpose": "replying", "value": "I agree"})
    back = from_w3c(w)
    again = to_w3c(back)
    assert again["rights"] == "CC-BY"
    assert {"type": "TextualBody", "purpose": "replying", "value": "I agree"} in again["body"]


def test_recogito_style_list_and_single_body():
    recogito = [{
        "@context": CONTEXT, "type": "Annotation", "id": "#abc-1",
        "body": {"type": "TextualBody", "purpose": "tagging", "value": "first-kiss"},
        "creator": {"id": "http://example.org/ada", "name": "Ada"},
        "target": {"selector": [{"type": "TextQuoteSelector", "exact": "kiss"}, {"type": "TextPositionSelector", "start": 3, "end": 7}]},
    }]
    [a] = [from_w3c(x, story="one-dance") for x in items_of(recogito)]
    assert a.id == "#abc-1" and a.creator == "Ada" and a.tropes == ("first-kiss",) and (a.start, a.end) == (3, 7)


def test_collection_shapes(ann):
    c = collection([ann])
    assert c["type"] == "AnnotationCollection" and c["total"] == 1
    assert items_of(c) == c["first"]["items"]
    assert items_of(c["first"]) == c["first"]["items"]
    assert items_of(c["first"]["items"][0]) == [c["first"]["items"][0]]


@pytest.mark.parametrize(
    "mutate,match",
    [
        (lambda w: w.pop("target"), "target"),
        (lambda w: w["target"].update(selector=[]), "neither"),
        (lambda w: w["target"]["selector"][0].update(exact=""), "exact"),
        (lambda w: w["target"]["selector"][1].update(start="3"), "whole-number"),
        (lambda w: w["target"]["selector"][1].update(start=50, end=10), "empty or reversed"),
        (lambda w: w.update(created="last week"), "ISO 8601"),
        (lambda w: w.update(type="Note"), "not 'Annotation'"),
        (lambda w: w["body"].append(5), "not an object"),
        (lambda w: w["body"][0].update(value=""), "tagging body"),
        (lambda w: w.update(id=""), "bad id"),
    ],
)
def test_bad_annotations_name_the_id_and_reason(ann, mutate, match):
    w = to_w3c(ann)
    mutate(w)
    with pytest.raises(InterchangeError, match=match) as e:
        from_w3c(w)
    assert ann.id in str(e.value) or "#1" in str(e.value)


def test_bad_containers():
    for bad in (5, "x", {"type": "Whatever"}, {"type": "AnnotationPage"}, {"type": "AnnotationCollection", "first": "http://x/page1"}):
        with pytest.raises(InterchangeError):
            items_of(bad)


def test_foreign_source_needs_a_story(ann):
    w = to_w3c(ann)
    w["target"]["source"] = "http://example.org/other"
    with pytest.raises(InterchangeError, match="--story"):
        from_w3c(w)
    assert from_w3c(w, story="one-dance").story == "one-dance"
