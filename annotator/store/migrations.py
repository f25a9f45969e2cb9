# The schema of both backends, as named, ordered migrations recorded in the
# database. The two lists have the same names in the same order, so a store's
# version means the same thing on SQLite and on PostgreSQL; only the SQL
# dialect differs (identity columns, booleans, a ``seq`` where SQLite has a
# rowid).
"""Named, ordered schema migrations for the SQLite and the PostgreSQL store.

Each migration is applied once, inside a transaction, and recorded in the
``migrations`` table. SQLite also keeps the version in ``PRAGMA
user_version``; PostgreSQL keeps everything in the ``annotator`` schema and
reads the version from ``migrations``. A database whose version is newer
than the last migration here was written by a newer annotator, and the
store refuses to touch it.
"""

from __future__ import annotations

APPLICATION_ID = 0x414E4E4F  # "ANNO": marks a file as an annotator database

POSTGRES_SCHEMA = "annotator"
"""The PostgreSQL schema (namespace) that holds every annotator table."""

# Loading a story's annotations walks this index in story order (start, then
# the longer span first, then insertion order), so SQLite and PostgreSQL hand
# the rows over already sorted instead of sorting 20,000 of them in a temporary
# B-tree. It replaces the (story, start) index, which is a prefix of it.
_STORY_ORDER_INDEX = """
    DROP INDEX IF EXISTS annotations_by_story;
    CREATE INDEX IF NOT EXISTS annotations_in_story_order ON annotations (story, start, "end" DESC, seq);
"""

_AUDIENCES_AND_GROUPS = """
    ALTER TABLE annotations ADD COLUMN audience TEXT NOT NULL DEFAULT 'public';
    CREATE TABLE reader_groups (
        name TEXT PRIMARY KEY,
        owner TEXT,
        created TEXT NOT NULL
    );
    CREATE TABLE group_members (
        group_name TEXT NOT NULL REFERENCES reader_groups (name) ON DELETE CASCADE,
        member TEXT NOT NULL,
        added TEXT NOT NULL,
        PRIMARY KEY (group_name, member)
    );
    CREATE INDEX group_members_by_member ON group_members (member);
"""

_DISMISSALS = """
    CREATE TABLE dismissals (
        story TEXT NOT NULL,
        reader TEXT NOT NULL,
        paragraph TEXT NOT NULL,
        trope TEXT NOT NULL,
        generator TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL,
        PRIMARY KEY (story, reader, paragraph, trope)
    );
"""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "create stories and annotations",
        """
        CREATE TABLE IF NOT EXISTS migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied TEXT NOT NULL
        );
        CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            version TEXT NOT NULL,
            title TEXT NOT NULL,
            added TEXT NOT NULL
        );
        CREATE TABLE annotations (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            story TEXT NOT NULL,
            story_version TEXT,
            creator TEXT NOT NULL,
            start INTEGER,
            "end" INTEGER,
            exact TEXT,
            prefix TEXT,
            suffix TEXT,
            tropes TEXT NOT NULL DEFAULT '[]',
            note TEXT NOT NULL DEFAULT '',
            note_format TEXT NOT NULL DEFAULT 'text/markdown',
            colour TEXT,
            motivation TEXT NOT NULL,
            links TEXT NOT NULL DEFAULT '[]',
            target_ref TEXT,
            orphan INTEGER NOT NULL DEFAULT 0,
            created TEXT NOT NULL,
            modified TEXT NOT NULL,
            extra TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX annotations_by_story ON annotations (story, start);
        CREATE INDEX annotations_by_creator ON annotations (story, creator);
        CREATE TABLE annotation_tropes (
            annotation_seq INTEGER NOT NULL REFERENCES annotations (seq) ON DELETE CASCADE,
            trope TEXT NOT NULL,
            PRIMARY KEY (annotation_seq, trope)
        );
        CREATE INDEX annotation_tropes_by_trope ON annotation_tropes (trope);
        """,
    ),
    (
        # Imported stories live in the store: every version of a story's text
        # is kept (annotations name the version they were made on), and
        # stories.version names the current one.
        "store story texts",
        """
        CREATE TABLE story_versions (
            story TEXT NOT NULL,
            version TEXT NOT NULL,
            text TEXT NOT NULL,
            metadata TEXT NOT NULL DEFAULT '{}',
            chapters TEXT NOT NULL DEFAULT '[]',
            source TEXT,
            imported TEXT NOT NULL,
            PRIMARY KEY (story, version)
        );
        CREATE INDEX story_versions_by_date ON story_versions (story, imported);
        """,
    ),
    # A reader's "not this trope here" to a suggestion. Not annotations:
    # they must never leak into exports or the edition.
    ("suggestion dismissals", _DISMISSALS),
    # Who may see an annotation (public, private, group:<name>), and the
    # groups of readers (a class, a fandom group) that share annotations.
    ("audiences and groups", _AUDIENCES_AND_GROUPS),
    ("story-order index", _STORY_ORDER_INDEX),
]

POSTGRES_MIGRATIONS: list[tuple[str, str]] = [
    (
        "create stories and annotations",
        """
        CREATE TABLE IF NOT EXISTS migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied TEXT NOT NULL
        );
        CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            version TEXT NOT NULL,
            title TEXT NOT NULL,
            added TEXT NOT NULL
        );
        CREATE TABLE annotations (
            seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            story TEXT NOT NULL,
            story_version TEXT,
            creator TEXT NOT NULL,
            start INTEGER,
            "end" INTEGER,
            exact TEXT,
            prefix TEXT,
            suffix TEXT,
            tropes TEXT NOT NULL DEFAULT '[]',
            note TEXT NOT NULL DEFAULT '',
            note_format TEXT NOT NULL DEFAULT 'text/markdown',
            colour TEXT,
            motivation TEXT NOT NULL,
            links TEXT NOT NULL DEFAULT '[]',
            target_ref TEXT,
            orphan BOOLEAN NOT NULL DEFAULT FALSE,
            created TEXT NOT NULL,
            modified TEXT NOT NULL,
            extra TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX annotations_by_story ON annotations (story, start);
        CREATE INDEX annotations_by_creator ON annotations (story, creator);
        CREATE TABLE annotation_tropes (
            annotation_seq BIGINT NOT NULL REFERENCES annotations (seq) ON DELETE CASCADE,
            trope TEXT NOT NULL,
            PRIMARY KEY (annotation_seq, trope)
        );
        CREATE INDEX annotation_tropes_by_trope ON annotation_tropes (trope);
        """,
    ),
    (
        "store story texts",
        """
        CREATE TABLE story_versions (
            seq BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE,
            story TEXT NOT NULL,
            version TEXT NOT NULL,
            text TEXT NOT NULL,
            metadata TEXT NOT NULL DEFAULT '{}',
            chapters TEXT NOT NULL DEFAULT '[]',
            source TEXT,
            imported TEXT NOT NULL,
            PRIMARY KEY (story, version)
        );
        CREATE INDEX story_versions_by_date ON story_versions (story, imported);
        """,
    ),
    ("suggestion dismissals", _DISMISSALS),
    ("audiences and groups", _AUDIENCES_AND_GROUPS),
    ("story-order index", _STORY_ORDER_INDEX),
]

SCHEMA_VERSION = len(MIGRATIONS)
assert [n for n, _ in POSTGRES_MIGRATIONS] == [n for n, _ in MIGRATIONS]


def statements(sql: str) -> list[str]:
    """The statements of a migration (none of ours has a ``;`` inside a literal)."""
    return [s.strip() for s in sql.split(";") if s.strip()]
