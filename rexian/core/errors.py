"""Errors a user's input can cause, shared by every app's services.

`InputError` carries a message for people (Chinese, the services' language) and, when one form or request
field is at fault, its name. Each app raises its own subclass (`OrderInputError`, `SupervisionError`,
`QualityError`); pages show the message beside the field and the API answers 400 `invalid_input`.
"""

from __future__ import annotations


class InputError(ValueError):
    """Input a user gave cannot be accepted; `field` names the form field when there is one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
