"""Render RELIABILITY.md's table of figures from the last run of the reliability suite.

    python tests/reliability/report.py            # rewrite the table in RELIABILITY.md
    python tests/reliability/report.py --print    # print it instead

The tests write ``build/reliability/figures.json``; this script only formats
it. The table sits in RELIABILITY.md between the ``<!-- figures:start -->``
and ``<!-- figures:end -->`` markers; the prose around it is left alone.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "build" / "reliability" / "figures.json"
DOC = ROOT / "RELIABILITY.md"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"


def _short(message: str, n: int = 400) -> str:
    message = re.sub(r"/tmp/\S*/([^/\s]+)", r"…/\1", message)
    return message if len(message) <= n else message[: n - 1] + "…"


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _ok(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "not run"
    return "pass" if entry.get("ok") else "**FAIL**"


def _errors(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def rows(f: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """``(area, what was done, what was measured, verdict)`` for every figure present."""
    out: list[tuple[str, str, str, str]] = []
    if c := f.get("crash"):
        out.append(
            (
                "1 Crashes",
                f"{c['trials']} SIGKILLs of a writer (Reading.annotate/edit, as the widget writes): "
                f"{c['kills_mid_session']} mid-session, {c['kills_during_first_open']} while it creates a new store; "
                f"killed {c['kill_delay_ms_min']}–{c['kill_delay_ms_max']} ms in, after "
                f"{c['writes_per_trial_min']}–{c['writes_per_trial_max']} commits",
                f"{c['committed_ids_checked']} committed annotations and {c['edits_checked']} committed edits checked: "
                f"**{c['lost']} lost**; `integrity_check` ok after every kill: {'yes' if c['integrity_ok'] else 'NO'}",
                _ok(c),
            )
        )
    if c := f.get("crash_first_open"):
        out.append(
            (
                "1 Crashes",
                "SIGKILL between the two commits of a first open (schema, then shipped reading), at both seams",
                "shipped reading present after reopening: "
                + " and ".join(f"{v} of {c['shipped']} ({k})" for k, v in c["found"].items())
                + ", loaded once",
                _ok(c),
            )
        )
    if c := f.get("concurrency"):
        out.append(
            (
                "2 Concurrency",
                f"{c['writers']} writers at once on a brand-new store: 2 × Reading.annotate and 2 × `annotator import` "
                f"(20 files each), 500 annotations each, plus a reader process",
                f"**{c['annotations_present']} / {c['annotations_expected']} present**; errors reaching a user: "
                f"**{c['errors_reaching_user']}**; reader: {c['reader_rounds']} snapshots (up to {c['reader_max_seen']} "
                f"annotations), **{c['reader_problems']} half-written** or index mismatches; "
                f"{c['seconds']} s ({c['writes_per_second']} annotations/s)",
                _ok(c),
            )
        )
    if c := f.get("open_race"):
        out.append(
            (
                "2 Concurrency",
                f"{c['processes']} processes open the same not-yet-existing store at the same instant, {c['rounds']} times",
                f"{c['opens']} opens, **{c['errors']} errors**; each saw the whole shipped reading",
                _ok(c),
            )
        )
    if c := f.get("edits"):
        kinds = ", ".join(f"{k} {v}" for k, v in c["edit_kinds"].items())
        m = c["methods"]
        out.append(
            (
                "3 Edits to the text",
                f"{c['versions']} seeded edited versions × {c['text_annotations']} shipped annotations = "
                f"{c['anchorings']} re-anchorings (edits applied: {kinds})",
                f"right passage **{_pct(c['right_passage_share'])}** (tight {_pct(c['tight_share'])}); "
                f"orphaned **{_pct(c['orphaned_share'])}** ({c['orphaned_passage_deleted']} passage deleted, "
                f"{c['orphaned_passage_still_there']} passage still partly there); elsewhere {c['elsewhere']}; "
                f"**mismatched {c['mismatched']}**, **lost {c['lost']}** (also through {c['store_imports']} "
                f"`import_story` re-imports: mismatched {c['store_mismatched']}); methods: position {m.get('position', 0)}, "
                f"quote {m.get('quote', 0)}, fuzzy {m.get('fuzzy', 0)}, orphan {m.get('orphan', 0)}",
                _ok(c),
            )
        )
    for key, label in (
        (
            "bad_input_import",
            "JSON-LD and Hypothesis importer (`import_file`), mutated/truncated/random files",
        ),
        ("bad_input_story", "story loader (`read_text`, `read_metadata`, `Story.from_text`)"),
        ("bad_input_vocabulary", "vocabulary loader (`load_vocabulary`)"),
        (
            "bad_input_story_import",
            "story importers (`import_story`: AO3 HTML, EPUB, Markdown, plain text)",
        ),
    ):
        if c := f.get(key):
            out.append(
                (
                    "4 Bad input",
                    f"{label}: {c['examples']} hypothesis examples",
                    f"accepted {c['accepted']}; project errors {c['project_errors']} ({_errors(c['errors'])}); "
                    f"**other exceptions {c['other_exceptions']}**",
                    _ok(c),
                )
            )
    if c := f.get("bad_input_huge"):
        out.append(
            (
                "4 Bad input",
                "huge and deep files: " + ", ".join(c["cases"]),
                "; ".join(f"{k}: {v}" for k, v in c["cases"].items())
                + f"; store unchanged: {c['store_unchanged']}",
                _ok(c),
            )
        )
    if c := f.get("bad_input_cli"):
        out.append(
            (
                "4 Bad input",
                f"CLI in-process (`annotator.cli.main`), hostile files, arguments and vocabularies: {c['examples']} examples",
                "exit codes "
                + _errors(c["exits"])
                + "; every exit 1 is one `annotator: error:` line, no traceback",
                _ok(c),
            )
        )
    if c := f.get("fault_truncated"):
        out.append(
            (
                "4 Bad input",
                "a real store truncated to 10/50/90 %",
                ", ".join(f"{k}: {v}" for k, v in c["cases"].items()) + "; file unchanged",
                _ok(c),
            )
        )
    if c := f.get("fault_flipped"):
        out.append(
            (
                "4 Bad input",
                f"{c['trials']} copies of a real store with 1–8 bits flipped in one page (seeded)",
                _errors(c["outcomes"])
                + f"; **other exceptions {c['other_exceptions']}** (flips inside text values "
                "cannot be detected: SQLite keeps no checksums)",
                _ok(c),
            )
        )
    if c := f.get("fault_foreign"):
        out.append(
            (
                "4 Bad input",
                "foreign SQLite database, text file, random bytes, bare SQLite header",
                ", ".join(f"{k}: {v}" for k, v in c["cases"].items()) + "; files unchanged",
                _ok(c),
            )
        )
    if c := f.get("fault_newer_schema"):
        out.append(
            (
                "4 Bad input",
                "a store from a newer annotator (user_version above ours)",
                f"{c['error']}, data intact: `{_short(c['message'])}`",
                _ok(c),
            )
        )
    if c := f.get("fault_read_only"):
        r = c["results"]
        out.append(
            (
                "4 Bad input",
                f"read-only location: {c['method']}",
                f"open: {_short(r.get('open', ''))}; data intact",
                _ok(c),
            )
        )
    if c := f.get("fault_immutable"):
        out.append(
            (
                "4 Bad input",
                f"immutable store file ({c['method']})",
                f"{c['outcome']}; data intact",
                _ok(c),
            )
        )
    if c := f.get("fault_full_disk"):
        out.append(
            (
                "4 Bad input",
                f"full disk: {c['method']}",
                f"{c['committed_before_full']} annotations committed before it filled; then `{_short(c['error'])}`; "
                f"lost {c['lost']}; writes work again once there is room: {c['recovered_after_freeing']}",
                _ok(c),
            )
        )
    if c := f.get("injection_edition"):
        res = c["results"]
        measured = "; ".join(
            f"{k}: script ran {v['script_ran']}, dialogs {v['dialogs']}, requests off the page {v['requests_blocked']}, "
            f"injected elements {v['injected_elements']}, handler attributes {v['handler_attributes']}, "
            f"payloads shown as text {v['payloads_shown_as_text']}/{c['payloads']}"
            for k, v in res.items()
        )
        out.append(
            (
                "5 Injection",
                f"exported edition in Chromium (file://): {c['payloads']} payloads × "
                f"{len(c['fields'])} fields ({', '.join(c['fields'])})",
                measured,
                _ok(c),
            )
        )
    if c := f.get("injection_widget"):
        out.append(
            (
                "5 Injection",
                f"Reader widget in JupyterLab: {c['payloads']} payloads pre-stored, {c['typed_in_page']} typed in the page "
                "(note and trope box), a payload typed as the reader name",
                f"popovers opened {c['popovers_opened']} of {c['highlights']}; script ran {c['script_ran']}, dialogs "
                f"{c['dialogs']}, requests off the Lab server {c['requests_blocked']}, injected elements "
                f"{c['injected_elements']}, handler attributes {c['handler_attributes']}; typed notes saved "
                f"{c['typed_saved']}/{c['typed_in_page']}; payloads shown as text {c['payloads_shown_as_text']}",
                _ok(c),
            )
        )
    if c := f.get("injection_control"):
        out.append(
            (
                "5 Injection",
                "control: a page that is injected on purpose",
                "caught by the traps: " + ", ".join(k for k, v in c["caught"].items() if v),
                _ok(c),
            )
        )
    if c := f.get("valid_output"):
        measured = "; ".join(
            f"{k}: {v['errors']} errors, {v['warnings']} warnings, {v['internal_links']} internal links, "
            f"{len(v['broken_links'])} broken, {len(v['duplicate_ids'])} duplicate ids"
            for k, v in c["editions"].items()
        )
        out.append(
            (
                "6 Valid output",
                f"edition (shipped and hostile) through the {c['validator']}",
                measured,
                _ok(c),
            )
        )
    return out


def render(data: dict[str, Any]) -> str:
    m = data.get("machine", {})
    lines = [
        START,
        f"Measured on {m.get('cores')} cores, Python {m.get('python')}, SQLite {m.get('sqlite')}, "
        f"{m.get('platform')}, commit {m.get('commit') or 'unknown'}; generated by "
        "`tests/reliability/report.py` from `build/reliability/figures.json`; the suite took "
        f"{data.get('last_session_seconds', '?')} s.",
        "",
        "| # | what was done | what was measured | verdict |",
        "|---|---|---|---|",
    ]
    for area, what, measured, verdict in rows(data.get("figures", {})):

        def cell(s: str) -> str:
            s = re.sub(r"/tmp/\S*/([^/\s]+)", r"…/\1", s)  # temporary paths say nothing
            return s.replace("|", "\\|").replace("\n", " ")

        lines.append(f"| {area} | {cell(what)} | {cell(measured)} | {verdict} |")
    lines.append(END)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--print", action="store_true", help="print the table instead of writing RELIABILITY.md"
    )
    args = parser.parse_args(argv)
    try:
        data = json.loads(FIGURES.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(
            f"report.py: cannot read {FIGURES} ({e}); run `./dev test tests/reliability` first",
            file=sys.stderr,
        )
        return 1
    table = render(data)
    if args.print:
        print(table)
        return 0
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# Reliability\n\n{START}\n{END}\n"
    if START not in doc or END not in doc:
        print(f"report.py: {DOC} has no {START} ... {END} section", file=sys.stderr)
        return 1
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(head + table + tail, encoding="utf-8")
    print(f"wrote the figures table of {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
