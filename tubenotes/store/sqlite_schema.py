"""The SQLite store's schema, one migration at a time; PRAGMA user_version records how far a file is."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from tubenotes.job import TranscriptSegment
from tubenotes.store.batches import create_tables as _batch_tables
from tubenotes.store.documents import DOCUMENT_FIELDS, document_body

# How many trailing parts of an old path name it inside the vault: the write stage puts
# notes at <Subject>/<Title>.md and PDFs at <Subject>/pdfs/<Title>.pdf.
_TRAILING_PARTS = {"output_dir": 1, "notes_filepath": 2, "assessment_filepath": 2, "pdf_subdir": 2,
                   "notes_pdf_path": 3, "assessment_pdf_path": 3}


def _vault_relative_paths(db: sqlite3.Connection) -> None:
    for key, text in db.execute("SELECT key, data FROM jobs").fetchall():
        data = json.loads(text)
        for name, parts in _TRAILING_PARTS.items():
            if data.get(name):
                data[name] = PurePosixPath(*Path(data[name]).parts[-parts:]).as_posix()
        db.execute("UPDATE jobs SET data = ? WHERE key = ?", (json.dumps(data, ensure_ascii=False), key))


def _documents_apart(db: sqlite3.Connection) -> None:
    for key, text in db.execute("SELECT key, data FROM jobs").fetchall():
        data = json.loads(text)
        for name in DOCUMENT_FIELDS:
            value = data.pop(name, None)
            if name == "segments":
                value = [TranscriptSegment(float(s["start"]), float(s.get("duration", 0.0)), str(s["text"]))
                         for s in value or []]
            db.execute("INSERT OR REPLACE INTO job_documents (job_key, name, body) VALUES (?, ?, ?)",
                       (key, name, document_body(name, value)))
        db.execute("UPDATE jobs SET data = ? WHERE key = ?", (json.dumps(data, ensure_ascii=False), key))


# Each entry moves the schema one version on.
MIGRATIONS: list[str | Callable[[sqlite3.Connection], None]] = [
    """
    CREATE TABLE jobs (
        key TEXT PRIMARY KEY,
        video_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        stage TEXT NOT NULL,
        position INTEGER NOT NULL,
        data TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX jobs_stage ON jobs(stage);
    CREATE TABLE generations (
        key TEXT PRIMARY KEY,
        generator TEXT NOT NULL,
        text TEXT NOT NULL,
        usage TEXT NOT NULL,
        computed INTEGER NOT NULL DEFAULT 1,
        hits INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
    );
    CREATE TABLE exit_nodes (
        id INTEGER PRIMARY KEY,
        stats TEXT NOT NULL
    );
    CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # Every file written into the vault, by its path relative to the vault, with the hash
    # of what was written: a file whose hash differs has been edited by the user.
    # `pending_sha256` is set before the write and moved to `sha256` after it, so a
    # write killed in between is still recognised as ours.
    """
    CREATE TABLE written_files (
        path TEXT PRIMARY KEY,
        job_key TEXT,
        kind TEXT NOT NULL,
        sha256 TEXT,
        pending_sha256 TEXT,
        written_at REAL NOT NULL
    );
    CREATE INDEX written_files_job ON written_files(job_key, kind);
    """,
    # Jobs written before paths were kept relative to the vault held them relative to the
    # directory `run` was started in (or absolute): see `_vault_relative_paths`.
    _vault_relative_paths,
    # A job's large documents (transcript, segments, notes, assessment) apart from its row, so
    # that a stage transition rewrites only what changed: see `_documents_apart`.
    """
    CREATE TABLE job_documents (
        job_key TEXT NOT NULL,
        name TEXT NOT NULL,
        body TEXT,
        PRIMARY KEY (job_key, name)
    );
    """,
    _documents_apart,
    # Requests waiting for a provider's Batch API, and the batches holding them (`tubenotes.store.batches`).
    _batch_tables,
    # Listings a page at a time in input order (`tubenotes.store.base.listed`): without it, each page sorted
    # the whole table, and listing 100,000 jobs took minutes.
    "CREATE INDEX IF NOT EXISTS jobs_position ON jobs(position)",
]


def migrate(db: sqlite3.Connection) -> None:
    """Bring the schema of ``db`` (inside a transaction) up to the newest version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        if callable(step):
            step(db)
        else:
            for statement in filter(str.strip, step.split(";")):
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {number}")
