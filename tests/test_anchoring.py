"""Anchoring on real prose: a regression table of (edit, selectors, expected span)."""

from __future__ import annotations

import pytest

from annotator.anchoring import Selectors, TextPosition, TextQuote, anchor, describe, match_fuzzy, match_quote
from annotator.errors import AnchoringError, SpanError

QUOTE = "You're the library guy, who always gives me book recommendations when you see me!"


def _sel(text, exact, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(exact, start + 1)
    return describe(text, start, start + len(exact))


def test_describe_makes_both_selectors(text):
    s = _sel(text, QUOTE)
    assert text[s.position.start : s.position.end] == s.quote.exact == QUOTE
    assert len(s.quote.prefix) == 32 and len(s.quote.suffix) == 32
    assert text[s.position.start - 32 : s.position.start] == s.quote.prefix


def test_describe_at_the_edges(text):
    s = describe(text, 0, 9)
    assert s.quote.exact == "One Dance" and s.quote.prefix == ""
    end = describe(text, len(text) - 5, len(text))
    assert end.quote.suffix == ""


@pytest.mark.parametrize("start,end,match", [(5, 5, "empty"), (9, 3, "reversed"), (-1, 4, "outside"), (0, 10**6, "outside")])
def test_describe_rejects_bad_spans(text, start, end, match):
    with pytest.raises(SpanError, match=match):
        describe(text, start, end)


# (name, edit applied to the text, quote, occurrence, expected method)
CASES = [
    ("unchanged", lambda t: t, QUOTE, 0, "position"),
    ("text inserted before", lambda t: "A preface.\n\n" + t, QUOTE, 0, "quote"),
    ("sentence deleted before", lambda t: t.replace("He hated being in the spotlight, and he felt like the entire school was staring at him. ", ""), QUOTE, 0, "quote"),
    ("typo fixed inside the quote", lambda t: t.replace("recommendations when you see me", "recommendations whenever you see me"), QUOTE, 0, "fuzzy"),
    ("quote style changed", lambda t: t.replace("You're the library guy", "You’re the library guy"), QUOTE, 0, "fuzzy"),
    ("whitespace changed", lambda t: t.replace("the library guy, who", "the library  guy,  who"), QUOTE, 0, "fuzzy"),
    ("paragraph moved", lambda t: t.replace('"You\'re the library guy', '"Moved.\n\n"You\'re the library guy'), QUOTE, 0, "quote"),
    # A repeated phrase: prefix/suffix pick the right one even after a shift.
    ("repeated phrase, second one", lambda t: "X" * 50 + t, "Kakashi replied", 3, "quote"),
    ("repeated phrase, first one", lambda t: "X" * 50 + t, "Kakashi replied", 0, "quote"),
    ("passage deleted", lambda t: t.replace(QUOTE, "Oh!"), QUOTE, 0, "orphan"),
]


@pytest.mark.parametrize("name,edit,exact,occurrence,method", CASES, ids=[c[0] for c in CASES])
def test_regression_table(text, name, edit, exact, occurrence, method):
    sel = _sel(text, exact, occurrence)
    new = edit(text)
    found = anchor(new, sel)
    assert found.method == method, (name, found)
    if method == "orphan":
        assert found.orphan and found.start is None
        return
    got = new[found.start : found.end]
    if method in ("position", "quote"):
        assert got == exact
        # The right occurrence: edits here add no new occurrences.
        expected = -1
        for _ in range(occurrence + 1):
            expected = new.index(exact, expected + 1)
        assert found.start == expected
    else:
        assert found.score >= 85
        assert got.replace("’", "'").split()[0] == exact.split()[0]
        assert got.replace("’", "'").split()[-1] == exact.split()[-1]


def test_position_only_and_quote_only(text):
    assert anchor(text, position=TextPosition(3, 8)).method == "position"
    assert anchor(text, position=TextPosition(3, 10**7)).orphan
    found = anchor(text, quote=TextQuote(QUOTE))
    assert text[found.start : found.end] == QUOTE and found.method == "quote"


def test_anchor_needs_something():
    with pytest.raises(AnchoringError):
        anchor("abc")
    with pytest.raises(AnchoringError, match="exact"):
        anchor("abc", quote=TextQuote(""))


def test_low_level_matchers_return_none(text):
    assert match_quote(text, TextQuote("no such words anywhere in it")) is None
    assert match_fuzzy(text, TextQuote("zzzz qqqq xxxx wwww vvvv")) is None


def test_fuzzy_never_accepts_dissimilar_text(text):
    sel = _sel(text, QUOTE)
    garbled = text.replace(QUOTE, "You are a person I have met at some point, it seems to me now!")
    assert anchor(garbled, sel).orphan


def test_nearest_occurrence_wins_when_context_is_identical():
    text = "abc FOO def\n" * 3
    sel = Selectors(TextQuote("FOO", "abc ", " def"), TextPosition(16, 19))
    shifted = "zz" + text
    assert anchor(shifted, sel).start == 18
