from __future__ import annotations

import re

import pytest

from annotator.annotation import Annotation, make_annotation, make_link, normalise_date, now, validate
from annotator.errors import AnnotationError, SpanError


def test_make_annotation_describes_the_span(text):
    a = make_annotation(text, "one-dance", 11, 44, creator="ada", tropes=["matchmaker", "matchmaker"], note="Hi")
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", a.id)
    assert a.quote.exact == text[11:44] and a.tropes == ("matchmaker",)
    assert a.motivation == "tagging" and a.created == a.modified and a.created.endswith("Z")


def test_motivation_follows_bodies(text):
    assert make_annotation(text, "s", 11, 20, creator="a", note="n").motivation == "commenting"
    assert make_annotation(text, "s", 11, 20, creator="a", colour="#ffcc00").motivation == "highlighting"


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"creator": ""}, "creator"),
        ({"creator": "x" * 200}, "too long"),
        ({"creator": "a", "colour": "red"}, "#rrggbb"),
        ({"creator": "a"}, "says nothing"),
        ({"creator": "a", "note": "x" * 30000}, "at most"),
    ],
)
def test_bad_annotations(text, kwargs, match):
    kwargs.setdefault("note", "")
    if "colour" not in kwargs and match != "says nothing" and "note" in kwargs and not kwargs["note"]:
        kwargs["tropes"] = ["matchmaker"]
    with pytest.raises(AnnotationError, match=match):
        make_annotation(text, "s", 11, 20, **kwargs)


@pytest.mark.parametrize("start,end", [(20, 20), (30, 20), (-5, 3), (0, 10**8)])
def test_bad_spans(text, start, end):
    with pytest.raises(SpanError):
        make_annotation(text, "s", start, end, creator="a", note="n")


def test_links():
    link = make_link("s", "urn:uuid:a", "urn:uuid:b", creator="ada", note="set-up → payoff")
    assert link.is_link and link.links == ("urn:uuid:b",) and link.target_ref == "urn:uuid:a"
    with pytest.raises(AnnotationError, match="itself"):
        make_link("s", "urn:uuid:a", "urn:uuid:a", creator="ada")


def test_dates():
    assert normalise_date("2026-01-02T03:04:05+02:00") == "2026-01-02T01:04:05.000Z"
    assert normalise_date(now()) .endswith("Z")
    for bad in ("yesterday", "2026-01-02", 5, None):
        with pytest.raises(AnnotationError, match="ISO 8601"):
            normalise_date(bad)


def test_with_changes_updates_modified(text):
    a = make_annotation(text, "s", 11, 20, creator="a", note="n", )
    b = a.with_changes(note="new", modified="2099-01-01T00:00:00.000Z")
    assert b.note == "new" and b.modified > a.modified and b.created == a.created
    with pytest.raises(AnnotationError):
        a.with_changes(colour="blue")


def test_validate_rejects_bad_ids():
    with pytest.raises(AnnotationError, match="IRI"):
        validate(Annotation(id="has space", story="s", creator="a", motivation="linking", links=("x",), target_ref="y"))


def test_audience_is_public_by_default_and_checked(text):
    from annotator.annotation import check_audience, check_group_name

    a = make_annotation(text, "one-dance", 11, 20, creator="ada", tropes=["banter"])
    assert a.audience == "public" and a.to_dict()["audience"] == "public"
    for good in ("public", "private", "group:english-10b", "group:a.b_c-9"):
        assert check_audience(good) == good
        validate(a.with_changes(audience=good))
    for bad in ("everyone", "group:", "group:Caps", "group:has space", "Private", None):
        with pytest.raises(AnnotationError, match="bad audience"):
            validate(a.with_changes(audience=bad))
    with pytest.raises(AnnotationError, match="bad group name"):
        check_group_name("-starts-with-a-dash")
