"""The SMS gateway (短信网关) the centre uses, behind `REXIAN_SMS_BACKEND`:

- `log`: nothing leaves the machine; each message is written to the log with the number masked (a test set-up,
  or a centre that wants to see what would be sent);
- `http`: one signed JSON POST per message to `REXIAN_SMS_URL`, the centre's gateway or a small adapter in front
  of its provider: `{"id": …, "to": "13800138000", "text": "【…】…"}` with `X-Rexian-Timestamp` and
  `X-Rexian-Signature: sha256=HMAC-SHA256(REXIAN_SMS_SECRET, "<timestamp>.<body>")` (the webhooks' signature,
  docs/webhooks.md). Any 2xx is sent; a JSON answer's `id` is kept as the gateway's reference. The URL is the
  operator's own setting, so unlike a webhook it may be on the centre's network.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request

from django.conf import settings

from rexian.privacy.crypto import mask_phone
from rexian.webhooks.signing import signature

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_ANSWER = 2000


class SmsError(Exception):
    """The gateway did not take the message; the message says why (kept on the message, for the administrator)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def send(*, message_id: int, phone: str, text: str) -> str:
    """Hand one message to the gateway; returns the gateway's reference ("" when it gives none)."""
    if settings.SMS_BACKEND == "log":
        logger.info("text message %s to %s: %s", message_id, mask_phone(phone), text)
        return f"log-{message_id}"
    body = json.dumps({"id": message_id, "to": phone, "text": text}, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(settings.SMS_URL, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Rexian-SMS/1",
        "X-Rexian-Timestamp": timestamp,
        "X-Rexian-Signature": signature(settings.SMS_SECRET, timestamp, body),
    })
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (the operator's URL)
            answer = response.read(MAX_ANSWER)
    except urllib.error.HTTPError as error:
        raise SmsError(f"HTTP {error.code}: {error.read(200).decode('utf-8', 'replace')}".strip()) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise SmsError(f"{type(error).__name__}: {getattr(error, 'reason', error)}") from None
    try:
        reference = json.loads(answer).get("id", "")
    except (ValueError, AttributeError):
        reference = ""
    return str(reference)
