"""Schemathesis over the served OpenAPI document: no 5xx, and every response as documented."""

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

from rexian.orders.transitions import State
from rexian.wsgi import application
from rexian.api.services import api_token_issue

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def keep_test_connection():
    # Django's test client keeps the test's connection open across requests; the real WSGI handler
    # would close it at the end of each request (and lose the test's transaction on PostgreSQL).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Numbers of the orders the current test made: most generated numbers name no order (404), so half
# the cases use one of these to reach body validation, the services and the 200 responses.
KNOWN_NUMBERS: list[str] = []


@pytest.fixture
def dispatcher_key(cast, make_order, keep_test_connection):
    KNOWN_NUMBERS[:] = [
        make_order(state).number
        for state in (State.REGISTERED, State.PENDING_DISPATCH, State.IN_PROGRESS, State.AWAITING_CALLBACK)
    ]
    _, key = api_token_issue(user=cast.dispatcher, name="schemathesis")
    return key


# Loaded at import (the schema view needs no database), so each operation is a test of its own.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


@schema.hook
def before_generate_path_parameters(context, strategy):
    known = st.integers(min_value=0, max_value=3).map(lambda i: {"number": KNOWN_NUMBERS[i]})
    return st.one_of(strategy, known)


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case, dispatcher_key):
    case.call_and_validate(headers={"Authorization": f"Token {dispatcher_key}"}, checks=CHECKS)
