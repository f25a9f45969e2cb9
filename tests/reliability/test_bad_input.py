"""Bad input: malformed, truncated, huge and adversarial files and arguments.

Property-based (hypothesis, derandomized so CI sees the same examples every
run) tests of every reader of outside data: the JSON-LD and Hypothesis
importers (``import_file``), the story loader (``read_text``,
``read_metadata``, ``Story.from_text``), the vocabulary loader
(``load_vocabulary``) and the CLI (``annotator.cli.main`` in-process).

The property, everywhere: the call succeeds, or it raises one of the
project's own errors (an :class:`AnnotatorError`) whose message is one short
line; nothing else escapes, and a failed import leaves the store exactly as
it was.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from annotator import cli
from annotator.annotation import make_annotation, validate
from annotator.errors import AnnotatorError
from annotator.interchange import import_file
from annotator.jsonld import collection
from annotator.library import load_story, open_store, read_metadata, read_text
from annotator.story import Story
from annotator.tropes import DEFAULT_PATH, load_vocabulary

EXAMPLES = int(os.environ.get("RELIABILITY_EXAMPLES", "60"))  # more for a deeper hunt
MAX_MESSAGE = 600  # a clear message is one line a person reads, not a dump of the input

FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("RELIABILITY_RANDOM"),  # CI: the same examples every run
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# -- strategies --------------------------------------------------------------------
NASTY = [
    "\ud800",
    "\udfff",
    "\x00",
    "\u202e",
    "\ufeff",
    "\u0085",
    "\u2028",
    "</script>",
    "<!--",
    "' OR 1=1 --",
    "${7*7}",
    "{{7*7}}",
    "%s%n",
    "\r\n",
    "urn:uuid:",
    "one-dance",
    "slow-dance",
    "#ffffff",
    "2026-11-27T12:00:00Z",
    "TextQuoteSelector",
    "Annotation",
    "x" * 5000,
]
chars = st.one_of(
    st.characters(codec=None, exclude_categories=()),
    st.sampled_from("\ud800\udfff\x00\u202e<>&\"'"),
)
texts = st.one_of(st.text(chars, max_size=40), st.sampled_from(NASTY))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)),
    max_leaves=12,
)


def _valid_collection(n: int = 3) -> dict[str, Any]:
    story = load_story("one-dance")
    items = [
        make_annotation(
            story.text,
            story.id,
            100 + 40 * i,
            130 + 40 * i,
            creator="ada",
            tropes=["slow-dance"],
            note=f"note {i}",
        )
        for i in range(n)
    ]
    return collection(items)


def _with(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The first annotation of a collection, changed."""
    item = json.loads(json.dumps(doc["first"]["items"][0]))
    item.update(changes)
    return item


SURROGATE_NOTE = {
    "body": [{"type": "TextualBody", "purpose": "commenting", "value": "a \ud800 note"}]
}


def _hypothesis_rows(n: int = 2) -> dict[str, Any]:
    story = load_story("one-dance")
    rows = []
    for i in range(n):
        start, end = 200 + 50 * i, 230 + 50 * i
        rows.append(
            {
                "id": f"abc{i}",
                "uri": "https://example.org/one-dance",
                "user": "acct:ada@hypothes.is",
                "created": "2026-11-27T12:00:00Z",
                "updated": "2026-11-27T12:00:00Z",
                "text": "a note",
                "tags": ["slow-dance"],
                "target": [
                    {
                        "source": "https://example.org/one-dance",
                        "selector": [
                            {"type": "TextQuoteSelector", "exact": story.text[start:end]},
                            {"type": "TextPositionSelector", "start": start, "end": end},
                        ],
                    }
                ],
            }
        )
    return {"total": n, "rows": rows}


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    """``base`` with a few random changes at random places: values replaced,
    keys dropped or added, lists emptied or duplicated, types swapped."""
    doc = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 4))):
        path: list[Any] = []
        node = doc
        while isinstance(node, (dict, list)) and node and draw(st.booleans()):
            key = draw(
                st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node)))
            )
            path.append(key)
            node = node[key]
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "drop", "add", "dup", "wrap"]))
        if not path:
            if action == "replace":
                doc = draw(json_values)
            continue
        key = path[-1]
        if action == "replace":
            parent[key] = draw(json_values)
        elif action == "drop":
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(texts)] = draw(json_values)
        elif action == "dup" and isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[key])))
        elif action == "wrap":
            parent[key] = [parent[key]]
    return doc


