"""Tests of the trope vocabulary: the shipped file, the model and the loader."""

from __future__ import annotations

import ast
import dataclasses
import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from annotator import tropes as tropes_module
from annotator.errors import TropeError, UnknownTropeError
from annotator.tropes import (
    DEFAULT_PATH,
    Category,
    Trope,
    Vocabulary,
    default_vocabulary,
    load_vocabulary,
)

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
CATEGORY_IDS = ["setting", "identity", "feelings", "romantic-beats", "interruption", "tone"]

#: No two shipped colours may be closer than this (Euclidean distance in RGB).
MIN_COLOUR_DISTANCE = 50.0


# -- colour maths (WCAG 2) ----------------------------------------------------


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return (int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16))


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _blend(fg: tuple[int, int, int], bg: tuple[int, int, int], alpha: float) -> tuple[float, ...]:
    return tuple(alpha * f + (1 - alpha) * b for f, b in zip(fg, bg))


WHITE = _rgb("#ffffff")
DARK = _rgb("#111111")
TEXT_ON_LIGHT = _rgb("#1a1a1a")
TEXT_ON_DARK = _rgb("#eeeeee")


def test_contrast_helper_matches_known_values() -> None:
    assert _contrast(WHITE, (0, 0, 0)) == pytest.approx(21.0)
    assert _contrast(WHITE, _rgb("#777777")) == pytest.approx(4.48, abs=0.01)


# -- the shipped vocabulary ---------------------------------------------------


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return default_vocabulary()


def test_default_vocabulary_is_cached(vocab: Vocabulary) -> None:
    assert default_vocabulary() is vocab


def test_shipped_file_is_the_package_data() -> None:
    assert DEFAULT_PATH == Path(tropes_module.__file__).resolve().parent / "data" / "tropes.json"
    assert json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))["version"] == 1


def test_required_ids_present(vocab: Vocabulary) -> None:
    missing = [i for i in REQUIRED_IDS if i not in vocab]
    assert not missing


def test_size(vocab: Vocabulary) -> None:
    assert 30 <= len(vocab) <= 40


def test_six_categories_all_used(vocab: Vocabulary) -> None:
    assert [c.id for c in vocab.categories] == CATEGORY_IDS
    used = {t.category for t in vocab}
    assert used == set(CATEGORY_IDS)
    for category in CATEGORY_IDS:
        assert len(vocab.by_category(category)) >= 3, category


def test_entries_are_well_formed(vocab: Vocabulary) -> None:
    for trope in vocab:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", trope.id)
        assert trope.label and trope.label == trope.label.strip()
        assert 2 <= len(trope.aliases) <= 6, trope.id
        # One sentence: ends with a full stop and has no sentence break inside.
        assert trope.definition.endswith("."), trope.id
        assert not re.search(r"[.!?]\s", trope.definition), trope.id
        assert 40 <= len(trope.definition) <= 250, trope.id
        assert trope.tvtropes is None or re.fullmatch(r"[A-Z][A-Za-z0-9]+", trope.tvtropes)
        assert re.fullmatch(r"#[0-9a-f]{6}", trope.colour)


def test_some_tropes_absent_from_one_dance_serve_other_stories(vocab: Vocabulary) -> None:
    for trope_id in ("enemies-to-lovers", "only-one-bed", "love-triangle", "jealousy", "slow-burn"):
        assert trope_id in vocab


@pytest.mark.parametrize("trope", default_vocabulary().tropes, ids=lambda t: t.id)
def test_colour_is_a_visible_underline_on_light_and_dark_pages(trope: Trope) -> None:
    colour = _rgb(trope.colour)
    assert _contrast(colour, WHITE) >= 3.0
    assert _contrast(colour, DARK) >= 3.0


@pytest.mark.parametrize("trope", default_vocabulary().tropes, ids=lambda t: t.id)
def test_text_stays_readable_over_the_30_percent_highlight(trope: Trope) -> None:
    colour = _rgb(trope.colour)
    assert _contrast(TEXT_ON_LIGHT, _blend(colour, WHITE, 0.30)) >= 4.5
    assert _contrast(TEXT_ON_DARK, _blend(colour, DARK, 0.30)) >= 4.5


