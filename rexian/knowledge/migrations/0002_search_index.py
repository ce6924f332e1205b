"""The full-text index of the knowledge base, on each database its own way (see rexian/knowledge/search.py).

SQLite: an FTS5 table holding the jieba words of each article (rowid = article id), kept
in step by the services. PostgreSQL: a stored generated tsvector column over the same
words, 'simple' configuration, title words weighted A and body words B, with a GIN index;
PostgreSQL keeps it in step itself. Django's models do not declare either: neither can be
written in the ORM for both databases. On PostgreSQL, `search_title` and `search_body`
cannot change type while the generated column uses them: drop and re-add it around such
a change.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE knowledge_article_fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')",
    "INSERT INTO knowledge_article_fts (rowid, title, body) SELECT id, search_title, search_body FROM knowledge_article",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS knowledge_article_fts"]

POSTGRES_FORWARD = [
    """
    ALTER TABLE knowledge_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, coalesce(search_title, '')), 'A')
        || setweight(to_tsvector('simple'::regconfig, coalesce(search_body, '')), 'B')
    ) STORED
    """,
    "CREATE INDEX knowledge_article_search_vector ON knowledge_article USING gin (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_article_search_vector",
    "ALTER TABLE knowledge_article DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