def _dump(doc: Any, draw_cut: int | None = None) -> bytes:
    raw = json.dumps(doc, allow_nan=True).encode(
        "utf-8"
    )  # ensure_ascii: lone surrogates as \\ud800
    return raw if draw_cut is None else raw[: draw_cut % (len(raw) + 1)]


@st.composite
def annotation_files(draw: st.DrawFn) -> bytes:
    kind = draw(
        st.sampled_from(
            ["mutated-jsonld", "mutated-hypothesis", "truncated", "random-json", "random-bytes"]
        )
    )
    if kind == "mutated-jsonld":
        return _dump(draw(mutated(_valid_collection())))
    if kind == "mutated-hypothesis":
        return _dump(draw(mutated(_hypothesis_rows())))
    if kind == "truncated":
        return _dump(_valid_collection(), draw(st.integers(0, 10**6)))
    if kind == "random-json":
        return _dump(draw(json_values))
    return draw(st.binary(max_size=300))


# -- helpers ---------------------------------------------------------------------------
class Outcomes:
    def __init__(self, figures, key: str) -> None:
        self.figures, self.key, self.counts = figures, key, Counter()

    def ok(self) -> None:
        self.counts["accepted"] += 1

    def error(self, e: BaseException) -> None:
        self.counts[type(e).__name__] += 1
        _clear(e)

    def save(self) -> None:
        total = sum(self.counts.values())
        self.figures.record(
            self.key,
            examples=total,
            accepted=self.counts["accepted"],
            project_errors=total - self.counts["accepted"],
            other_exceptions=0,
            errors=dict(sorted((k, v) for k, v in self.counts.items() if k != "accepted")),
            ok=True,
        )


def _clear(e: BaseException) -> None:
    msg = str(e)
    assert isinstance(e, AnnotatorError), f"{type(e).__name__} escaped: {msg[:300]}"
    assert msg.strip(), f"{type(e).__name__} with an empty message"
    assert len(msg) <= MAX_MESSAGE, f"message of {len(msg)} characters: {msg[:200]}..."
    assert "Traceback" not in msg


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


# -- the importers ------------------------------------------------------------------------
def test_import_file_takes_anything_and_writes_all_or_nothing(scratch, figures):
    store = open_store(scratch / "import.db")
    outcomes = Outcomes(figures, "bad_input_import")

    @FAST
    @given(annotation_files(), st.sampled_from([None, "one-dance"]), st.sampled_from([None, "eve"]))
    @example(_dump(_with(_valid_collection(1), **SURROGATE_NOTE)), None, None)
    @example(_dump(_with(_valid_collection(1), creator={"name": "\udcff"})), None, None)
    @example(_dump(_with(_valid_collection(1), id="urn:x:\ud800")), None, None)
    @example(_dump(_with(_valid_collection(1), extra="\ud800")), None, None)
    @example(_dump(_with(_valid_collection(1), id="urn:" + "x" * 100_000)), None, None)
    def check(data: bytes, story: str | None, reader: str | None) -> None:
        path = scratch / "in.jsonld"
        path.write_bytes(data)
        before = store.count()
        try:
            import_file(store, path, story=story, reader=reader)
        except Exception as e:  # noqa: BLE001 - the property is about what escapes
            outcomes.error(e)
            assert store.count() == before, "a failed import wrote something"
        else:
            outcomes.ok()
        for a in store.annotations():
            validate(a)

    check()
    outcomes.save()
    store.close()


def test_huge_and_deep_annotation_files(scratch, figures):
    store = open_store(scratch / "huge.db")
    before = store.count()
    cases = {
        "over 64 MiB (sparse)": None,
        "nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
        "one 30 MB note": _dump(
            {
                **_valid_collection(1)["first"]["items"][0],
                "body": [{"purpose": "commenting", "value": "x" * 30_000_000}],
            }
        ),
        "a 200,000-character id": _dump(
            {**_valid_collection(1)["first"]["items"][0], "id": "urn:" + "x" * 200_000}
        ),
        "a list as the id": _dump(
            {**_valid_collection(1)["first"]["items"][0], "id": list(range(100_000))}
        ),
        "10**400 as a position": _dump(_valid_collection(1)).replace(
            b'"start": 100', b'"start": 1' + b"0" * 400
        ),
        "NaN as a position": _dump(_valid_collection(1)).replace(b'"start": 100', b'"start": NaN'),
        "date of 100,000 characters": _dump(
            {**_valid_collection(1)["first"]["items"][0], "created": "2" * 100_000}
        ),
    }
    seen = {}
    for name, data in cases.items():
        path = scratch / "huge.jsonld"
        if data is None:
            with open(path, "wb") as f:
                f.truncate(65 * 2**20)
        else:
            path.write_bytes(data)
        try:
            import_file(store, path)
            seen[name] = "accepted"
        except Exception as e:  # noqa: BLE001
            _clear(e)
            seen[name] = type(e).__name__
        path.unlink()
    after = store.count()
    store.close()
    figures.record(
        "bad_input_huge", cases=seen, store_unchanged=after == before, ok=after == before
    )
    assert after == before