def test_colours_are_distinct(vocab: Vocabulary) -> None:
    pairs = itertools.combinations(vocab.tropes, 2)
    closest = min(pairs, key=lambda p: math.dist(_rgb(p[0].colour), _rgb(p[1].colour)))
    distance = math.dist(_rgb(closest[0].colour), _rgb(closest[1].colour))
    assert distance >= MIN_COLOUR_DISTANCE, (closest[0].id, closest[1].id, distance)


def test_underline_styles_distinguish_the_categories(vocab: Vocabulary) -> None:
    css_styles = {"solid", "double", "dotted", "dashed", "wavy"}
    marks = {}
    for category in CATEGORY_IDS:
        trope = vocab.by_category(category)[0]
        assert trope.underline in css_styles
        marks[category] = (trope.underline, trope.underline_thickness)
        assert all(t.underline == trope.underline for t in vocab.by_category(category))
    assert len(set(marks.values())) == 6
    assert {style for style, _ in marks.values()} == css_styles
    css = vocab.get("mask-reveal").underline_css
    assert "text-decoration-style: dashed" in css and vocab.get("mask-reveal").colour in css


def test_tropes_are_frozen(vocab: Vocabulary) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        vocab.get("first-kiss").colour = "#000000"  # type: ignore[misc]


# -- look-up ------------------------------------------------------------------


def test_get_and_collection_protocol(vocab: Vocabulary) -> None:
    trope = vocab.get("first-kiss")
    assert trope.label == "First kiss" and trope.tvtropes == "FirstKiss"
    assert "first-kiss" in vocab and trope in vocab
    assert "First kiss" not in vocab and 3 not in vocab
    assert list(vocab) == list(vocab.tropes)
    assert len(vocab) == len(vocab.tropes)


def test_unknown_id_suggests_the_closest(vocab: Vocabulary) -> None:
    with pytest.raises(UnknownTropeError) as info:
        vocab.get("mask-reveel")
    assert info.value.suggestions[0] == "mask-reveal"
    assert "did you mean 'mask-reveal'" in str(info.value)
    assert isinstance(info.value, TropeError)


def test_unknown_id_suggestions_come_from_labels_and_aliases(vocab: Vocabulary) -> None:
    with pytest.raises(UnknownTropeError) as info:
        vocab.get("unmaskng")
    assert info.value.suggestions == ["mask-reveal"]
    with pytest.raises(UnknownTropeError) as info:
        vocab.get("zzzzzz")
    assert info.value.suggestions == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mask-reveal", "mask-reveal"),
        ("Mask reveal", "mask-reveal"),
        ("MASK REVEAL", "mask-reveal"),
        ("unmasking", "mask-reveal"),
        ("  The Reveal ", "mask-reveal"),
        ("Moment killer", "moment-killer"),
        ("caught in the act", "moment-killer"),
        ("holding hands", "hand-holding"),
        ("Hurt/Comfort", "hurt-comfort"),
        ("fake relationship", "fake-dating-setup"),
    ],
)
def test_resolve_by_id_label_or_alias(vocab: Vocabulary, name: str, expected: str) -> None:
    assert vocab.resolve(name).id == expected


def test_resolve_unknown_raises(vocab: Vocabulary) -> None:
    with pytest.raises(UnknownTropeError) as info:
        vocab.resolve("masquerade bal")
    assert "masquerade-ball" in info.value.suggestions


def test_search_type_ahead(vocab: Vocabulary) -> None:
    assert [t.id for t in vocab.search("slow d")] == ["slow-dance"]
    assert vocab.search("Sl")[0].id == "slow-dance"
    assert [t.id for t in vocab.search("reveal")] == ["mask-reveal"]
    assert "mask-reveal" in [t.id for t in vocab.search("unmask")]
    kiss = [t.id for t in vocab.search("kiss")]
    assert kiss[:2] == ["asking-permission-to-kiss", "first-kiss"]
    assert vocab.search("first k")[0].id == "first-kiss"
    assert [t.id for t in vocab.search("MEET-C")] == ["meet-cute"]
    # Matches word starts only, not the middle of words.
    assert "masquerade-ball" not in [t.id for t in vocab.search("squer")]
    assert vocab.search("xyzzy") == []


