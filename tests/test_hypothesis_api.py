from __future__ import annotations

import pytest

from annotator.errors import InterchangeError
from annotator.hypothesis_api import from_hypothesis, is_hypothesis, rows_of


def row(**over):
    base = {
        "id": "Ab12Cd34",
        "created": "2026-03-01T10:00:00.123456+00:00",
        "updated": "2026-03-02T10:00:00.000000+00:00",
        "user": "acct:ada@hypothes.is",
        "uri": "https://example.org/one-dance",
        "text": "A *note*",
        "tags": ["first kiss"],
        "target": [{"source": "https://example.org/one-dance", "selector": [
            {"type": "RangeSelector", "startContainer": "/p[3]", "startOffset": 0, "endContainer": "/p[3]", "endOffset": 5},
            {"type": "TextPositionSelector", "start": 100, "end": 105},
            {"type": "TextQuoteSelector", "exact": "Hello", "prefix": "", "suffix": ""},
        ]}],
        "user_info": {"display_name": "Ada L."},
    }
    base.update(over)
    return base


def test_detects_search_results_and_rows():
    assert is_hypothesis({"total": 1, "rows": [row()]})
    assert is_hypothesis([row()]) and is_hypothesis(row())
    assert not is_hypothesis({"type": "AnnotationCollection"})
    assert rows_of({"rows": [row()]}) == [row()]


def test_maps_fields():
    a = from_hypothesis(row(), story="one-dance")
    assert a.id == "https://hypothes.is/a/Ab12Cd34"
    assert a.creator == "Ada L." and a.note == "A *note*" and a.tropes == ("first kiss",)
    assert a.quote.exact == "Hello" and (a.start, a.end) == (100, 105)
    assert a.created == "2026-03-01T10:00:00.123Z" and a.modified == "2026-03-02T10:00:00.000Z"
    assert from_hypothesis(row(user_info=None), story="s").creator == "ada"
    assert from_hypothesis(row(), story="s", reader="bo").creator == "bo"


@pytest.mark.parametrize(
    "over,match",
    [
        ({"target": []}, "one target"),
        ({"target": [{"source": "x", "selector": [{"type": "RangeSelector"}]}]}, "no TextQuoteSelector"),
        ({"tags": "kiss"}, "tags"),
        ({"text": 5}, "text"),
        ({"created": "soon"}, "ISO 8601"),
        ({"id": "has space"}, "bad id"),
    ],
)
def test_bad_rows(over, match):
    with pytest.raises(InterchangeError, match=match):
        from_hypothesis(row(**over), story="s")
