"""Schemathesis over the served OpenAPI document: no 5xx, and every response as documented.

Bounded and deterministic: 25 examples per operation, derandomized, no example
database. Generated requests run against the test database as a dispatcher
(an operator for registering, for 短信来信 and for 知识答复, which dispatchers may not do; an inspector for 质检).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rexian.api.services import api_token_issue
from rexian.knowledge.models import Article
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from rexian.sms.services import sms_receive
from rexian.wsgi import application
from tests.knowledge.conftest import kb  # noqa: F401 (a fixture)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

# Loaded at import (the schema view needs no database), so each operation is a test of its own.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)

# The orders the current test made. Random numbers name no order (404), so half the cases use one of these.
KNOWN_NUMBERS: list[str] = []
# The texts (短信来信) the current test received.
KNOWN_TEXTS: list[int] = []
# A knowledge article with a 短信口径, which well-formed 知识答复 bodies name (the first answer is made, the rest
# are refused as sent already).
KNOWN_ARTICLES: list[int] = []
# Master data of the test cast, put into well-formed bodies so that they reach the services.
REAL_CODES = {
    "channel": "phone",
    "appeal_type": "complaint",
    "category": "010101",
    "urgency": "normal",
    "line": "12345",
    "area": "C-CD-01",
    "hot_topics": [],
    "lead_unit": "C-ZJJ",
    "assisting_units": ["C-CD"],
}


@schema.hook
def before_generate_path_parameters(context, strategy):
    if "{incoming_id}" in context.operation.path:  # half the cases name one of the test's texts
        return st.one_of(strategy, st.integers(min_value=0, max_value=1).map(
            lambda i: {"incoming_id": str(KNOWN_TEXTS[i]) if KNOWN_TEXTS else "1"}))
    if "{number}" not in context.operation.path:
        return strategy  # a supervision item's id: random ids name no item (404), which is checked too
    known = st.integers(min_value=0, max_value=3).map(lambda i: {"number": _known(i)})
    return st.one_of(strategy, known)


def _known(i: int) -> str:
    # The coverage phase builds some cases at collection, before any order exists.
    return KNOWN_NUMBERS[i] if KNOWN_NUMBERS else "20000101-000001"


@schema.hook
def map_case(context, case):
    """Well-formed bodies get real codes, a real master order and the order's current version."""
    positive = case.meta is not None and not case.meta.generation.mode.is_negative
    if not (positive and isinstance(case.body, dict) and KNOWN_NUMBERS):
        return case
    for field, value in REAL_CODES.items():
        if field in case.body:
            case.body[field] = value
    if "master" in case.body:
        case.body["master"] = KNOWN_NUMBERS[0]
    if "article" in case.body and KNOWN_ARTICLES:
        case.body["article"] = KNOWN_ARTICLES[0]
    number = (case.path_parameters or {}).get("number")
    if number in KNOWN_NUMBERS and "version" in case.body:
        case.body["version"] = WorkOrder.objects.get(number=number).version
    return case


@pytest.fixture
def keep_test_connection():
    # Django's test client keeps the test's connection open across requests; the real WSGI handler
    # would close it at the end of each request (and lose the test's transaction on PostgreSQL).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def keys(cast, make_order, kb, keep_test_connection, settings, tmp_path) -> dict[str, str]:  # noqa: F811
    settings.MEDIA_ROOT = tmp_path  # a generated upload may be accepted
    settings.SMS_BACKEND = "log"  # 知识答复 may be sent
    KNOWN_NUMBERS[:] = [
        make_order(state).number
        for state in (State.REGISTERED, State.PENDING_DISPATCH, State.IN_PROGRESS, State.AWAITING_CALLBACK)
    ]
    KNOWN_TEXTS[:] = [  # for the 短信来信 endpoints (and for an order registered from one)
        sms_receive(reference=reference, phone="13812348000", text="幸福路路灯不亮").pk
        for reference in ("gw-1", "gw-2")
    ]
    Article.objects.filter(pk=kb.ss_card.pk).update(sms_text="社保卡补办：到任一合作银行网点即时补领。")
    KNOWN_ARTICLES[:] = [kb.ss_card.pk]
    return {
        role: api_token_issue(user=getattr(cast, role), name="schemathesis")[1]
        for role in ("dispatcher", "operator", "inspector")
    }


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case, keys):
    role = "operator" if case.operation.label == "POST /api/v1/orders/" else "dispatcher"
    if case.operation.path.startswith("/api/v1/sms/") or case.operation.path.endswith("/sms-answer/"):
        role = "operator"
    if case.operation.path.startswith("/api/v1/quality/"):
        role = "inspector"
    case.call_and_validate(headers={"Authorization": f"Token {keys[role]}"}, checks=CHECKS)
