"""Model fields that keep personal data encrypted in the database."""

from __future__ import annotations

from django.db import models

from rexian.privacy import crypto


class EncryptedTextField(models.TextField):
    """A text column stored as ciphertext (see `rexian.privacy.crypto`).

    The value is encrypted on save and decrypted on load; it cannot be
    filtered or ordered on. Pair it with a keyed-hash column for look-ups.
    Empty strings are stored as empty strings (nothing to protect).
    """

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return crypto.encrypt(value)
