# The trope vocabulary: the controlled list of tags an annotation may carry.
#
# A pure model (no Jupyter, no database, no export code): it loads the shipped
# ``annotator/data/tropes.json``, optionally merges a user's own file on top,
# validates both with messages that name the file, the entry and the fix, and
# answers the questions the widgets and the edition ask (look-up with
# suggestions, resolving aliases, type-ahead search, JSON for the browser).
"""Trope vocabulary: :class:`Trope`, :class:`Category`, :class:`Vocabulary`.

Typical use::

    from annotator.tropes import default_vocabulary

    vocab = default_vocabulary()
    vocab.get("mask-reveal").colour          # '#b818a0'
    vocab.resolve("Unmasking").id            # 'mask-reveal'
    [t.id for t in vocab.search("slow d")]   # ['slow-dance']

A vocabulary file is JSON of this shape::

    {"version": 1,
     "categories": [{"id": "identity", "label": "Identity"}],
     "tropes": [{"id": "mask-reveal", "label": "Mask reveal",
                 "aliases": ["unmasking"], "definition": "One sentence.",
                 "category": "identity", "colour": "#b818a0",
                 "tvtropes": "TheUnmasking"}]}

In a user's extra file ``categories`` may be left out (the shipped ones are
known), and an entry whose ``id`` is already in the shipped vocabulary may
give only the fields it changes (for instance just ``colour``).
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.errors import TropeError, UnknownTropeError

#: Version of the vocabulary file format this module reads and writes.
FORMAT_VERSION = 1

#: The shipped vocabulary file.
DEFAULT_PATH: Path = Path(__file__).resolve().parent / "data" / "tropes.json"

#: Limits on free-text fields, in characters.
MAX_LABEL = 200
MAX_DEFINITION = 500
MAX_ALIAS = 100

_SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_TVTROPES_RE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_WORD_RE = re.compile(r"[^\W_]+")

_TOP_KEYS = frozenset({"version", "categories", "tropes"})
_CATEGORY_KEYS = frozenset({"id", "label"})
_TROPE_KEYS = frozenset(
    {"id", "label", "aliases", "definition", "category", "colour", "tvtropes"}
)
_REQUIRED_TROPE_KEYS = ("id", "label", "definition", "category", "colour")

#: Underline style per shipped category: the second visual cue besides colour.
#: Values are CSS ``text-decoration-style`` keywords. CSS has only five such
#: keywords, so the sixth category (``tone``) reuses ``solid`` but drawn as a
#: thick bar (see :data:`UNDERLINE_THICKNESS`), which reads as a distinct mark.
UNDERLINE_STYLES: Mapping[str, str] = {
    "setting": "solid",
    "identity": "dashed",
    "feelings": "dotted",
    "romantic-beats": "double",
    "interruption": "wavy",
    "tone": "solid",
}

#: CSS ``text-decoration-thickness`` per category; categories not listed use
#: :data:`DEFAULT_THICKNESS`.
UNDERLINE_THICKNESS: Mapping[str, str] = {"tone": "0.3em"}

#: Style and thickness for categories a user file adds.
DEFAULT_UNDERLINE = "solid"
DEFAULT_THICKNESS = "2px"


@dataclass(frozen=True)
class Category:
    """A group of tropes (setting, identity, feelings...).

    Attributes:
        id: Slug identifying the category, e.g. ``"identity"``.
        label: Human-readable name, e.g. ``"Identity"``.
    """

    id: str
    label: str

    def to_dict(self) -> dict[str, str]:
        """Return the category as it appears in a vocabulary file."""
        return {"id": self.id, "label": self.label}


@dataclass(frozen=True)
class Trope:
    """One entry of the vocabulary.

    Attributes:
        id: Slug used as the tagging value of annotations, e.g. ``"mask-reveal"``.
        label: Human-readable name shown in the widgets and the edition.
        aliases: Other names a user may type; matched case-insensitively.
        definition: One sentence saying what the trope is.
        category: Id of the :class:`Category` the trope belongs to.
        colour: Highlight colour as lower-case ``#rrggbb``.
        tvtropes: TV Tropes page name (``"FirstKiss"``), or ``None``.
    """

    id: str
    label: str
    aliases: tuple[str, ...]
    definition: str
    category: str
    colour: str
    tvtropes: str | None = None

    @property
    def underline(self) -> str:
        """CSS ``text-decoration-style`` keyword for this trope's category."""
        return UNDERLINE_STYLES.get(self.category, DEFAULT_UNDERLINE)

    @property
    def underline_thickness(self) -> str:
        """CSS ``text-decoration-thickness`` for this trope's category."""
        return UNDERLINE_THICKNESS.get(self.category, DEFAULT_THICKNESS)

    @property
    def underline_css(self) -> str:
        """Complete CSS declarations drawing this trope's underline."""
        return (
            f"text-decoration-line: underline; "
            f"text-decoration-style: {self.underline}; "
            f"text-decoration-color: {self.colour}; "
            f"text-decoration-thickness: {self.underline_thickness};"
        )

    @property
    def tvtropes_url(self) -> str | None:
        """Link to the TV Tropes page, or ``None`` when there is none."""
        if self.tvtropes is None:
            return None
        return f"https://tvtropes.org/pmwiki/pmwiki.php/Main/{self.tvtropes}"

    def names(self) -> tuple[str, ...]:
        """Return every name the trope answers to: id, label, then aliases."""
        return (self.id, self.label, *self.aliases)

    def to_dict(self) -> dict[str, Any]:
        """Return the trope as it appears in a vocabulary file."""
        return {
            "id": self.id,
            "label": self.label,
            "aliases": list(self.aliases),
            "definition": self.definition,
            "category": self.category,
            "colour": self.colour,
            "tvtropes": self.tvtropes,
        }