# -- the story loader ---------------------------------------------------------------------------
def test_story_loader(scratch, figures):
    outcomes = Outcomes(figures, "bad_input_story")
    meta = {k: v for k, v in load_story("one-dance").metadata.items() if k != "words"}

    real = load_story("one-dance").text
    valid_chars = st.characters(codec="utf-8", exclude_categories=("Cs",))

    @FAST
    @given(
        st.one_of(
            st.binary(max_size=400),
            st.text(chars, max_size=400).map(lambda s: s.encode("utf-8", "surrogatepass")),
            st.text(valid_chars, min_size=1, max_size=400).map(
                lambda s: f"A Title\n\n{s}\n".encode()
            ),
            st.integers(0, len(real)).map(lambda i: real[i : i + 3000].encode()),
        ),
        st.one_of(st.just(meta), mutated(meta), json_values).map(_dump),
        st.one_of(st.sampled_from(["one-dance", "x", "a-b-1"]), texts),
    )
    @example(b"One Dance\n\nText.", _dump({**meta, "title": "\ud800"}), "one-dance")
    @example(b"One Dance\n\nText.", _dump({**meta, "characters": 5}), "one-dance")
    @example(b"One Dance\n\nText.", _dump({**meta, "characters": [None, 3, {}]}), "one-dance")
    @example(b"\xef\xbb\xbf\n\n\n", _dump(meta), "one-dance")
    def check(text_bytes: bytes, meta_bytes: bytes, story_id: str) -> None:
        (scratch / "s.txt").write_bytes(text_bytes)
        (scratch / "s.json").write_bytes(meta_bytes)
        try:
            text = read_text(scratch / "s.txt")
            metadata = read_metadata(scratch / "s.json")
            story = Story.from_text(story_id, text, metadata)
            json.dumps(story.to_dict(), ensure_ascii=False).encode("utf-8")
        except Exception as e:  # noqa: BLE001
            outcomes.error(e)
        else:
            outcomes.ok()

    check()
    outcomes.save()


# -- the vocabulary loader -----------------------------------------------------------------------
def test_vocabulary_loader(scratch, figures):
    outcomes = Outcomes(figures, "bad_input_vocabulary")
    shipped = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    small = {"version": 1, "tropes": [dict(shipped["tropes"][0], id="my-trope", label="Mine")]}

    @FAST
    @given(
        st.one_of(mutated(small), mutated(shipped), json_values).map(_dump),
        st.integers(0, 10**6),
        st.booleans(),
    )
    @example(_dump({"version": 1, "tropes": [dict(small["tropes"][0], label="\ud800")]}), 0, False)
    @example(
        _dump({"version": 1, "tropes": [dict(small["tropes"][0], label="x" * 100_000)]}), 0, False
    )
    @example(b"[" * 100_000, 0, False)
    def check(raw: bytes, cut: int, truncate: bool) -> None:
        path = scratch / "vocab.json"
        path.write_bytes(raw[: cut % (len(raw) + 1)] if truncate else raw)
        try:
            vocab = load_vocabulary(extra=path)
            json.dumps(vocab.to_dict(), ensure_ascii=False).encode("utf-8")
        except Exception as e:  # noqa: BLE001
            outcomes.error(e)
        else:
            outcomes.ok()

    check()
    outcomes.save()


# -- the CLI --------------------------------------------------------------------------------
def _run_cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = cli.main(argv)
        except SystemExit as e:  # argparse's own usage errors
            rc = e.code if isinstance(e.code, int) else 2
    return rc, err.getvalue()


