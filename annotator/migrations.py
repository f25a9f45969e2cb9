"""The SQLite schema, as named, ordered migrations recorded in the database.

A database's version is ``PRAGMA user_version``; each migration is applied
once, inside a transaction, and recorded in the ``migrations`` table. A
database whose version is newer than the last migration here was written by
a newer annotator, and the store refuses to touch it.
"""

from __future__ import annotations

APPLICATION_ID = 0x414E4E4F  # "ANNO": marks a file as an annotator database

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
    (
        # A reader's "not this trope here" to a suggestion. Not annotations:
        # they must never leak into exports or the edition.
        "suggestion dismissals",
        """
        CREATE TABLE dismissals (
            story TEXT NOT NULL,
            reader TEXT NOT NULL,
            paragraph TEXT NOT NULL,
            trope TEXT NOT NULL,
            generator TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL,
            PRIMARY KEY (story, reader, paragraph, trope)
        );
        """,
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)
