"""督办批示 pages (rexian/console/views/supervision.py): issuing from an order, the list, one item and its steps."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rexian.notifications.models import Notification
from rexian.orders.transitions import State
from rexian.supervision.models import Supervision
from rexian.supervision.services import supervision_issue, supervision_report

pytestmark = pytest.mark.django_db
LIST = reverse("console:supervisions")
Status = Supervision.Status


def _new(order) -> str:
    return reverse("console:supervision-new", args=[order.number])


def _step(item, step: str) -> str:
    return reverse("console:supervision-step", args=[item.pk, step])


def _issue(cast, order, **fields):
    fields = {"actor": cast.supervisor, "kind": "supervision", "content": "请尽快修复电梯并反馈。", **fields}
    return supervision_issue(order=order, **fields)


def test_a_supervisor_issues_a_supervision_from_the_order(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    client = signed_in(cast.supervisor)
    page = client.get(_new(order))
    assert page.status_code == 200 and "督办" in page.content.decode()
    assert "批示" not in [label for _value, label in page.context["form"].fields["kind"].choices]
    done = client.post(_new(order), {"kind": "supervision", "content": "三日内修复电梯。", "unit": ""})
    assert done.status_code == 302 and done["Location"] == reverse("console:order", args=[order.number])
    item = Supervision.objects.get()
    assert (item.unit, item.kind, item.content) == (cast.housing, "supervision", "三日内修复电梯。")


def test_a_refused_issue_keeps_what_was_typed(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    client = signed_in(cast.supervisor)
    refused = client.post(_new(order), {"kind": "supervision", "content": "查一下", "due_on": "2001-01-01"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "反馈时限须晚于现在" in body and "查一下" in body
    assert not Supervision.objects.exists()


def test_an_empty_or_overlong_text_is_told_naming_the_field(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    client = signed_in(cast.supervisor)
    empty = client.post(_new(order), {"kind": "supervision", "content": ""})
    assert empty.status_code == 400 and "请填写督办意见/批示内容。" in empty.content.decode()
    long = client.post(_new(order), {"kind": "supervision", "content": "查" * 1200})
    assert long.status_code == 400 and "督办意见/批示内容最多 1000 个字，现有 1200 个字。" in long.content.decode()
    assert not Supervision.objects.exists()


def test_an_order_no_unit_holds_sends_the_issuer_back_with_the_reason(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    client = signed_in(cast.leader)
    for response in (client.get(_new(order)), client.post(_new(order), {"kind": "instruction", "content": "请督促。"})):
        assert response.status_code == 302 and response["Location"] == reverse("console:order", args=[order.number])
    page = client.get(reverse("console:order", args=[order.number])).content.decode()
    assert "该工单没有可督办的承办单位" in page and "下发督办/批示" not in page
    assert not Supervision.objects.exists()


def test_only_supervisors_and_leaders_may_issue(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    for user in (cast.operator, cast.dispatcher, cast.housing_handler):
        assert signed_in(user).get(_new(order)).status_code in (403, 404)
    leader = signed_in(cast.leader)
    kinds = leader.get(_new(order)).context["form"].fields["kind"].choices
    assert [value for value, _label in kinds] == ["instruction"]
    # a leader cannot slip a 督办 through the form
    assert leader.post(_new(order), {"kind": "supervision", "content": "x"}).status_code == 400


def test_the_unit_acknowledges_and_reports_and_the_supervisor_closes(signed_in, cast, make_order):
    item = _issue(cast, make_order(State.IN_PROGRESS))
    handler = signed_in(cast.housing_handler)
    listed = handler.get(LIST)
    assert listed.status_code == 200 and [i.pk for i in listed.context["items"]] == [item.pk]
    page = handler.get(reverse("console:supervision", args=[item.pk]))
    assert page.context["may_acknowledge"] and not page.context["may_review"]
    assert handler.post(_step(item, "acknowledge")).status_code == 302
    refused = handler.post(_step(item, "report"), {"report": "  "})
    assert refused.status_code == 400 and "请填写办理反馈" in refused.content.decode()
    assert handler.post(_step(item, "report"), {"report": "电梯已修复。"}).status_code == 302
    item.refresh_from_db()
    assert item.status == Status.REPORTED
    assert handler.post(_step(item, "close")).status_code == 403

    supervisor = signed_in(cast.supervisor)
    assert supervisor.get(LIST + "?tab=reported").context["items"] == [item]
    assert supervisor.post(_step(item, "close"), {"note": ""}).status_code == 302
    item.refresh_from_db()
    assert item.status == Status.CLOSED


def test_a_unit_sees_only_its_own_items(signed_in, cast, make_order):
    item = _issue(cast, make_order(State.IN_PROGRESS))
    urban = signed_in(cast.urban_handler)
    assert urban.get(LIST).context["items"] == []
    assert urban.get(reverse("console:supervision", args=[item.pk])).status_code == 404
    assert urban.post(_step(item, "acknowledge")).status_code == 404


def test_a_step_out_of_turn_says_so(signed_in, cast, make_order):
    item = _issue(cast, make_order(State.IN_PROGRESS))
    supervision_report(actor=cast.housing_handler, supervision=item, report="已修复。")
    again = signed_in(cast.housing_handler).post(_step(item, "report"), {"report": "再次反馈"})
    assert again.status_code == 400 and "已反馈" in again.content.decode()
    unknown = signed_in(cast.supervisor).post(_step(item, "approve"))
    assert unknown.status_code == 400


def test_the_overdue_tab(signed_in, cast, make_order):
    import datetime as dt

    from django.utils import timezone

    order = make_order(State.IN_PROGRESS)
    late, on_time = _issue(cast, order), _issue(cast, order)
    Supervision.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    page = signed_in(cast.supervisor).get(LIST + "?overdue=1")
    assert page.context["items"] == [late]
    assert [c["count"] for c in page.context["chips"] if c["query"] == "overdue=1"] == [1]
    assert on_time not in page.context["items"]


def test_an_escalated_item_says_when_it_was_chased(signed_in, cast, make_order):
    import datetime as dt

    from django.utils import timezone

    from rexian.supervision.services import supervision_overdue_scan

    item = _issue(cast, make_order(State.IN_PROGRESS))
    page = signed_in(cast.housing_handler).get(reverse("console:supervision", args=[item.pk])).content.decode()
    assert "已催办" not in page
    Supervision.objects.filter(pk=item.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    supervision_overdue_scan()
    page = signed_in(cast.housing_handler).get(reverse("console:supervision", args=[item.pk])).content.decode()
    assert "已超期" in page and "已催办" in page


def test_the_notification_opens_the_item(signed_in, cast, make_order, django_capture_on_commit_callbacks):
    order = make_order(State.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        item = _issue(cast, order)
    notice = Notification.objects.get(recipient=cast.housing_handler, kind=Notification.Kind.SUPERVISION)
    opened = signed_in(cast.housing_handler).get(reverse("console:notifications") + f"?read={notice.pk}")
    assert opened["Location"] == reverse("console:supervision", args=[item.pk])


def test_the_order_page_lists_the_items_and_offers_to_issue_one(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    item = _issue(cast, order)
    page = signed_in(cast.supervisor).get(reverse("console:order", args=[order.number]))
    assert page.context["supervisions"] == [item] and page.context["may_supervise"]
    assert _new(order) in page.content.decode()
    handler = signed_in(cast.housing_handler).get(reverse("console:order", args=[order.number]))
    assert handler.context["supervisions"] == [item] and not handler.context["may_supervise"]
    pending = make_order(State.PENDING_DISPATCH)
    page = signed_in(cast.leader).get(reverse("console:order", args=[pending.number]))
    assert not page.context["may_supervise"]  # no unit to supervise yet