def test_search_blank_and_limit(vocab: Vocabulary) -> None:
    assert vocab.search("") == list(vocab.tropes)
    assert len(vocab.search("  ", limit=5)) == 5
    assert len(vocab.search("s", limit=2)) == 2


def test_label_matches_rank_before_alias_matches(vocab: Vocabulary) -> None:
    results = [t.id for t in vocab.search("comfort")]
    assert results[0] == "hurt-comfort"
    results = [t.id for t in vocab.search("fr")]
    # "Friends as accomplices" (label) before "fresh air" (alias of balcony-escape).
    assert results.index("friends-as-accomplices") < results.index("balcony-escape")


def test_to_dict_is_json_ready(vocab: Vocabulary) -> None:
    items = vocab.to_dict()
    assert isinstance(items, list) and len(items) == len(vocab)
    assert json.loads(json.dumps(items)) == items
    first = items[0]
    assert first["id"] == vocab.tropes[0].id
    assert {"label", "aliases", "definition", "category", "category_label", "colour", "underline"} <= set(first)


def test_to_document_round_trips(vocab: Vocabulary, tmp_path: Path) -> None:
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(vocab.to_document()), encoding="utf-8")
    again = load_vocabulary(path)
    assert again.tropes == vocab.tropes and again.categories == vocab.categories


def test_vocabulary_constructor_checks(vocab: Vocabulary) -> None:
    trope = vocab.get("first-kiss")
    with pytest.raises(TropeError, match="duplicate trope id"):
        Vocabulary([trope, trope], vocab.categories)
    with pytest.raises(TropeError, match="unknown category"):
        Vocabulary([trope], [Category("tone", "Tone")])


# -- merging a user's file ----------------------------------------------------


def _write(tmp_path: Path, content: Any, name: str = "mine.json") -> Path:
    path = tmp_path / name
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    return path


def test_user_file_extends_and_overrides(tmp_path: Path) -> None:
    shipped = default_vocabulary()
    extra = _write(
        tmp_path,
        {
            "version": 1,
            "categories": [
                {"id": "genre", "label": "Genre"},
                {"id": "tone", "label": "Mood"},
            ],
            "tropes": [
                {"id": "first-kiss", "colour": "#0070c8"},
                {
                    "id": "soulmate-au",
                    "label": "Soulmate AU",
                    "aliases": ["soulmates"],
                    "definition": "A world where fate marks each person's destined partner.",
                    "category": "genre",
                    "colour": "#c82000",
                },
                {
                    "id": "mask-reveal",
                    "label": "Unmasking scene",
                    "definition": "Our own definition.",
                    "category": "identity",
                    "colour": "#b818a0",
                    "tvtropes": None,
                },
                {
                    "id": "coffee-shop-au",
                    "label": "Coffee shop AU",
                    "definition": "The couple meet over a café counter.",
                    "category": "setting",
                    "colour": "#007828",
                },
            ],
        },
    )
    merged = load_vocabulary(extra=extra)
    assert len(merged) == len(shipped) + 2
    # Overrides keep their place; new tropes are appended in the file's order.
    assert [t.id for t in merged][: len(shipped)] == [t.id for t in shipped]
    assert [t.id for t in merged][-2:] == ["soulmate-au", "coffee-shop-au"]
    kiss = merged.get("first-kiss")
    assert kiss.colour == "#0070c8"
    assert kiss.label == "First kiss" and kiss.tvtropes == "FirstKiss"  # inherited
    assert merged.get("mask-reveal").label == "Unmasking scene"
    assert merged.get("mask-reveal").tvtropes is None
    assert merged.resolve("soulmates").id == "soulmate-au"
    assert merged.category("tone").label == "Mood"
    assert [c.id for c in merged.categories] == CATEGORY_IDS + ["genre"]
    # The shipped vocabulary itself is untouched.
    assert default_vocabulary().get("first-kiss").colour != "#0070c8"