def test_cli(scratch, figures):
    db = scratch / "cli.db"
    store = open_store(db)
    outcomes: Counter[str] = Counter()

    @FAST
    @given(
        st.sampled_from(["import", "tropes", "story info", "export-annotations", "export"]),
        annotation_files(),
        st.one_of(st.none(), texts),
        st.booleans(),
    )
    @example("import", _dump(_valid_collection(1)), "\udcff", False)  # argv bytes not UTF-8
    @example("story info", b"{", "\udcff", False)
    @example("export-annotations", b"{", "\udcff", False)
    @example("export", b"{", "no-such-story", False)
    @example("tropes", _dump({"version": 1, "tropes": [{"id": "x" * 10_000}]}), None, True)
    def check(command: str, data: bytes, word: str | None, hostile_vocab: bool) -> None:
        path = scratch / "cli-in.jsonld"
        path.write_bytes(data)
        argv = [*command.split(), "--db", str(db)]
        if command == "import":
            argv.append(str(path))
            if word is not None:
                argv += ["--reader", word]
        elif command in ("story info", "export-annotations", "export"):
            argv += (
                [word or "one-dance"]
                if command == "story info"
                else ["--story", word or "one-dance"]
            )
            if command != "story info":
                argv += ["-o", str(scratch / "out.html")]
        if hostile_vocab:
            argv += ["--vocab", str(path)]
        argv = [a.replace("\x00", "") for a in argv]  # no OS lets NUL into argv
        before = store.count()
        rc, err = _run_cli(argv)
        outcomes[f"exit {rc}"] += 1
        assert "Traceback" not in err, err
        if rc == 1:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("annotator: error: "), err[:500]
            assert len(lines[0]) <= MAX_MESSAGE + 40, f"a {len(lines[0])}-character error line"
            assert store.count() == before
        else:
            assert rc in (0, 2), (rc, err[:500])

    check()
    store.close()
    figures.record(
        "bad_input_cli",
        examples=sum(outcomes.values()),
        exits=dict(sorted(outcomes.items())),
        ok=True,
    )


# -- the story importers (`annotator import-story`) -------------------------------------------
def test_story_importers(scratch, figures):
    """Random and mutated AO3 HTML, EPUB, Markdown and plain-text files into ``import_story``."""
    import zipfile

    from annotator.story_import import import_story

    store = open_store(scratch / "stories.db")
    outcomes = Outcomes(figures, "bad_input_story_import")
    html = (
        "<html><head><title>T</title></head><body><div id='preface'><h2 class='title'>{}</h2>"
        "<dl class='tags'><dt>Fandom:</dt><dd>{}</dd></dl></div>"
        "<div id='chapters'><div class='userstuff'><p>{}</p></div></div></body></html>"
    )

    def epub(body: str, broken: int) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("mimetype", "application/epub+zip")
            z.writestr(
                "META-INF/container.xml",
                '<?xml version="1.0"?><container version="1.0" '
                'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile '
                'full-path="content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>',
            )
            z.writestr(
                "content.opf",
                f'<package xmlns="http://www.idpf.org/2007/opf"><metadata><title>{body[:20]}'
                '</title></metadata><manifest><item id="c" href="c.xhtml" media-type="application/xhtml+xml"/>'
                '</manifest><spine><itemref idref="c"/></spine></package>',
            )
            z.writestr("c.xhtml", f"<html><body><p>{body}</p></body></html>")
        raw = buf.getvalue()
        return raw[: broken % (len(raw) + 1)] if broken % 3 == 0 else raw

    @FAST
    @given(
        st.sampled_from([".txt", ".md", ".html", ".epub"]),
        st.one_of(
            st.binary(max_size=500),
            st.text(chars, max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass")),
        ),
        texts,
        st.integers(0, 10**6),
    )
    @example(".md", b"---\ntitle: [unclosed\n---\nText", "x", 1)
    @example(".md", b"---\ntitle: !!python/object/apply:os.system ['true']\n---\nText", "x", 1)
    @example(".html", b"<html>" + b"<div>" * 50_000, "x", 1)
    def check(ext: str, data: bytes, word: str, n: int) -> None:
        if n % 2 and ext == ".html":
            data = html.format(word, word, word).encode("utf-8", "surrogatepass")
        elif n % 2 and ext == ".epub":
            data = epub(word.encode("utf-8", "replace").decode(), n)
        path = scratch / f"story{ext}"
        path.write_bytes(data)
        before = (store.count(), len(store.stories()))
        try:
            import_story(store, path, f"fuzz-{n % 5}")
        except Exception as e:  # noqa: BLE001 - the property is about what escapes
            outcomes.error(e)
            assert (store.count(), len(store.stories())) == before, (
                "a failed story import wrote something"
            )
        else:
            outcomes.ok()

    check()
    outcomes.save()
    store.close()
