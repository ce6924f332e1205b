"""Test-only environment: fixed, obviously fake keys so the suite runs without set-up.

The suite never reads a deployment's keys; production refuses to start without
its own (see docs/deploy.md).
"""

import os

os.environ.setdefault("REXIAN_SECRET_KEY", "test-secret-key-not-for-production")
# base64 of 32 bytes 0x00..0x1f: a test key, never used outside the suite.
os.environ.setdefault("REXIAN_DATA_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
os.environ.setdefault("REXIAN_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rexian.settings")

import django  # noqa: E402

# Load the apps now so tests/conftest.py can import models at module level.
django.setup()
