"""Open311 responses in XML (required by the spec) and JSON (its Spark-convention mapping).

A response is built once as plain data (dicts keep the spec's element order, lists stand for
repeated elements) and written in either format: a list under `services` becomes
`<services><service>…</service></services>` in XML and a JSON array, as the spec's
examples show. Booleans are `true`/`false`, date-times W3C with their offset, absent
values empty elements (XML) or null (JSON).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone

from rexian.open311.errors import Open311Error

XML_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"

# The element each member of a repeated element is called.
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def w3_datetime(value: dt.datetime) -> str:
    """2026-11-26T08:30:00+08:00: the spec's W3C format, in the centre's time zone, with its offset."""
    return timezone.localtime(value).isoformat(timespec="seconds")


def _scalar_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return w3_datetime(value)
    return _XML_INVALID.sub("", str(value))


def _xml_element(name: str, value) -> ET.Element:
    element = ET.Element(name)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_xml_element(key, child))
    elif isinstance(value, (list, tuple)):
        item_name = ITEM_NAMES[name]
        for child in value:
            element.append(_xml_element(item_name, child))
    else:
        element.text = _scalar_text(value)
    return element


def to_xml(root: str, data) -> bytes:
    element = _xml_element(root, data)
    ET.indent(element)  # readable with curl; parsers ignore the whitespace between elements
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def _json_default(value):
    if isinstance(value, dt.datetime):
        return w3_datetime(value)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, default=_json_default).encode("utf-8")


def render(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """One Open311 response: `data` under the XML root element `root`, or `data` itself as JSON."""
    if fmt == "json":
        return HttpResponse(to_json(data), status=status, content_type=JSON_CONTENT_TYPE)
    return HttpResponse(to_xml(root, data), status=status, content_type=XML_CONTENT_TYPE)


def render_error(fmt: str, error: Open311Error) -> HttpResponse:
    """The spec's error list: <errors><error><code/><description/></error></errors> or [{code, description}]."""
    items = [{"code": code, "description": description} for code, description in error.errors]
    return render(fmt, "errors", items, status=error.status)