def test_user_file_may_omit_categories_and_version(tmp_path: Path) -> None:
    extra = _write(
        tmp_path,
        {
            "tropes": [
                {
                    "id": "secret-relationship",
                    "label": "Secret relationship",
                    "definition": "The couple hide that they are together.",
                    "category": "feelings",
                    "colour": "#805868",
                }
            ]
        },
    )
    merged = load_vocabulary(extra=extra)
    assert merged.get("secret-relationship").category == "feelings"
    assert merged.tropes[-1].id == "secret-relationship"


def test_merged_method(vocab: Vocabulary) -> None:
    new = Trope("x-trope", "X trope", (), "A test trope.", "tone", "#123456", None)
    other = Vocabulary([new], [Category("tone", "Tone")])
    merged = vocab.merged(other)
    assert merged.tropes[-1] == new and len(merged) == len(vocab) + 1


# -- malformed files ----------------------------------------------------------

GOOD_TROPE = {
    "id": "good-one",
    "label": "Good one",
    "aliases": ["fine"],
    "definition": "A valid entry.",
    "category": "tone",
    "colour": "#b818a0",
    "tvtropes": None,
}


def _doc(*tropes: dict[str, Any], **top: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": 1,
        "categories": [{"id": "tone", "label": "Tone"}],
        "tropes": list(tropes),
    }
    doc.update(top)
    return doc


def _with(**fields: Any) -> dict[str, Any]:
    entry = dict(GOOD_TROPE)
    for key, value in fields.items():
        if value is _DELETE:
            del entry[key]
        else:
            entry[key] = value
    return entry


_DELETE = object()

MALFORMED: list[tuple[str, Any, list[str]]] = [
    ("invalid-json", '{"version": 1,\n  "tropes": [}', ["line 2 column", "invalid JSON", "fix:"]),
    ("empty-file", "", ["invalid JSON", "line 1 column 1"]),
    ("top-level-list", [GOOD_TROPE], ["top level", "must be a JSON object", "fix:"]),
    ("unknown-top-key", _doc(GOOD_TROPE, trope=[]), ["unknown key", "'trope'"]),
    ("bad-version", _doc(GOOD_TROPE, version=2), ["unsupported version 2", '"version": 1']),
    ("missing-version", {"categories": [{"id": "tone", "label": "Tone"}], "tropes": []}, ["version"]),
    ("missing-tropes", {"version": 1, "categories": []}, ["missing 'tropes'"]),
    ("tropes-not-list", _doc(tropes={"a": 1}), ["'tropes'", "must be a list"]),
    ("missing-categories", {"version": 1, "tropes": [GOOD_TROPE]}, ["missing 'categories'"]),
    ("categories-not-list", _doc(GOOD_TROPE, categories="tone"), ["'categories'", "must be a list"]),
    ("category-missing-label", _doc(categories=[{"id": "tone"}]), ["category #0 ('tone')", "missing field 'label'"]),
    ("category-bad-slug", _doc(categories=[{"id": "Tone", "label": "Tone"}]), ["category #0", "not a valid slug"]),
    (
        "duplicate-category",
        _doc(categories=[{"id": "tone", "label": "Tone"}, {"id": "tone", "label": "Again"}]),
        ["category #1", "duplicate category id 'tone'"],
    ),
    ("trope-not-object", _doc("good-one"), ["trope #0", "must be an object"]),
    ("missing-id", _doc(_with(id=_DELETE)), ["trope #0", "missing field 'id'"]),
    ("missing-label", _doc(_with(label=_DELETE)), ["trope #0 ('good-one')", "missing field 'label'", "fix: add"]),
    ("missing-colour", _doc(_with(colour=_DELETE)), ["('good-one')", "missing field 'colour'"]),
    ("missing-definition", _doc(_with(definition=_DELETE)), ["missing field 'definition'"]),
    ("missing-category", _doc(_with(category=_DELETE)), ["missing field 'category'"]),
    ("empty-label", _doc(_with(label="   ")), ["('good-one')", "field 'label' is empty"]),
    ("empty-definition", _doc(_with(definition="")), ["field 'definition' is empty"]),
    ("label-too-long", _doc(_with(label="x" * 201)), ["'label' is 201 characters", "at most 200"]),
    ("definition-too-long", _doc(_with(definition="y" * 501)), ["'definition' is 501 characters", "at most 500"]),
    ("label-not-string", _doc(_with(label=42)), ["field 'label' must be a string", "int"]),
    ("bad-slug-capitals", _doc(_with(id="Mask Reveal")), ["trope #0 ('Mask Reveal')", "not a valid slug", "'mask-reveal'"]),
    ("bad-slug-double-hyphen", _doc(_with(id="mask--reveal")), ["not a valid slug"]),
    ("bad-slug-trailing-hyphen", _doc(_with(id="mask-")), ["not a valid slug"]),
    ("id-not-string", _doc(_with(id=7)), ["trope #0", "field 'id' must be a string"]),
    (
        "duplicate-id",
        _doc(GOOD_TROPE, _with(label="Other", aliases=[])),
        ["trope #1 ('good-one')", "duplicate id 'good-one'", "remove or rename"],
    ),
    (
        "shared-alias",
        _doc(GOOD_TROPE, _with(id="other-one", label="Other")),
        ["trope #1 ('other-one')", "'fine' is already used by trope 'good-one'"],
    ),
    ("unknown-category", _doc(_with(category="tones")), ["unknown category 'tones'", "did you mean 'tone'"]),
    ("category-not-string", _doc(_with(category=["tone"])), ["field 'category' must be a string"]),
    ("colour-name", _doc(_with(colour="red")), ["bad colour 'red'", "#rrggbb"]),
    ("colour-short", _doc(_with(colour="#fff")), ["bad colour '#fff'"]),
    ("colour-no-hash", _doc(_with(colour="b818a0")), ["bad colour"]),
    ("colour-not-string", _doc(_with(colour=0xB818A0)), ["bad colour"]),
    ("aliases-not-list", _doc(_with(aliases="fine")), ["field 'aliases' must be a list"]),
    ("alias-not-string", _doc(_with(aliases=["ok", 3])), ["field 'aliases' must be a string"]),
    ("alias-empty", _doc(_with(aliases=[""])), ["field 'aliases' is empty"]),
    ("tvtropes-url", _doc(_with(tvtropes="https://tvtropes.org/x")), ["bad tvtropes page name"]),
    ("tvtropes-not-string", _doc(_with(tvtropes=True)), ["bad tvtropes page name"]),
    ("unknown-field", _doc(_with(colur="#b818a0")), ["unknown field(s) 'colur'", "check the spelling"]),
]


