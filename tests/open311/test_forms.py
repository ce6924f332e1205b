"""Parsing Open311 arguments: date windows, attribute[...] syntax."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from rexian.open311.errors import Open311Error
from rexian.open311.forms import parse_attributes, parse_request_filter

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def parse(query: str):
    return parse_request_filter(QueryDict(query), now=NOW)


def test_no_dates_means_the_last_90_days():
    query = parse("")
    assert (query.start, query.end) == (NOW - dt.timedelta(days=90), NOW)


def test_a_start_date_alone_opens_a_90_day_window_after_it():
    query = parse("start_date=2026-01-01T00:00:00Z")
    assert query.end - query.start == dt.timedelta(days=90)


def test_an_end_date_alone_opens_a_90_day_window_before_it():
    query = parse("end_date=2026-06-01T00:00:00%2B08:00")
    assert query.end.utcoffset() == dt.timedelta(hours=8)
    assert query.end - query.start == dt.timedelta(days=90)


def test_a_bare_date_is_midnight_local_time():
    query = parse("start_date=2026-11-01")
    assert query.start.isoformat() == "2026-11-01T00:00:00+08:00"


def test_comma_lists_and_repeated_arguments_both_work():
    query = parse("service_code=010101,020101&service_code=030101&status=OPEN")
    assert query.service_codes == ("010101", "020101", "030101")
    assert query.statuses == ("open",)


def test_page_size_is_capped_at_1000():
    assert parse("page_size=5000").page_size == 1000


def test_several_bad_filters_are_reported_together():
    with pytest.raises(Open311Error) as raised:
        parse("status=x&start_date=y&page=0")
    assert len(raised.value.errors) == 3


def test_attributes_single_and_multi_valued():
    data = QueryDict("attribute[a]=1&attribute[b][]=2&attribute[b][]=3&attribute[c]=&attributes=x&attribute[d")
    assert parse_attributes(data) == {"a": ["1"], "b": ["2", "3"], "c": []}


@pytest.mark.parametrize(
    "query",
    ["&".join(f"attribute[a{i}]=1" for i in range(51)), "&".join("attribute[a][]=1" for _ in range(51))],
    ids=["too-many-codes", "too-many-values"],
)
def test_too_many_attributes_are_refused(query):
    with pytest.raises(Open311Error):
        parse_attributes(QueryDict(query))
