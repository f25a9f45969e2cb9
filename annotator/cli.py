"""The ``annotator`` command line.

Every command takes ``--db PATH|URL`` (default: ``$ANNOTATOR_DB`` or
``~/.local/share/annotator/annotator.db``; a ``postgresql://`` URL opens a
shared store) and ``--as NAME`` (default ``$ANNOTATOR_USER``: act as that
reader, who changes only their own annotations and sees only what they may).
Errors print one line, ``annotator: error: ...``, and exit with status 1;
nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import AnnotatorError

DESCRIPTION = """\
Read One Dance (and other stories) closely: tag tropes, keep notes, and
publish an annotated HTML edition.

examples:
  annotator story info one-dance
  annotator tropes
  annotator import reading.jsonld --reader ada
  annotator import hypothesis.json --story one-dance
  annotator export-annotations --story one-dance --format csv -o notes.csv
  annotator export --story one-dance -o build/one-dance.html
  annotator import-story my-fic.html          # an AO3 download; also .epub, .md, .txt
  annotator story list
  annotator suggest --story one-dance --top 3      # likely tropes, with the words behind them
  annotator group create english-10b --db postgresql://teacher@db.school/annotator
  annotator group add english-10b ada bo        # a shared store: docs/shared-store.md
"""


def _db_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--db",
        metavar="PATH|URL",
        help="the annotation database: an SQLite file, or postgresql://USER:PASSWORD@HOST/DB for a shared "
        "store (default: $ANNOTATOR_DB or ~/.local/share/annotator/annotator.db)",
    )
    p.add_argument(
        "--as",
        dest="user",
        metavar="NAME",
        help="act as this reader: change only their annotations, see only what they may "
        "(default: $ANNOTATOR_USER; none: everything)",
    )
    p.add_argument("--vocab", metavar="FILE", help="your own trope vocabulary (JSON), merged over the shipped one")
    return p


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every sub-command."""
    common = _db_parent()
    parser = argparse.ArgumentParser(
        prog="annotator", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    story = sub.add_parser("story", help="about the stories in the library", parents=[common])
    story_sub = story.add_subparsers(dest="story_command", metavar="SUBCOMMAND")
    story_sub.required = True
    info = story_sub.add_parser("info", help="metadata, structure and annotation counts of a story", parents=[common])
    info.add_argument("story", nargs="?", default="one-dance", help="story id (default: one-dance)")
    info.add_argument("--json", action="store_true", help="print JSON instead of text")
    story_sub.add_parser("list", help="the stories in the library", parents=[common])

    tropes = sub.add_parser("tropes", help="list the trope vocabulary", parents=[common])
    tropes.add_argument("--json", action="store_true", help="print JSON instead of a table")

    imp = sub.add_parser(
        "import",
        help="import annotations (W3C JSON-LD, Hypothesis JSON, or an annotated edition .html)",
        parents=[common],
    )
    imp.add_argument("file", help="the file to import")
    imp.add_argument("--story", help="story id, for files whose targets are not annotator stories")
    imp.add_argument("--reader", help="reader name to record as the creator of every annotation")

    exa = sub.add_parser("export-annotations", help="export annotations as JSON-LD or CSV", parents=[common])
    exa.add_argument("--story", default="one-dance", help="story id (default: one-dance)")
    exa.add_argument("--reader", action="append", help="only this reader's annotations (repeatable)")
    exa.add_argument("--format", choices=("jsonld", "csv"), default="jsonld", help="output format (default: jsonld)")
    exa.add_argument("--audience", help="only annotations for this audience: public, private or group:NAME")
    exa.add_argument("-o", "--output", help="file to write (default: standard output)")

    exp = sub.add_parser("export", help="build the annotated HTML edition", parents=[common])
    exp.add_argument("--story", default="one-dance", help="story id (default: one-dance)")
    exp.add_argument("--reader", action="append", help="only this reader's annotations (repeatable)")
    exp.add_argument("-o", "--output", required=True, help="the .html file to write")

    ist = sub.add_parser(
        "import-story",
        help="add a story to the library: an AO3 HTML download, EPUB, Markdown or plain text",
        parents=[common],
    )
    ist.add_argument("file", help="the story file (.html, .epub, .md, .txt)")
    ist.add_argument("--id", help="story id (default: made from the title); the same id imports a new version")

    sug = sub.add_parser(
        "suggest", help="propose likely tropes per paragraph (never saved)", parents=[common]
    )
    sug.add_argument("--story", default="one-dance", help="story id (default: one-dance)")
    sug.add_argument("--top", type=int, default=3, help="suggestions per paragraph (default: 3)")
    sug.add_argument("--format", choices=("table", "jsonld"), default="table")
    sug.add_argument("--paragraph", action="append", help="only this paragraph (repeatable)")
    sug.add_argument("--reader", help="leave out what this reader dismissed or already tagged")
    sug.add_argument("--embeddings", action="store_true", help="needs annotator[embeddings]")
    sug.add_argument("-o", "--output", help="file to write (default: standard output)")

    grp = sub.add_parser("group", help="groups of readers who share annotations (a class, a fandom group)",
                         parents=[common])  # fmt: skip
    grp_sub = grp.add_subparsers(dest="group_command", metavar="SUBCOMMAND")
    grp_sub.required = True
    gc = grp_sub.add_parser("create", help="create a group (with --as, you own it and are its first member)",
                            parents=[common])  # fmt: skip
    gc.add_argument("name", help="lower-case letters, digits, '.', '_' and '-', e.g. english-10b")
    ga = grp_sub.add_parser("add", help="add readers to a group (its owner, or without --as)", parents=[common])
    ga.add_argument("name", help="the group")
    ga.add_argument("members", nargs="+", metavar="MEMBER", help="reader names")
    gr = grp_sub.add_parser("remove", help="remove readers from a group", parents=[common])
    gr.add_argument("name", help="the group")
    gr.add_argument("members", nargs="+", metavar="MEMBER", help="reader names")
    gd = grp_sub.add_parser("delete", help="delete a group (its annotations stay, seen by their creators)",
                            parents=[common])  # fmt: skip
    gd.add_argument("name", help="the group")
    gl = grp_sub.add_parser("list", help="the groups and their members", parents=[common])
    gl.add_argument("--json", action="store_true", help="print JSON instead of text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        key = args.command
        if key in ("story", "group"):
            key = f"{key} {getattr(args, f'{key}_command')}"
        handler = _HANDLERS[key]
        return handler(args)
    except AnnotatorError as e:
        print(f"annotator: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("annotator: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _vocab(args: argparse.Namespace) -> Any:
    from .tropes import default_vocabulary, load_vocabulary

    return load_vocabulary(extra=args.vocab) if args.vocab else default_vocabulary()


def _store(args: argparse.Namespace) -> Any:
    import os

    from .library import open_store

    return open_store(args.db, user=args.user or os.environ.get("ANNOTATOR_USER") or None)


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from .errors import ExportError

    try:
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)  # readers never see a half-written file
    except OSError as e:
        raise ExportError(f"cannot write {output}: {e.strerror}") from None
    print(f"wrote {output}", file=sys.stderr)


def _story_info(args: argparse.Namespace) -> int:
    from collections import Counter

    from .library import load_story

    with _store(args) as store:
        story = load_story(args.story, store)
        annotations = store.annotations(story.id)
        readers = store.readers(story.id)
    m = story.metadata
    kinds = Counter(p.kind for p in story.paragraphs)
    info = {
        "id": story.id,
        "title": story.title,
        "author": m.get("author") or "unknown",
        "rating": m.get("rating"),
        "fandom": m.get("fandom"),
        "relationship": m.get("relationship"),
        "characters": m.get("characters"),
        "category": m.get("category"),
        "additional_tags": m.get("additional_tags"),
        "language": m.get("language"),
        "words": m.get("words"),
        "chapters": len(story.sections),
        "paragraphs": len(story.body_paragraphs),
        "scenes": 1 + max(p.scene for p in story.paragraphs),
        "sentences": sum(1 for _ in story.sentences),
        "dialogue": kinds.get("dialogue", 0),
        "narration": kinds.get("narration", 0),
        "mixed": kinds.get("mixed", 0),
        "version": story.version,
        "annotations": len(annotations),
        "orphans": sum(a.orphan for a in annotations),
        "readers": readers,
        "summary": m.get("summary"),
    }
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    for key, value in info.items():
        if isinstance(value, list):
            value = ", ".join(map(str, value)) or "-"
        print(f"{key.replace('_', ' '):>16}: {value}")
    return 0


def _story_list(args: argparse.Namespace) -> int:
    from .library import list_stories

    with _store(args) as store:
        stories = list_stories(store)
    for s in stories:
        chapters = f", {s['chapters']} chapters" if s["chapters"] > 1 else ""
        print(f"{s['id']:20} {s['title']} ({s['words']} words{chapters}; {s['source']})")
    return 0


def _import_story(args: argparse.Namespace) -> int:
    from .story_import import import_story

    with _store(args) as store:
        report = import_story(store, args.file, args.id)
    print(report.summary())
    return 0


def _tropes(args: argparse.Namespace) -> int:
    vocab = _vocab(args)
    if args.json:
        print(json.dumps(vocab.to_dict(), ensure_ascii=False, indent=2))
        return 0
    for category in vocab.categories:
        members = vocab.by_category(category.id)
        if not members:
            continue
        print(f"{category.label}")
        for t in members:
            aliases = f" (also: {', '.join(t.aliases)})" if t.aliases else ""
            print(f"  {t.id:24} {t.label}{aliases}\n  {'':24} {t.definition}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from .interchange import import_file

    with _store(args) as store:
        report = import_file(store, args.file, story=args.story, reader=args.reader, vocabulary=_vocab(args))
    print(report.summary())
    for ident in report.orphans:
        print(f"  orphan: {ident}")
    return 0


def _export_annotations(args: argparse.Namespace) -> int:
    from .interchange import export_csv, export_jsonld
    from .library import load_story

    with _store(args) as store:
        story = load_story(args.story, store)
        annotations = store.annotations(story.id, creator=args.reader, audience=args.audience)
    if args.format == "csv":
        text = export_csv(annotations)
    else:
        text = export_jsonld(annotations, f"{story.title}: annotations")
    _write(text, args.output)
    return 0


def _export(args: argparse.Namespace) -> int:
    from .edition import build_edition

    html = build_edition(args.story, db=args.db, readers=args.reader, vocab=args.vocab)
    _write(html, args.output)
    return 0


def _suggest(args: argparse.Namespace) -> int:
    from .library import load_story
    from .suggest import format_table, hints, suggest, to_jsonld

    if args.top < 1:
        from .errors import AnnotatorError

        raise AnnotatorError(f"--top must be at least 1, got {args.top}")
    options = {"top": args.top, "embeddings": args.embeddings}
    if args.reader:
        from .reading import Reading

        with _store(args) as store:
            story = load_story(args.story, store)
            reading = Reading(story, store, args.reader, _vocab(args))
            found = hints(reading, args.paragraph, **options)
    else:
        story = load_story(args.story, args.db)
        found = suggest(story, args.paragraph, vocabulary=_vocab(args), **options)
    _write(to_jsonld(found, story) if args.format == "jsonld" else format_table(found), args.output)
    return 0


def _group(args: argparse.Namespace) -> int:
    with _store(args) as store:
        if args.group_command == "create":
            store.create_group(args.name)
            print(f"created group {args.name}" + (f", owned by {store.user}" if store.user else ""))
        elif args.group_command == "add":
            n = store.add_members(args.name, args.members)
            print(f"{args.name}: {n} added, {len(set(args.members)) - n} already members")
        elif args.group_command == "remove":
            n = store.remove_members(args.name, args.members)
            print(f"{args.name}: {n} removed")
        elif args.group_command == "delete":
            store.delete_group(args.name)
            print(f"deleted group {args.name}; its annotations are now seen by their creators alone")
        else:
            groups = store.groups()
            if args.json:
                print(json.dumps(groups, ensure_ascii=False, indent=2))
            for g in groups if not args.json else []:
                owner = f" (owner {g['owner']})" if g["owner"] else ""
                print(f"{g['name']}{owner}: {', '.join(g['members']) or 'no members'}")
    return 0


_HANDLERS = {
    "story info": _story_info,
    "story list": _story_list,
    "tropes": _tropes,
    "import": _import,
    "export-annotations": _export_annotations,
    "export": _export,
    "import-story": _import_story,
    "suggest": _suggest,
    "group create": _group,
    "group add": _group,
    "group remove": _group,
    "group delete": _group,
    "group list": _group,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
