"""督办 and 批示 lists: who sees which items, the tabs and their counts, overdue items, an order's items."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rexian.orders.transitions import State
from rexian.supervision.models import Supervision
from rexian.supervision.selectors import order_supervisions, supervision_counts, supervision_list
from rexian.supervision.services import supervision_issue, supervision_report

Kind = Supervision.Kind


def _issue(cast, order, **fields):
    fields = {"actor": cast.supervisor, "kind": Kind.SUPERVISION, "content": "请尽快办理并反馈。", **fields}
    return supervision_issue(order=order, **fields)


def test_centre_staff_see_every_item_and_a_unit_its_own(cast, make_order):
    order = make_order(State.IN_PROGRESS, assisting=[cast.urban])
    housing = _issue(cast, order)
    urban = _issue(cast, order, unit=cast.urban, actor=cast.leader, kind=Kind.INSTRUCTION)
    for user in (cast.supervisor, cast.leader, cast.dispatcher, cast.operator):
        assert {i.pk for i in supervision_list(user=user).rows} == {housing.pk, urban.pk}
    assert [i.pk for i in supervision_list(user=cast.housing_handler).rows] == [housing.pk]
    assert [i.pk for i in supervision_list(user=cast.urban_handler).rows] == [urban.pk]
    assert supervision_list(user=cast.community_handler).rows == []
    assert [i.pk for i in order_supervisions(user=cast.urban_handler, order=order)] == [urban.pk]
    assert [i.pk for i in supervision_list(user=cast.leader, kind=Kind.INSTRUCTION).rows] == [urban.pk]


def test_tabs_counts_and_overdue(cast, make_order):
    order = make_order(State.IN_PROGRESS)
    now = timezone.now()
    late = _issue(cast, order, due_at=now + dt.timedelta(hours=1))
    soon = _issue(cast, order, due_at=now + dt.timedelta(hours=2))
    reported = _issue(cast, order, due_at=now + dt.timedelta(hours=3))
    supervision_report(actor=cast.housing_handler, supervision=reported, report="已办理。")
    Supervision.objects.filter(pk__in=[late.pk, reported.pk]).update(due_at=now - dt.timedelta(hours=1))

    counts = supervision_counts(user=cast.supervisor)
    assert counts == {"open": 3, "issued": 2, "acknowledged": 0, "reported": 1, "closed": 0, "overdue": 1, "all": 3}
    assert [i.pk for i in supervision_list(user=cast.supervisor, tab="issued").rows] == [late.pk, soon.pk]
    assert [i.pk for i in supervision_list(user=cast.supervisor, overdue=True).rows] == [late.pk]
    assert [i.pk for i in supervision_list(user=cast.supervisor, tab="reported").rows] == [reported.pk]


def test_pages(cast, make_order):
    order = make_order(State.IN_PROGRESS)
    items = [_issue(cast, order) for _ in range(3)]
    first = supervision_list(user=cast.supervisor, page_size=2)
    second = supervision_list(user=cast.supervisor, page=2, page_size=2)
    assert first.has_next and not second.has_next
    assert [i.pk for i in first.rows + second.rows] == [i.pk for i in items]