def _fold(text: str) -> str:
    """Case- and whitespace-normalise ``text`` for name matching."""
    return " ".join(text.casefold().split())


def _slugify(text: str) -> str:
    """Turn ``"Mask Reveal"`` into ``"mask-reveal"``."""
    return "-".join(_WORD_RE.findall(text.casefold()))


class Vocabulary:
    """An ordered, validated set of tropes and their categories.

    Args:
        tropes: The tropes, in display order.
        categories: The categories, in display order.

    Raises:
        TropeError: If two tropes share an id or a trope names an unknown
            category.
    """

    def __init__(self, tropes: Iterable[Trope], categories: Iterable[Category]) -> None:
        self._tropes: tuple[Trope, ...] = tuple(tropes)
        self._categories: tuple[Category, ...] = tuple(categories)
        self._by_id: dict[str, Trope] = {}
        category_ids = {c.id for c in self._categories}
        if len(category_ids) != len(self._categories):
            raise TropeError("duplicate category id in vocabulary; give each category its own id")
        for trope in self._tropes:
            if trope.id in self._by_id:
                raise TropeError(f"duplicate trope id {trope.id!r}; give each trope its own id")
            if trope.category not in category_ids:
                raise TropeError(
                    f"trope {trope.id!r} has unknown category {trope.category!r}; "
                    f"use one of {', '.join(sorted(category_ids))}"
                )
            self._by_id[trope.id] = trope
        # Name indexes for resolve(): labels beat aliases; first trope wins.
        self._by_label: dict[str, Trope] = {}
        self._by_alias: dict[str, Trope] = {}
        for trope in self._tropes:
            self._by_label.setdefault(_fold(trope.label), trope)
            for alias in trope.aliases:
                self._by_alias.setdefault(_fold(alias), trope)

    # -- collection protocol -------------------------------------------------

    @property
    def tropes(self) -> tuple[Trope, ...]:
        """All tropes, in file order."""
        return self._tropes

    @property
    def categories(self) -> tuple[Category, ...]:
        """All categories, in file order."""
        return self._categories

    def __contains__(self, item: object) -> bool:
        """Return whether ``item`` is the id of a trope (or a trope) in the vocabulary."""
        if isinstance(item, Trope):
            return self._by_id.get(item.id) == item
        return isinstance(item, str) and item in self._by_id

    def __iter__(self) -> Iterator[Trope]:
        """Iterate over the tropes in file order."""
        return iter(self._tropes)

    def __len__(self) -> int:
        """Return the number of tropes."""
        return len(self._tropes)

    def __repr__(self) -> str:
        return f"Vocabulary({len(self._tropes)} tropes, {len(self._categories)} categories)"

    # -- look-up -------------------------------------------------------------

    def category(self, category_id: str) -> Category:
        """Return the category with id ``category_id``.

        Raises:
            TropeError: If there is no such category.
        """
        for category in self._categories:
            if category.id == category_id:
                return category
        raise TropeError(
            f"unknown category {category_id!r}; use one of "
            f"{', '.join(c.id for c in self._categories)}"
        )

    def by_category(self, category_id: str) -> list[Trope]:
        """Return the tropes of one category, in file order."""
        return [t for t in self._tropes if t.category == category_id]

    def suggestions(self, name: str, n: int = 3) -> list[str]:
        """Return up to ``n`` trope ids whose id, label or alias is close to ``name``.

        Args:
            name: What the user typed.
            n: Maximum number of ids to return.

        Returns:
            Ids, best match first, without repeats.
        """
        owners: dict[str, str] = {}
        for trope in self._tropes:
            for candidate in trope.names():
                owners.setdefault(_fold(candidate), trope.id)
        close = difflib.get_close_matches(_fold(name), list(owners), n=n * 4, cutoff=0.6)
        result: list[str] = []
        for match in close:
            trope_id = owners[match]
            if trope_id not in result:
                result.append(trope_id)
        return result[:n]

    def get(self, trope_id: str) -> Trope:
        """Return the trope with exactly this id.

        Raises:
            UnknownTropeError: If there is none; ``suggestions`` holds the
                closest ids.
        """
        try:
            return self._by_id[trope_id]
        except (KeyError, TypeError):
            raise UnknownTropeError(str(trope_id), self.suggestions(str(trope_id))) from None

    def resolve(self, name: str) -> Trope:
        """Return the trope called ``name`` by id, label or alias, ignoring case.

        Ids win over labels and labels over aliases; ``"Mask Reveal"`` also
        finds ``mask-reveal`` by its slug.

        Raises:
            UnknownTropeError: If nothing matches; ``suggestions`` holds the
                closest ids.
        """
        folded = _fold(name)
        for found in (
            self._by_id.get(name.strip()),
            self._by_id.get(folded),
            self._by_label.get(folded),
            self._by_alias.get(folded),
            self._by_id.get(_slugify(name)),
        ):
            if found is not None:
                return found
        raise UnknownTropeError(name, self.suggestions(name))

    def search(self, query: str, limit: int | None = None) -> list[Trope]:
        """Type-ahead: the tropes whose label or an alias matches ``query``.

        Every word of ``query`` must be the start of some word of one name
        (so ``"sl d"`` finds *Slow dance* and ``"reveal"`` finds *Mask
        reveal*); case and punctuation are ignored. Tropes whose label starts
        with the query come first, then other label matches, then alias
        matches; ties keep file order. A blank query returns every trope.

        Args:
            query: What the user has typed so far.
            limit: Maximum number of results, or ``None`` for all.

        Returns:
            Matching tropes, best first.
        """
        words = _WORD_RE.findall(query.casefold())
        if not words:
            hits = list(self._tropes)
            return hits if limit is None else hits[:limit]
        joined = " ".join(words)

        def matches(name: str) -> bool:
            name_words = _WORD_RE.findall(name.casefold())
            return all(any(w.startswith(q) for w in name_words) for q in words)

        ranked: list[tuple[int, int, Trope]] = []
        for index, trope in enumerate(self._tropes):
            label_words = " ".join(_WORD_RE.findall(trope.label.casefold()))
            if label_words.startswith(joined):
                rank = 0
            elif matches(trope.label):
                rank = 1
            elif any(matches(alias) for alias in trope.aliases) or matches(
                trope.id.replace("-", " ")
            ):
                rank = 2
            else:
                continue
            ranked.append((rank, index, trope))
        ranked.sort(key=lambda item: (item[0], item[1]))
        hits = [trope for _, _, trope in ranked]
        return hits if limit is None else hits[:limit]

    # -- combining and export ------------------------------------------------

    def merged(self, other: Vocabulary) -> Vocabulary:
        """Return this vocabulary extended and overridden by ``other``.

        A trope or category of ``other`` with an id already here replaces it
        in place; new ones are appended in ``other``'s order.
        """
        categories = {c.id: c for c in self._categories}
        for category in other.categories:
            categories[category.id] = category
        tropes = {t.id: t for t in self._tropes}
        for trope in other.tropes:
            tropes[trope.id] = trope
        return Vocabulary(tropes.values(), categories.values())

    def to_dict(self) -> list[dict[str, Any]]:
        """Return the tropes as a JSON-ready list for the widget and the edition.

        Each item has the file fields plus ``category_label``, ``underline``,
        ``underline_thickness`` and ``tvtropes_url``.
        """
        labels = {c.id: c.label for c in self._categories}
        items: list[dict[str, Any]] = []
        for trope in self._tropes:
            item = trope.to_dict()
            item["category_label"] = labels[trope.category]
            item["underline"] = trope.underline
            item["underline_thickness"] = trope.underline_thickness
            item["tvtropes_url"] = trope.tvtropes_url
            items.append(item)
        return items

    def to_document(self) -> dict[str, Any]:
        """Return the whole vocabulary in the file format (loadable again)."""
        return {
            "version": FORMAT_VERSION,
            "categories": [c.to_dict() for c in self._categories],
            "tropes": [t.to_dict() for t in self._tropes],
        }