@pytest.mark.parametrize(("case", "content", "fragments"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_file_raises_trope_error(
    tmp_path: Path, case: str, content: Any, fragments: list[str]
) -> None:
    path = _write(tmp_path, content, name=f"{case}.json")
    with pytest.raises(TropeError) as info:
        load_vocabulary(path)
    message = str(info.value)
    assert str(path) in message
    assert "fix:" in message or "line" in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_malformed_extra_file_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, {"tropes": [_with(colour="blue")]}, name="user.json")
    with pytest.raises(TropeError) as info:
        load_vocabulary(extra=path)
    assert "user.json" in str(info.value) and "bad colour 'blue'" in str(info.value)


def test_extra_file_with_unknown_category(tmp_path: Path) -> None:
    path = _write(tmp_path, {"tropes": [_with(category="romance")]}, name="user.json")
    with pytest.raises(TropeError, match="unknown category 'romance'"):
        load_vocabulary(extra=path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(TropeError) as info:
        load_vocabulary(path)
    assert "nope.json" in str(info.value) and "not found" in str(info.value)
    with pytest.raises(TropeError, match="not found"):
        load_vocabulary(extra=path)


def test_directory_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(TropeError, match="directory"):
        load_vocabulary(tmp_path)
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"version": 1, "label": "caf\xe9"}')
    with pytest.raises(TropeError, match="UTF-8"):
        load_vocabulary(path)


# -- purity -------------------------------------------------------------------


def test_module_imports_nothing_from_jupyter_sqlite_or_nbconvert() -> None:
    source = Path(tropes_module.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    forbidden = ("ipywidgets", "sqlite3", "nbconvert", "IPython", "traitlets", "jupyter")
    bad = sorted(m for m in imported if m.split(".")[0] in forbidden)
    assert not bad
    assert "from __future__ import annotations" in source
