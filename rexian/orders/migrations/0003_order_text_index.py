"""The full-text index of orders' title and description (see rexian/orders/search.py).

SQLite: a contentless FTS5 table of each order's terms (rowid = order id, detail=none,
the ascii tokenizer, which splits only on ASCII spaces and punctuation). PostgreSQL: a
table of each order's terms as a tsvector with a GIN index. No foreign key: the index is
joined to the orders, so a row left by a deleted order matches nothing. Neither is
declared as a model (an FTS5 table cannot be written in the ORM). Existing orders are
indexed by `rexian reindex-orders`, not here: at a million orders that takes minutes.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE orders_search_fts USING fts5(terms, content='', detail='none', tokenize='ascii')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS orders_search_fts"]

POSTGRES_FORWARD = [
    "CREATE TABLE orders_search_text (order_id bigint PRIMARY KEY, terms tsvector NOT NULL)",
    "CREATE INDEX orders_search_text_terms ON orders_search_text USING gin (terms)",
]
POSTGRES_BACKWARD = ["DROP TABLE IF EXISTS orders_search_text"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_due_warn_at")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
