"""The CLI, in process (fast) and once as a real console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import main


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_story_info(capsys, tmp_path):
    code, out, _ = run(capsys, "story", "info", "--db", str(tmp_path / "a.db"), "--json")
    info = json.loads(out)
    assert code == 0 and info["id"] == "one-dance" and info["author"] == "unknown" and info["readers"] == ["editor"]
    code, out, _ = run(capsys, "story", "info", "one-dance", "--db", str(tmp_path / "a.db"))
    assert "words: 3083" in out.replace("  ", "")


def test_tropes(capsys):
    code, out, _ = run(capsys, "tropes")
    assert code == 0 and "mask-reveal" in out and "Identity" in out
    code, out, _ = run(capsys, "tropes", "--json")
    assert {t["id"] for t in json.loads(out)} >= {"mask-reveal", "first-kiss"}


def test_import_export_round_trip(capsys, tmp_path):
    db = str(tmp_path / "a.db")
    code, out, _ = run(capsys, "export-annotations", "--db", db, "--format", "jsonld", "-o", str(tmp_path / "x.jsonld"))
    assert code == 0
    data = json.loads((tmp_path / "x.jsonld").read_text())
    assert data["total"] >= 30
    code, out, _ = run(capsys, "import", str(tmp_path / "x.jsonld"), "--db", db)
    assert code == 0 and "0 added" in out and "unchanged" in out
    code, out, _ = run(capsys, "export-annotations", "--db", db, "--format", "csv", "--reader", "editor")
    assert out.startswith("id,story,creator") and out.count("\n") > 30


def test_errors_are_one_line_without_traceback(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    code, out, err = run(capsys, "import", str(bad), "--db", str(tmp_path / "a.db"))
    assert code == 1 and err.count("\n") == 1 and err.startswith("annotator: error:") and "Traceback" not in err
    code, out, err = run(capsys, "story", "info", "nope", "--db", str(tmp_path / "a.db"))
    assert code == 1 and "no story 'nope'" in err
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"garbage" * 100)
    code, out, err = run(capsys, "tropes", "--db", str(junk))
    assert code == 0  # tropes does not open the store
    code, out, err = run(capsys, "export-annotations", "--db", str(junk))
    assert code == 1 and "not a readable annotator database" in err


def test_bad_vocab_file(capsys, tmp_path):
    vocab = tmp_path / "v.json"
    vocab.write_text("[")
    code, _, err = run(capsys, "tropes", "--vocab", str(vocab))
    assert code == 1 and str(vocab) in err


def test_console_script_help():
    exe = Path(sys.executable).parent / "annotator"
    if not exe.exists():
        pytest.skip("console script not installed (pip install -e .)")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("story", "tropes", "import", "export-annotations", "export"):
        assert command in out
