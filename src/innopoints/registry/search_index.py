"""The indexes behind the enterprise search (registry/search.py), one kind per database.

PostgreSQL: pg_trgm GIN over the upper-cased name, the legal representative and the pinyin
initials (any part of three characters or more), and a GIN over the sets of one- and
two-character pieces of the name and the initials (``innopoints_bigrams``): a two-character
Chinese query, the commonest kind, yields no trigram. Both are expression indexes: nothing
to keep current.

SQLite (the embedded default): an FTS5 table with the trigram tokenizer over the same three
columns, its content read from ``registry_enterprise`` and kept current by triggers, so every
path that writes enterprises (the ORM, the importer's plain INSERTs) keeps it complete. A
later migration that rebuilds ``registry_enterprise`` (SQLite's way to alter a table) drops
the triggers with the old table: ``ensure_index`` runs after every migrate and puts them back,
rebuilding the index whenever they were missing."""

from __future__ import annotations

from typing import Any

FTS = "registry_enterprise_fts"
COLUMNS = ("name", "legal_representative", "initials")

# every piece of one and of two characters: 华智科技 → {华, 智, 科, 技, 华智, 智科, 科技}
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION innopoints_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(t, i, n)), '{}')
  FROM generate_series(1, length(t)) AS i, (VALUES (1), (2)) AS pieces(n)
  WHERE i + n - 1 <= length(t)
$$
"""
PG_INDEXES = (
    "CREATE INDEX IF NOT EXISTS registry_enterprise_search_trgm ON registry_enterprise "
    "USING gin (upper(name) gin_trgm_ops, legal_representative gin_trgm_ops, "
    "initials gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS registry_enterprise_search_bigrams ON registry_enterprise "
    "USING gin (innopoints_bigrams(upper(name)), innopoints_bigrams(initials))",
)
PG_DROP = (
    "DROP INDEX IF EXISTS registry_enterprise_search_bigrams",
    "DROP INDEX IF EXISTS registry_enterprise_search_trgm",
    "DROP FUNCTION IF EXISTS innopoints_bigrams(text)",
)

_cols = ", ".join(COLUMNS)
_new = ", ".join(f"new.{c}" for c in COLUMNS)
_old = ", ".join(f"old.{c}" for c in COLUMNS)
SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5({_cols}, "
    "content='registry_enterprise', content_rowid='id', tokenize='trigram')"
)
SQLITE_TRIGGERS = {
    f"{FTS}_ai": f"AFTER INSERT ON registry_enterprise BEGIN "
    f"INSERT INTO {FTS}(rowid, {_cols}) VALUES (new.id, {_new}); END",
    f"{FTS}_ad": f"AFTER DELETE ON registry_enterprise BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, {_cols}) VALUES ('delete', old.id, {_old}); END",
    f"{FTS}_au": f"AFTER UPDATE ON registry_enterprise BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, {_cols}) VALUES ('delete', old.id, {_old}); "
    f"INSERT INTO {FTS}(rowid, {_cols}) VALUES (new.id, {_new}); END",
}


def _sqlite_missing(cursor: Any) -> set[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    present = {row[0] for row in cursor.fetchall()}
    if "registry_enterprise" not in present:
        return set()  # before the registry's first migration
    cursor.execute("SELECT name FROM pragma_table_info('registry_enterprise')")
    if not set(COLUMNS) <= {row[0] for row in cursor.fetchall()}:
        return set()  # before the search's migration
    return {FTS, *SQLITE_TRIGGERS} - present


def ensure_index(connection: Any, *, postgres: bool = True) -> None:
    """Create what is missing of the search index on this connection's database (after
    every migrate: SQLite only, ``postgres=False``; PostgreSQL keeps its indexes)."""
    if connection.vendor == "postgresql":
        if not postgres:
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('registry_enterprise')")
            if cursor.fetchone()[0] is None:
                return
            cursor.execute(PG_FUNCTION)
            for statement in PG_INDEXES:
                cursor.execute(statement)
        return
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        missing = _sqlite_missing(cursor)
        if not missing:
            return
        cursor.execute(SQLITE_TABLE)
        for name, body in SQLITE_TRIGGERS.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


def drop_index(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in PG_DROP:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS}")
