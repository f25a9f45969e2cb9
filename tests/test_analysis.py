from __future__ import annotations

import pytest

from annotator.analysis import agreement, cohen_kappa, cooccurrence, paragraph_tropes, to_dataframe
from annotator.annotation import make_annotation, make_link


@pytest.fixture
def anns(story, text):
    p3, p4 = story.paragraph("p3"), story.paragraph("p4")
    mk = lambda who, p, tropes: make_annotation(text, "one-dance", p.start, p.start + 20, creator=who, tropes=tropes)
    a = [
        mk("ada", p3, ["shy-wallflower", "high-school-au"]),
        mk("ada", p4, ["matchmaker"]),
        mk("bo", p3, ["shy-wallflower"]),
        mk("bo", p4, ["love-triangle"]),
    ]
    a.append(make_link("one-dance", a[0].id, a[1].id, creator="ada"))
    return a


def test_dataframe_one_row_per_trope(story, anns):
    df = to_dataframe(story, anns)
    assert len(df) == 5  # links are not passages
    assert set(df.columns) >= {"creator", "trope", "position", "paragraph"}
    assert df.loc[df.trope == "matchmaker", "paragraph"].item() == "p4"
    assert 0 < df.position.min() < df.position.max() < 1


def test_paragraph_tropes_and_cooccurrence(story, anns):
    tags = paragraph_tropes(story, anns)
    assert tags["ada"]["p3"] == {"shy-wallflower", "high-school-au"}
    co = cooccurrence(story, anns)
    top = co.iloc[0]
    assert (top.trope_a, top.trope_b, top.paragraphs) == ("high-school-au", "shy-wallflower", 1)


def test_kappa_known_values():
    assert cohen_kappa([True, False, True, False], [True, False, True, False]) == 1
    assert cohen_kappa([True, True, False, False], [False, False, True, True]) == -1
    assert cohen_kappa([False] * 5, [False] * 5) is None
    assert cohen_kappa([True, False, False, False], [True, True, False, False]) == pytest.approx(0.5)


def test_agreement_rows(story, anns):
    df = agreement(story, anns)
    row = df[(df.trope == "shy-wallflower")].iloc[0]
    assert (row.reader_a, row.reader_b, row.both, row.either, row.kappa) == ("ada", "bo", 1, 1, 1.0)
    pooled = df[df.trope == "*"].iloc[0]
    assert -1 <= pooled.kappa < 1
