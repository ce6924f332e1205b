"""Exit 0 when the PostgreSQL server of the given URL accepts connections (used by `make test`)."""

import sys

try:
    import psycopg
except ImportError:
    sys.exit(1)

url = sys.argv[1] if len(sys.argv) > 1 else "postgres://postgres@127.0.0.1:5432/postgres"
# Connect to the maintenance database: the test database is created by the test run.
base, _, _ = url.rpartition("/")
try:
    psycopg.connect(f"{base}/postgres", connect_timeout=3).close()
except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
