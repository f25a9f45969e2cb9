from __future__ import annotations

import pytest

from annotator.errors import AnnotationError, NotFoundError, SpanError, UnknownTropeError
from annotator.reading import Reading


@pytest.fixture
def reading(story, memory_store):
    return Reading(story, memory_store, "ada")


def test_annotate_edit_delete_undo(reading, text):
    a = reading.annotate(11, 44, tropes=["Matchmaker"], note=" first ")
    assert a.tropes == ("matchmaker",) and a.note == "first" and a.quote.exact == text[11:44]
    b = reading.edit(a.id, tropes=["mask-reveal"], note="changed", colour="#ffcc00")
    assert b.tropes == ("mask-reveal",) and b.colour == "#ffcc00" and b.modified >= a.modified
    assert reading.undo() == "edit"
    assert reading.store.get(a.id).tropes == ("matchmaker",)
    reading.delete(a.id)
    assert reading.annotations() == []
    assert reading.undo() == "delete"
    assert reading.store.get(a.id).note == "first"
    assert reading.undo() == "add"
    assert reading.annotations() == []
    assert reading.undo() is None


def test_links_both_ways(reading):
    a = reading.annotate(11, 44, tropes=["matchmaker"])
    b = reading.annotate(500, 540, note="payoff")
    link = reading.link(a.id, b.id, note="set-up → payoff")
    assert [(d, x.id) for d, x in reading.links_of(a.id)] == [("to", b.id)]
    assert [(d, x.id) for d, x in reading.links_of(b.id)] == [("from", a.id)]
    reading.delete(b.id)
    assert link.id not in {x.id for x in reading.annotations()}
    reading.undo()
    assert link.id in {x.id for x in reading.annotations()}


def test_errors_are_clear(reading):
    with pytest.raises(UnknownTropeError, match="mask-reveal"):
        reading.annotate(11, 44, tropes=["mask reveel"])
    with pytest.raises(SpanError):
        reading.annotate(44, 11, tropes=["matchmaker"])
    with pytest.raises(AnnotationError, match="says nothing"):
        reading.annotate(11, 44)
    with pytest.raises(NotFoundError):
        reading.edit("urn:uuid:nope", note="x")
    with pytest.raises(AnnotationError, match="reader name"):
        Reading(reading.story, reading.store, " ")