# -- loading ------------------------------------------------------------------


class _Checker:
    """Builds error messages that name the file, the entry and the fix."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str, fix: str) -> TropeError:
        """Return (for the caller to raise) a TropeError with a uniform message."""
        place = f"{self.path}: {where}" if where else f"{self.path}"
        return TropeError(f"{place}: {problem}; fix: {fix}")

    def text(
        self, value: Any, where: str, field: str, limit: int, *, example: str
    ) -> str:
        """Check a required, non-empty, bounded string field."""
        if not isinstance(value, str):
            raise self.fail(
                where,
                f"field {field!r} must be a string, got {type(value).__name__} {value!r}",
                f"write it as a JSON string, e.g. \"{field}\": \"{example}\"",
            )
        stripped = value.strip()
        if not stripped:
            raise self.fail(where, f"field {field!r} is empty", f"give {field!r} some text")
        if len(stripped) > limit:
            raise self.fail(
                where,
                f"field {field!r} is {len(stripped)} characters long (limit {limit})",
                f"shorten {field!r} to at most {limit} characters",
            )
        return stripped

    def slug(self, value: Any, where: str, field: str) -> str:
        """Check a slug field (``id`` or ``category``)."""
        if not isinstance(value, str):
            raise self.fail(
                where,
                f"field {field!r} must be a string, got {type(value).__name__} {value!r}",
                "use a lower-case slug such as \"mask-reveal\"",
            )
        if not _SLUG_RE.match(value):
            raise self.fail(
                where,
                f"{field} {value!r} is not a valid slug",
                "use lower-case letters and digits joined by single hyphens, "
                f"e.g. {_slugify(value) or 'mask-reveal'!r}",
            )
        return value


def _read_json(path: Path) -> Any:
    """Read and parse a JSON file, turning every failure into a TropeError."""
    check = _Checker(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise check.fail(
            "", "vocabulary file not found", "check the path, or omit it to use the shipped vocabulary"
        ) from None
    except IsADirectoryError:
        raise check.fail("", "is a directory, not a vocabulary file", "pass the path of a .json file") from None
    except UnicodeDecodeError as exc:
        raise check.fail("", f"is not UTF-8 text ({exc.reason})", "save the file as UTF-8") from None
    except OSError as exc:
        raise check.fail("", f"cannot be read ({exc.strerror})", "check the file's permissions") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise check.fail(
            f"line {exc.lineno} column {exc.colno}",
            f"invalid JSON ({exc.msg})",
            "correct the JSON syntax there (missing comma, quote or bracket?)",
        ) from None
    except RecursionError:
        raise check.fail("", "is nested too deeply to be a vocabulary", "check the file") from None
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise check.fail(
            "", "holds a lone UTF-16 surrogate (such as \\ud800), which is not text", "remove it"
        ) from None
    return data


def _parse_categories(check: _Checker, raw: Any) -> list[Category]:
    """Validate the ``categories`` list of a file."""
    if not isinstance(raw, list):
        raise check.fail(
            "'categories'",
            f"must be a list, got {type(raw).__name__}",
            'write "categories": [{"id": "identity", "label": "Identity"}, ...]',
        )
    seen: set[str] = set()
    categories: list[Category] = []
    for index, entry in enumerate(raw):
        where = f"category #{index}"
        if not isinstance(entry, dict):
            raise check.fail(
                where,
                f"must be an object, got {type(entry).__name__}",
                'write it as {"id": "identity", "label": "Identity"}',
            )
        if "id" in entry and isinstance(entry["id"], str):
            where = f"category #{index} ({entry['id']!r})"
        unknown = sorted(set(entry) - _CATEGORY_KEYS)
        if unknown:
            raise check.fail(
                where, f"unknown field(s) {', '.join(map(repr, unknown))}", "keep only 'id' and 'label'"
            )
        for field in ("id", "label"):
            if field not in entry:
                raise check.fail(where, f"missing field {field!r}", f"add a {field!r}")
        category_id = check.slug(entry["id"], where, "id")
        if category_id in seen:
            raise check.fail(where, f"duplicate category id {category_id!r}", "remove or rename one of them")
        seen.add(category_id)
        label = check.text(entry["label"], where, "label", MAX_LABEL, example="Identity")
        categories.append(Category(category_id, label))
    return categories


def _parse_trope(
    check: _Checker, index: int, entry: Any, category_ids: Sequence[str]
) -> Trope:
    """Validate one entry of the ``tropes`` list."""
    where = f"trope #{index}"
    if not isinstance(entry, dict):
        raise check.fail(
            where,
            f"must be an object, got {type(entry).__name__}",
            'write it as {"id": ..., "label": ..., "definition": ..., "category": ..., "colour": ...}',
        )
    if isinstance(entry.get("id"), str):
        where = f"trope #{index} ({entry['id']!r})"
    unknown = sorted(set(entry) - _TROPE_KEYS)
    if unknown:
        raise check.fail(
            where,
            f"unknown field(s) {', '.join(map(repr, unknown))}",
            f"use only {', '.join(sorted(_TROPE_KEYS))} (check the spelling)",
        )
    for field in _REQUIRED_TROPE_KEYS:
        if field not in entry or entry[field] is None:
            raise check.fail(where, f"missing field {field!r}", f"add a {field!r} to this trope")
    trope_id = check.slug(entry["id"], where, "id")
    label = check.text(entry["label"], where, "label", MAX_LABEL, example="Mask reveal")
    definition = check.text(
        entry["definition"], where, "definition", MAX_DEFINITION, example="One sentence."
    )

    aliases_raw = entry.get("aliases", [])
    if aliases_raw is None:
        aliases_raw = []
    if not isinstance(aliases_raw, list):
        raise check.fail(
            where,
            f"field 'aliases' must be a list of strings, got {type(aliases_raw).__name__}",
            'write "aliases": ["unmasking", "the reveal"] (or [] for none)',
        )
    aliases: list[str] = []
    for alias in aliases_raw:
        text = check.text(alias, where, "aliases", MAX_ALIAS, example="unmasking")
        if _fold(text) not in (_fold(a) for a in aliases):
            aliases.append(text)

    category = entry["category"]
    if not isinstance(category, str):
        raise check.fail(
            where,
            f"field 'category' must be a string, got {type(category).__name__}",
            f"use one of {', '.join(category_ids)}",
        )
    if category not in category_ids:
        close = difflib.get_close_matches(category, list(category_ids), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise check.fail(
            where,
            f"unknown category {category!r}",
            f"{hint}use one of {', '.join(category_ids)}, or add it under 'categories'",
        )

    colour = entry["colour"]
    if not isinstance(colour, str) or not _COLOUR_RE.match(colour):
        raise check.fail(
            where,
            f"bad colour {colour!r}",
            "write the colour as a hex string '#rrggbb', e.g. '#b818a0'",
        )

    tvtropes = entry.get("tvtropes")
    if tvtropes is not None and (not isinstance(tvtropes, str) or not _TVTROPES_RE.match(tvtropes)):
        raise check.fail(
            where,
            f"bad tvtropes page name {tvtropes!r}",
            "give the CamelCase page name such as 'FirstKiss', or null when none fits",
        )
    return Trope(
        id=trope_id,
        label=label,
        aliases=tuple(aliases),
        definition=definition,
        category=category,
        colour=colour.lower(),
        tvtropes=tvtropes,
    )


def _parse_document(
    path: Path, data: Any, base: Vocabulary | None = None
) -> Vocabulary:
    """Validate a parsed vocabulary file.

    Args:
        path: The file, for messages.
        data: The parsed JSON.
        base: The vocabulary an extra file is merged onto; when given,
            ``categories`` is optional and entries overriding a known id may
            omit fields (they are taken from the base trope).

    Returns:
        The vocabulary defined by this file alone (not yet merged).
    """
    check = _Checker(path)
    if not isinstance(data, dict):
        raise check.fail(
            "top level",
            f"must be a JSON object, got {type(data).__name__}",
            'write {"version": 1, "categories": [...], "tropes": [...]}',
        )
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise check.fail(
            "top level",
            f"unknown key(s) {', '.join(map(repr, unknown))}",
            "keep only 'version', 'categories' and 'tropes'",
        )
    if "version" in data or base is None:
        version = data.get("version")
        if isinstance(version, bool) or version != FORMAT_VERSION:
            raise check.fail(
                "'version'",
                f"unsupported version {version!r}",
                f'set "version": {FORMAT_VERSION}',
            )
    if "categories" in data:
        categories = _parse_categories(check, data["categories"])
    elif base is None:
        raise check.fail("top level", "missing 'categories'", 'add "categories": [{"id": ..., "label": ...}, ...]')
    else:
        categories = []
    if "tropes" not in data:
        raise check.fail("top level", "missing 'tropes'", 'add "tropes": [...]')
    raw_tropes = data["tropes"]
    if not isinstance(raw_tropes, list):
        raise check.fail(
            "'tropes'", f"must be a list, got {type(raw_tropes).__name__}", 'write "tropes": [{...}, ...]'
        )

    category_ids: list[str] = [c.id for c in categories]
    if base is not None:
        category_ids = [c.id for c in base.categories if c.id not in category_ids] + category_ids

    tropes: list[Trope] = []
    names: dict[str, str] = {}
    for index, entry in enumerate(raw_tropes):
        if base is not None and isinstance(entry, dict) and entry.get("id") in base:
            entry = {**base.get(entry["id"]).to_dict(), **entry}
        trope = _parse_trope(check, index, entry, category_ids)
        if any(t.id == trope.id for t in tropes):
            raise check.fail(
                f"trope #{index} ({trope.id!r})", f"duplicate id {trope.id!r}", "remove or rename one of the two entries"
            )
        for name in {_fold(n) for n in trope.names()}:
            owner = names.get(name)
            if owner is not None and owner != trope.id:
                raise check.fail(
                    f"trope #{index} ({trope.id!r})",
                    f"name {name!r} is already used by trope {owner!r}",
                    "give each trope its own labels and aliases",
                )
            names[name] = trope.id
        tropes.append(trope)

    if base is not None:
        # The overlay may use base categories: carry the ones it refers to.
        known = {c.id: c for c in base.categories}
        own = {c.id for c in categories}
        categories += [
            known[cid] for cid in dict.fromkeys(t.category for t in tropes) if cid not in own
        ]
    return Vocabulary(tropes, categories)


def load_vocabulary(
    path: str | Path | None = None, *, extra: str | Path | None = None
) -> Vocabulary:
    """Load a vocabulary file, optionally merging a user's own file on top.

    Args:
        path: The vocabulary file; ``None`` for the shipped one.
        extra: A user's file in the same format, merged onto ``path`` by id
            (new tropes are added, existing ones overridden). Its
            ``categories`` may be omitted, and its entries may refer to the
            categories of ``path``.

    Returns:
        The validated (and merged) vocabulary.

    Raises:
        TropeError: If a file is missing or malformed; the message names the
            file, the entry and the fix.
    """
    base_path = DEFAULT_PATH if path is None else Path(path)
    vocabulary = _parse_document(base_path, _read_json(base_path))
    if extra is not None:
        extra_path = Path(extra)
        overlay = _parse_document(extra_path, _read_json(extra_path), base=vocabulary)
        vocabulary = vocabulary.merged(overlay)
    return vocabulary


@functools.lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """Return the shipped vocabulary, loaded once and cached."""
    return load_vocabulary()


__all__ = [
    "DEFAULT_PATH",
    "FORMAT_VERSION",
    "UNDERLINE_STYLES",
    "UNDERLINE_THICKNESS",
    "Category",
    "Trope",
    "Vocabulary",
    "default_vocabulary",
    "load_vocabulary",
]
