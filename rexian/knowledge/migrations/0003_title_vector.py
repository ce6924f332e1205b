"""PostgreSQL: a tsvector of the title words alone (title, common questions, keywords), with its own GIN index.

The search looks in titles first (`rexian.knowledge.search.SEARCH_TIERS`). On the combined
`search_vector` that meant reading and rechecking every article that mentions a word
anywhere (a weight-restricted tsquery cannot be answered by the GIN index alone), and
ranking thousands of 2 KB vectors for a word as common as 身份证; the title vector is a
few hundred bytes and matches only what its titles hold. SQLite needs nothing: its FTS5
table already has the title as a column of its own.
"""

from django.db import migrations

FORWARD = [
    """
    ALTER TABLE knowledge_article ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, coalesce(search_title, ''))
    ) STORED
    """,
    "CREATE INDEX knowledge_article_title_vector ON knowledge_article USING gin (title_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_article_title_vector",
    "ALTER TABLE knowledge_article DROP COLUMN IF EXISTS title_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_search_index")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
