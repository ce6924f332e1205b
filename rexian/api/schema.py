"""OpenAPI document settings that belong to the API app."""

from rexian.orders.models import Assignment
from rexian.sms.models import IncomingSms

# Enum choice sets named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (a nested class is not importable by path).
ASSIGNMENT_STATUS = Assignment.Status.choices
ASSIGNMENT_ROLE = Assignment.Role.choices
INCOMING_SMS_STATUS = IncomingSms.Status.choices  # two components show it: one name for both


def only_api_v1(endpoints, **kwargs):
    """Keep the document to /api/v1/: other apps' views (Open311, portal) are not part of this API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
