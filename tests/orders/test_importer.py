"""The historical import (`rexian import-orders`, rexian/orders/importer.py, docs/import.md).

Every file is built in tmp_path. Times are local (Asia/Shanghai); March 2025 has no
holiday, so working days are Monday to Friday: a sign deadline is one working day
after the dispatch, a complaint's reply deadline ten, a consultation's or a
request for help's three, a callback's two after the reply was accepted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook

from rexian.analytics.metrics import period_metrics
from rexian.catalog.models import AppealType, DeadlineRule, Urgency
from rexian.catalog.selectors import deadline_compute
from rexian.orders import importer
from rexian.orders.importer import Deadlines, ImportFileError, orders_import
from rexian.orders.models import Assignment, Callback, ExtensionRequest, OrderEvent, WorkOrder
from rexian.orders.search import query_terms, restrict_to_terms
from rexian.orders.transitions import replay
from rexian.privacy import crypto

A = "原工单号"


def local(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text), timezone.get_default_timezone())


def row(number: str = "L-1", **columns) -> dict:
    """A complaint about property service registered on Monday 3 March 2025 at 09:00, plus `columns`."""
    base = {
        A: number,
        "登记时间": "2025-03-03 09:00",
        "渠道": "电话",
        "诉求类型": "投诉",
        "分类": "城乡建设/物业管理/物业服务",
        "区域": "C-CD-01",
        "地址": "城东街道幸福小区3号楼",
        "标题": "小区电梯长期故障无人维修",
        "内容": "幸福小区3号楼电梯停运两周，物业不予维修。",
        "来电人": "张三",
        "电话": "13812348000",
    }
    base.update(columns)
    return base


HANDLED = {  # dispatched to the housing bureau, signed and replied in time
    "派遣单位": "C-ZJJ",
    "派遣时间": "2025-03-03 09:30",
    "签收时间": "2025-03-03 10:00",
    "答复时间": "2025-03-07 16:00",
    "答复内容": "已督促物业修复电梯。",
}


def write_csv(path, rows: list[dict], encoding: str = "utf-8-sig"):
    header: list[str] = []
    for r in rows:
        header += [key for key in r if key not in header]
    with open(path, "w", encoding=encoding, newline="") as out:
        writer = csv.DictWriter(out, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def importing(cast, tmp_path):
    """Import rows (as a CSV file) as the supervisor; returns the ImportResult."""

    def run(*rows: dict, **options):
        path = write_csv(tmp_path / "orders.csv", list(rows))
        return orders_import(actor=cast.supervisor, path=path, **options)

    return run


def imported(number: str = "L-1") -> WorkOrder:
    return WorkOrder.objects.get(legacy_number=number)


def actions(order: WorkOrder) -> list[tuple[str, str, dt.datetime]]:
    return [(e.action, e.to_state, e.at) for e in order.events.order_by("seq")]


# --- Each element of the history ----------------------------------------------------------------------------------


def test_a_registered_row_becomes_a_registered_order_numbered_by_its_day(cast, importing):
    result = importing(row("L-1"), row("L-2", 电话="13900001111", 登记时间="2025-03-03 11:00"))

    assert (result.imported, result.skipped, result.rejected) == (2, 0, 0)
    first, second = imported("L-1"), imported("L-2")
    assert (first.number, second.number) == ("20250303-000001", "20250303-000002")
    assert first.state == "registered"
    assert actions(first) == [("register", "registered", local("2025-03-03 09:00"))]
    assert first.registered_at == local("2025-03-03 09:00")
    assert first.category == cast.property_service and first.area == cast.community
    assert (first.version, first.event_count) == (1, 1)


def test_callers_are_stored_encrypted_with_lookup_hashes(cast, importing):
    importing(row("L-1", 证件号码="32128319800101123X"))

    order = imported()
    assert (order.caller_name, order.caller_phone) == ("张三", "13812348000")
    assert order.caller_phone_hash == crypto.phone_hash("13812348000")
    assert order.caller_id_hash == crypto.id_number_hash("32128319800101123X")
    with connection.cursor() as cursor:
        cursor.execute("SELECT caller_phone, caller_name FROM orders_workorder WHERE id = %s", [order.pk])
        stored_phone, stored_name = cursor.fetchone()
    assert "13812348000" not in stored_phone and "张三" not in stored_name


def test_dispatch_creates_the_lead_and_assisting_assignments_with_computed_deadlines(cast, importing):
    importing(row(派遣单位="C-ZJJ;城东街道", 派遣时间="2025-03-03 09:30"))

    order = imported()
    assert order.state == "dispatched" and order.lead_unit == cast.housing
    assert actions(order) == [
        ("register", "registered", local("2025-03-03 09:00")),
        ("send_to_dispatch", "pending_dispatch", local("2025-03-03 09:00")),
        ("dispatch", "dispatched", local("2025-03-03 09:30")),
    ]
    assert order.sign_deadline == local("2025-03-04 09:30")  # one working day
    assert order.reply_deadline == local("2025-03-17 09:30")  # ten working days
    parts = {(a.unit_id, a.role, a.status, a.is_open, a.dispatched_at, a.sign_deadline)
             for a in order.assignments.all()}
    assert parts == {
        (cast.housing.pk, "lead", "dispatched", True, local("2025-03-03 09:30"), local("2025-03-04 09:30")),
        (cast.town.pk, "assist", "dispatched", True, local("2025-03-03 09:30"), local("2025-03-04 09:30")),
    }
    assert order.events.get(action="dispatch").data == {"lead": cast.housing.pk, "assisting": [cast.town.pk]}


def test_the_old_systems_own_deadlines_replace_the_computed_ones(cast, importing):
    importing(row(派遣单位="C-ZJJ", 派遣时间="2025-03-03 09:30", 签收时限="2025-03-03 17:00", 办结时限="2025-03-10"))

    order = imported()
    assert order.sign_deadline == local("2025-03-03 17:00")
    assert order.reply_deadline == local("2025-03-10 23:59:59")  # a date alone: the end of that day
    assert order.assignments.get().sign_deadline == local("2025-03-03 17:00")


def test_signing_starts_the_handling_and_counts_as_first_response(cast, importing):
    importing(row(派遣单位="C-ZJJ", 派遣时间="2025-03-03 09:30", 签收时间="2025-03-04 10:00"))

    order = imported()
    assert order.state == "in_progress"
    assert order.signed_at == order.first_responded_at == local("2025-03-04 10:00")
    lead = order.assignments.get()
    assert (lead.status, lead.signed_at) == ("signed", local("2025-03-04 10:00"))
    sign = order.events.get(action="sign")
    assert (sign.at, sign.data) == (local("2025-03-04 10:00"), {"role": "lead", "in_time": False})  # after 09:30


def test_an_extension_is_requested_and_approved_and_moves_the_reply_deadline(cast, importing):
    importing(row(派遣单位="C-ZJJ", 派遣时间="2025-03-03 09:30", 签收时间="2025-03-03 10:00",
                  延期至="2025-03-28 18:00", 延期时间="2025-03-14 10:00"))

    order = imported()
    assert order.state == "in_progress" and not order.pending_extension
    assert order.reply_deadline == local("2025-03-28 18:00")
    assert [(a, at) for a, _, at in actions(order)][-2:] == [
        ("request_extension", local("2025-03-14 10:00")),
        ("approve_extension", local("2025-03-14 10:00")),
    ]
    request = ExtensionRequest.objects.get(order=order)
    assert (request.status, request.unit, request.previous_deadline, request.requested_deadline) == (
        "approved", cast.housing, local("2025-03-17 09:30"), local("2025-03-28 18:00"))


def test_a_reply_is_accepted_and_the_order_waits_for_its_callback(cast, importing):
    importing(row(**HANDLED))

    order = imported()
    assert order.state == "awaiting_callback"
    assert [a for a, _, _ in actions(order)] == [
        "register", "send_to_dispatch", "dispatch", "sign", "reply", "accept_reply"]
    assert order.replied_at == order.accepted_at == local("2025-03-07 16:00")
    assert order.callback_deadline == local("2025-03-11 16:00")  # two working days
    lead = order.assignments.get()
    assert (lead.status, lead.replied_at, lead.result, lead.is_open) == (
        "replied", local("2025-03-07 16:00"), "已督促物业修复电梯。", False)
    assert order.events.get(action="reply").data["in_time"] is True


def test_a_reached_callback_closes_the_order_at_its_time(cast, importing):
    importing(row(**HANDLED, 审核时间="2025-03-07 17:00", 回访时间="2025-03-10 10:00", 是否联系上="是",
                  满意度="满意", 是否解决="是", 是否按时响应="否", 回访记录="市民表示电梯已修好"))

    order = imported()
    assert order.state == "closed" and order.close_reason == "callback"
    assert order.closed_at == local("2025-03-10 10:00")
    assert order.accepted_at == local("2025-03-07 17:00")
    callback = Callback.objects.get(order=order)
    assert (callback.at, callback.reached, callback.satisfaction, callback.solved, callback.responded_in_time,
            callback.note, callback.operator) == (
        local("2025-03-10 10:00"), True, "satisfied", True, False, "市民表示电梯已修好", cast.supervisor)
    event = order.events.get(action="callback")
    assert event.data == {"satisfaction": "satisfied", "solved": True, "responded_in_time": False, "in_time": True}


def test_a_dissatisfied_callback_reopens_the_order(cast, importing):
    importing(row(**HANDLED, 回访时间="2025-03-10 10:00", 满意度="不满意", 是否解决="否"))

    order = imported()
    assert order.state == "reopened" and order.closed_at is None
    assert order.callbacks.get().satisfaction == "dissatisfied"


def test_an_unreached_callback_with_a_closing_time_closes_the_order_as_unreachable(cast, importing):
    importing(row("L-1", **HANDLED, 回访时间="2025-03-10 10:00", 是否联系上="否", 办结时间="2025-03-10 18:00"),
              row("L-2", 电话="13900001111", **HANDLED, 回访时间="2025-03-10 10:00", 是否联系上="否"))

    closed, waiting = imported("L-1"), imported("L-2")
    assert (closed.state, closed.close_reason, closed.closed_at) == (
        "closed", "unreachable", local("2025-03-10 10:00"))
    assert (waiting.state, waiting.callback_attempts, waiting.closed_at) == ("awaiting_callback", 1, None)
    assert list(Callback.objects.filter(order=closed).values_list("reached", flat=True)) == [False]
    assert closed.events.get(action="callback_failed").data == {"attempt": 1}


def test_an_answer_without_units_closes_the_order_on_the_call(cast, importing):
    importing(row(诉求类型="咨询", 答复内容="物业费标准请咨询住建局物业科。"))

    order = imported()
    assert (order.state, order.close_reason, order.answer) == ("closed", "answered", "物业费标准请咨询住建局物业科。")
    assert order.closed_at == local("2025-03-03 09:00")  # no 答复时间: answered during the call
    assert [a for a, _, _ in actions(order)] == ["register", "answer_on_spot"]


def test_an_answer_with_a_callback_waits_for_it_as_a_sampled_answer(cast, importing):
    importing(row(诉求类型="咨询", 答复内容="已解答。", 答复时间="2025-03-03 09:05", 回访时间="2025-03-04 10:00",
                  满意度="基本满意"))

    order = imported()
    assert order.state == "closed" and order.close_reason == "callback"
    assert [a for a, _, _ in actions(order)] == ["register", "answer_on_spot", "callback"]
    assert order.accepted_at == local("2025-03-03 09:05")


def test_a_voided_row_ends_its_handling(cast, importing):
    importing(row(派遣单位="C-ZJJ", 派遣时间="2025-03-03 09:30", 作废时间="2025-03-03 10:00", 作废原因="测试工单"))

    order = imported()
    assert order.state == "voided" and order.closed_at == local("2025-03-03 10:00")
    void = order.events.get(action="void")
    assert (void.at, void.note) == (local("2025-03-03 10:00"), "测试工单")
    assert list(order.assignments.values_list("status", "is_open")) == [("done", False)]


def test_a_row_merges_into_an_order_imported_before_it(cast, importing):
    importing(row("L-1", **HANDLED),
              row("L-2", 电话="13900001111", 登记时间="2025-03-04 09:00", 并入工单号="L-1", 并单时间="2025-03-04 09:10"))

    master, merged = imported("L-1"), imported("L-2")
    assert merged.state == "merged" and merged.master == master
    assert merged.closed_at == local("2025-03-04 09:10")
    assert merged.events.get(action="merge").data == {"master": master.number}


def test_a_merge_finds_its_master_in_an_earlier_batch_or_by_its_rexian_number(cast, importing, make_order):
    live = make_order()
    result = importing(row("L-1"), row("L-2", 登记时间="2025-03-03 10:00", 并入工单号="L-1"),
                       row("L-3", 登记时间="2025-03-03 10:00", 并入工单号=live.number), batch_size=1)

    assert (result.imported, result.rejected) == (2, 1)
    assert imported("L-2").master == imported("L-1")
    # The live order was registered today, after the old one's merge: it was not there to merge into.
    assert result.rejections[0].row == 4 and "尚未登记" in result.rejections[0].reason


def test_every_event_history_replays_to_the_orders_state(cast, importing):
    importing(
        row("L-1", **HANDLED, 回访时间="2025-03-10 10:00", 满意度="满意"),
        row("L-2", **HANDLED, 回访时间="2025-03-10 10:00", 满意度="不满意"),
        row("L-3", 作废时间="2025-03-03 10:00", 作废原因="骚扰电话"),
        row("L-4", 派遣单位="C-ZJJ", 派遣时间="2025-03-03 09:30", 签收时间="2025-03-03 10:00", 延期至="2025-03-28"),
        row("L-5", 登记时间="2025-03-04 09:00", 并入工单号="L-1", 并单时间="2025-03-04 09:30"),
    )

    for order in WorkOrder.objects.all():
        assert replay(order.events.order_by("seq")) == order.state
        assert order.event_count == order.version == order.events.count()


def test_imported_orders_are_found_by_the_word_search(cast, importing):
    importing(row())

    assert list(restrict_to_terms(WorkOrder.objects.all(), query_terms("电梯故障"))) == [imported()]


def test_the_memoised_deadlines_equal_deadline_compute(cast):
    DeadlineRule.objects.create(kind="reply", category=cast.property_service.parent, amount=5, unit="workdays")
    memo = Deadlines()
    starts = [local(text) for text in (
        "2025-03-03 09:30", "2025-03-07 18:45", "2025-03-08 10:00",  # a Monday, a Friday evening, a Saturday
        "2025-09-28 09:00", "2025-09-30 15:00", "2025-10-03 10:00", "2025-10-11 23:30",  # National Day 2025
    )]
    checked = 0
    for start in starts:
        for kind in ("sign", "first_response", "reply", "callback"):
            for appeal_type in AppealType.objects.filter(code__in=["consult", "complaint"]):
                for urgency in Urgency.objects.all():
                    for category in (cast.property_service, cast.noise, None):
                        given = {"kind": kind, "start": start, "appeal_type": appeal_type, "urgency": urgency,
                                 "category": category}
                        # twice: the second answer comes from the memo
                        assert memo(**given) == memo(**given) == deadline_compute(**given), given
                        checked += 1
    assert checked == 7 * 4 * 2 * 3 * 3


# --- Files, idempotency, dry runs ------------------------------------------------------------------------------------


def test_importing_the_same_file_again_adds_and_changes_nothing(cast, importing):
    rows = [row("L-1", **HANDLED, 回访时间="2025-03-10 10:00", 满意度="满意"),
            row("L-2", 登记时间="2025-03-04 09:00", 并入工单号="L-1")]
    importing(*rows)
    counts = [model.objects.count() for model in (WorkOrder, OrderEvent, Assignment, Callback)]
    before = list(WorkOrder.objects.order_by("pk").values_list("number", "state", "version"))

    again = importing(*rows)

    assert (again.imported, again.skipped, again.rejected) == (0, 2, 0)
    assert [(s.row, s.reason) for s in again.skips] == [(2, "原工单号 L-1 已导入。"), (3, "原工单号 L-2 已导入。")]
    assert [model.objects.count() for model in (WorkOrder, OrderEvent, Assignment, Callback)] == counts
    assert list(WorkOrder.objects.order_by("pk").values_list("number", "state", "version")) == before


def test_an_order_stored_meanwhile_by_another_import_is_skipped_and_the_rest_written(cast, importing, monkeypatch,
                                                                                   make_order):
    store = importer._Importer._store

    def racing(self, histories):  # another import stores L-1 between this one's check and its write
        WorkOrder.objects.filter(pk=make_order().pk).update(legacy_number="L-1")
        return store(self, histories)

    monkeypatch.setattr(importer._Importer, "_store", racing)

    result = importing(row("L-1"), row("L-2", 电话="13900001111"))

    assert (result.imported, result.skipped, result.rejected) == (1, 1, 0)
    assert [(s.row, s.reason) for s in result.skips] == [(2, "原工单号 L-1 已导入。")]
    assert imported("L-2").number == "20250303-000001"
    assert imported("L-1").registered_at > local("2026-01-01 00:00")  # the other import's order, untouched


def test_a_number_repeated_within_a_file_is_imported_once(cast, importing):
    result = importing(row("L-1"), row("L-1", 标题="另一条"))

    assert (result.imported, result.skipped) == (1, 1)
    assert imported().title == "小区电梯长期故障无人维修"


def test_a_dry_run_checks_every_row_and_writes_nothing(cast, importing):
    result = importing(row("L-1"), row("L-2", 并入工单号="L-1", 登记时间="2025-03-03 10:00"), row("L-3", 分类="99"),
                       row("L-1", 标题="重复"), dry_run=True, batch_size=1)

    assert (result.imported, result.skipped, result.rejected) == (2, 1, 1)
    assert not WorkOrder.objects.exists() and not OrderEvent.objects.exists()


def test_an_xlsx_file_with_excel_dates_and_numbers(cast, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["原工单号", "登记时间", "渠道", "诉求类型", "分类", "标题", "内容", "电话", "派遣单位", "派遣时间"])
    sheet.append([10086, dt.datetime(2025, 3, 3, 9, 0), "phone", "complaint", "010101", "噪音扰民", "夜间施工噪音",
                  13812348000, "住建局", dt.datetime(2025, 3, 3, 9, 30)])
    sheet.append([None] * 10)  # a blank row is not an order
    book.save(tmp_path / "orders.xlsx")

    result = orders_import(actor=cast.supervisor, path=tmp_path / "orders.xlsx")

    assert (result.rows, result.imported, result.rejected) == (1, 1, 0)
    order = imported("10086")
    assert order.caller_phone == "13812348000"
    assert (order.state, order.dispatched_at) == ("dispatched", local("2025-03-03 09:30"))


def test_english_headers_are_accepted_and_unknown_columns_reported(cast, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [{
        "Legacy Number": "OLD-7", "registered_at": "2025/03/03 09:00", "channel": "web", "appeal_type": "suggestion",
        "title": "建议增设公交站", "description": "建议在幸福小区门口增设公交站。", "办理状态": "已办结",
    }])

    result = orders_import(actor=cast.supervisor, path=path)

    assert result.imported == 1 and result.ignored_columns == ["办理状态"]
    assert imported("OLD-7").channel.code == "web"


def test_a_gbk_file_is_read_with_its_encoding(cast, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [row()], encoding="gbk")

    with pytest.raises(ImportFileError, match="--encoding"):
        orders_import(actor=cast.supervisor, path=path)
    assert orders_import(actor=cast.supervisor, path=path, encoding="gbk").imported == 1


def test_a_file_without_a_required_column_is_refused(cast, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [{A: "L-1", "登记时间": "2025-03-03 09:00", "标题": "x", "内容": "y"}])

    with pytest.raises(ImportFileError, match="缺少必需的列：渠道、诉求类型"):
        orders_import(actor=cast.supervisor, path=path)


def test_only_a_file_of_xlsx_or_csv_is_accepted(cast, tmp_path):
    (tmp_path / "orders.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFileError, match="另存为 .xlsx"):
        orders_import(actor=cast.supervisor, path=tmp_path / "orders.xls")


def test_a_unit_handler_may_not_import(cast, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [row()])
    with pytest.raises(PermissionDenied):
        orders_import(actor=cast.housing_handler, path=path)
    assert not WorkOrder.objects.exists()


def test_the_example_of_the_documentation_imports_as_it_says(cast, tmp_path):
    text = (Path(__file__).parents[2] / "docs" / "import.md").read_text(encoding="utf-8")
    example = text.split("```csv\n", 1)[1].split("```", 1)[0]
    (tmp_path / "example.csv").write_text(example, encoding="utf-8")

    result = orders_import(actor=cast.supervisor, path=tmp_path / "example.csv")

    assert (result.imported, result.rejected) == (4, 0), result.rejections
    states = dict(WorkOrder.objects.values_list("legacy_number", "state"))
    assert states == {"TX2025-0001": "closed", "TX2025-0002": "merged", "TX2025-0003": "closed",
                      "TX2025-0004": "voided"}
    assert imported("TX2025-0001").assignments.count() == 2
    assert imported("TX2025-0003").close_reason == "answered"


# --- Rejections --------------------------------------------------------------------------------------------------


REJECTIONS = [
    pytest.param({"分类": "99"}, "未知的诉求分类「99」", id="unknown category"),
    pytest.param({"分类": "城乡建设"}, "诉求分类「城乡建设」不是最末一级分类", id="category not a leaf"),
    pytest.param({"派遣单位": "水务局", "派遣时间": "2025-03-03 09:30"}, "未知的单位「水务局」", id="unknown unit"),
    pytest.param({"派遣单位": "泰兴市", "派遣时间": "2025-03-03 09:30"}, "泰兴市 不承办工单", id="unit takes no orders"),
    pytest.param({"派遣单位": "C-ZJJ;住建局", "派遣时间": "2025-03-03 09:30"}, "主办单位不能同时作为协办单位",
                 id="lead also assisting"),
    pytest.param({"诉求类型": "抱怨"}, "未知的诉求类型「抱怨」", id="unknown type"),
    pytest.param({"渠道": "飞鸽传书"}, "未知的受理渠道「飞鸽传书」", id="unknown channel"),
    pytest.param({"紧急程度": "十万火急"}, "未知的紧急程度「十万火急」", id="unknown urgency"),
    pytest.param({"登记人": "nobody"}, "未知的登记人账号「nobody」", id="unknown registrant"),
    pytest.param({"标题": ""}, "请填写「标题」", id="missing title"),
    pytest.param({"登记时间": ""}, "请填写「登记时间」", id="missing registration time"),
    pytest.param({"标题": "长" * 121}, "「标题」不能超过 120 个字", id="title too long"),
    pytest.param({"登记时间": "2025-13-40 10:00"}, "「登记时间」不是有效的时间：2025-13-40 10:00", id="bad date"),
    pytest.param({"登记时间": "2025-03-03"}, "「登记时间」须写到时刻", id="date without time"),
    pytest.param({"登记时间": "2099-01-01 09:00"}, "「登记时间」晚于当前时间", id="future time"),
    pytest.param({"电话": "12ab"}, "联系电话格式不正确", id="bad phone"),
    pytest.param({"统一社会信用代码": "123"}, "统一社会信用代码应为18位", id="bad credit code"),
    pytest.param({"性别": "未说"}, "「性别」应为男或女", id="bad gender"),
    pytest.param({"派遣单位": "C-ZJJ", "派遣时间": "2025-03-03 09:30", "签收时间": "2025-03-03 09:20"},
                 "「签收时间」（2025-03-03 09:20:00）早于「派遣时间」（2025-03-03 09:30:00）",
                 id="signed before dispatched"),
    pytest.param({"派遣时间": "2025-03-03 09:00", "登记时间": "2025-03-03 10:00", "派遣单位": "C-ZJJ"},
                 "「派遣时间」（2025-03-03 09:00:00）早于「登记时间」", id="dispatched before registered"),
    pytest.param({"派遣单位": "C-ZJJ"}, "缺少「派遣时间」", id="units without dispatch time"),
    pytest.param({"签收时间": "2025-03-03 10:00"}, "缺少「派遣时间」", id="signed without dispatch"),
    pytest.param({"派遣单位": "C-ZJJ", "派遣时间": "2025-03-03 09:30", "答复时间": "2025-03-04 09:00",
                  "答复内容": "已处理"}, "缺少「签收时间」", id="replied without signature"),
    pytest.param({**HANDLED, "答复内容": ""}, "缺少「答复内容」", id="reply without text"),
    pytest.param({**HANDLED, "延期至": "2025-03-10 09:00"}, "「延期至」（2025-03-10 09:00:00）须晚于原办结时限",
                 id="extension not later"),
    pytest.param({**HANDLED, "回访时间": "2025-03-10 10:00"}, "请填写「是否联系上」或「满意度」", id="callback without result"),
    pytest.param({**HANDLED, "回访时间": "2025-03-10 10:00", "满意度": "还行"}, "「满意度」应为满意、基本满意或不满意",
                 id="bad satisfaction"),
    pytest.param({**HANDLED, "回访时间": "2025-03-10 10:00", "是否联系上": "否", "满意度": "满意"},
                 "未联系上的回访不能填写满意度", id="unreached but rated"),
    pytest.param({**HANDLED, "回访时间": "2025-03-10 10:00", "满意度": "满意", "是否解决": "也许"},
                 "「是否解决」应填“是”或“否”", id="bad yes or no"),
    pytest.param({**HANDLED, "回访时间": "2025-03-06 10:00", "满意度": "满意"},
                 "「回访时间」（2025-03-06 10:00:00）早于「答复时间」", id="callback before reply"),
    pytest.param({**HANDLED, "办结时间": "2025-03-10 10:00"}, "工单须经回访", id="closed without callback"),
    pytest.param({"办结时间": "2025-03-10 10:00"}, "工单尚未答复，不能办结", id="closed without reply"),
    pytest.param({**HANDLED, "回访时间": "2025-03-10 10:00", "满意度": "不满意", "办结时间": "2025-03-10 11:00"},
                 "回访不满意的工单进入待重办", id="dissatisfied but closed"),
    pytest.param({"作废时间": "2025-03-03 10:00"}, "缺少「作废原因」", id="void without reason"),
    pytest.param({**HANDLED, "回访时间": "2025-03-10 10:00", "满意度": "满意", "作废时间": "2025-03-11 10:00",
                  "作废原因": "重复"}, "工单 L-2 当前状态为「已办结」，不能执行「作废」", id="void after closing"),
    pytest.param({"作废时间": "2025-03-03 10:00", "作废原因": "重复", "并入工单号": "L-1"}, "一张工单不能既作废又并单",
                 id="void and merge"),
    pytest.param({"并入工单号": "L-404"}, "并入的主工单「L-404」不存在", id="unknown master"),
    pytest.param({"并入工单号": "L-2"}, "不能将工单并入自身", id="merge into itself"),
    pytest.param({"登记时间": "2025-03-12 09:00", "并入工单号": "L-1"}, "主工单 L-1 已结束，不能并入",
                 id="master closed before the merge"),
    pytest.param({"答复内容": "已解答", "审核时间": "2025-03-03 09:10"}, "直接办结的工单没有审核步骤",
                 id="answer on the spot reviewed"),
]


@pytest.mark.parametrize(("columns", "reason"), REJECTIONS)
def test_a_bad_row_is_rejected_with_its_reason_and_the_others_still_import(cast, importing, columns, reason):
    master = row("L-1", **HANDLED, 回访时间="2025-03-10 10:00", 满意度="满意")  # closed on 10 March

    result = importing(master, row("L-2", **{"电话": "13900001111", **columns}))

    assert (result.imported, result.skipped, result.rejected) == (1, 0, 1)
    (rejection,) = result.rejections
    assert (rejection.row, rejection.legacy_number) == (3, "L-2")
    assert reason in rejection.reason
    assert not WorkOrder.objects.filter(legacy_number="L-2").exists()


def test_every_problem_of_a_row_is_listed_at_once(cast, importing):
    result = importing(row(分类="99", 诉求类型="抱怨", 标题=""))

    assert result.rejections[0].reason == "未知的诉求类型「抱怨」。；未知的诉求分类「99」。；请填写「标题」。"


# --- The command ---------------------------------------------------------------------------------------------------


def test_the_command_lists_rejected_rows_prints_the_summary_and_fails(cast, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [row("L-1"), row("L-2", 分类="99")])
    out = io.StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("import-orders", str(path), user="supervisor", stdout=out, stderr=io.StringIO())

    assert failure.value.returncode == 1
    lines = out.getvalue().splitlines()
    assert "第 3 行 拒绝 rejected（原工单号 L-2）：未知的诉求分类「99」。" in lines
    assert lines[-1] == "imported=1 skipped=0 rejected=1"


def test_the_command_reports_skipped_rows_and_succeeds_on_a_second_run(cast, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [row("L-1")])
    call_command("import-orders", str(path), user="supervisor", stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()

    call_command("import-orders", str(path), user="supervisor", stdout=out, stderr=io.StringIO())

    assert out.getvalue().splitlines() == ["第 2 行 跳过 skipped：原工单号 L-1 已导入。", "imported=0 skipped=1 rejected=0"]


def test_the_command_dry_run_says_nothing_was_written(cast, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [row("L-1")])
    out = io.StringIO()

    call_command("import-orders", str(path), "--dry-run", user="supervisor", stdout=out, stderr=io.StringIO())

    assert out.getvalue().splitlines()[-1] == "imported=1 skipped=0 rejected=0"
    assert "试运行" in out.getvalue() and not WorkOrder.objects.exists()


def test_the_command_refuses_an_unknown_user_and_an_unreadable_file(cast, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [row("L-1")])
    with pytest.raises(CommandError, match="找不到启用的账号「ghost」"):
        call_command("import-orders", str(path), user="ghost", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import-orders", str(tmp_path / "none.csv"), user="supervisor", stdout=io.StringIO(),
                     stderr=io.StringIO())


# --- Metrics over imported orders -------------------------------------------------------------------------------------

# Nine orders of March 2025, each a case the metrics must count correctly (deadlines worked out by hand):
#
#   L1 closed on time    dispatched Mon 3 Mar 09:30: sign due Tue 4 09:30 (signed 3 Mar 10:00, in time),
#                        reply due Mon 17 Mar 09:30 (replied 7 Mar, in time); callback 10 Mar: satisfied, solved,
#                        responded.
#   L2 overdue           dispatched 3 Mar 10:30: sign due 4 Mar 10:30 (signed 5 Mar, late); reply due 17 Mar 10:30
#                        (replied 19 Mar, late); callback 20 Mar: basically satisfied, not solved, not responded.
#   L3 extended          dispatched Tue 4 Mar 09:20: sign due 5 Mar (signed 4 Mar, in time); reply due Tue 18 Mar,
#                        extended to Fri 28 Mar 18:00 (replied 25 Mar, in time); callback 26 Mar: satisfied, solved,
#                        responded.
#   L4 dissatisfied      a request for help (3 working days) dispatched Wed 5 Mar 08:30 to housing with the town
#                        assisting: sign due Thu 6 Mar (lead signed 5 Mar; the town never signed and its part closed at
#                        the acceptance: not counted); reply due Mon 10 Mar 08:30 (replied 7 Mar, in time);
#                        callback 10 Mar: dissatisfied, not solved, responded: reopened.
#   L5 unreachable       a consultation dispatched Thu 6 Mar 14:10: sign due Fri 7 Mar (signed 6 Mar, in time); reply
#                        due Tue 11 Mar (replied 7 Mar, in time); callback 10 Mar not reached, closed as unreachable.
#   L6 voided            counts only as voided.
#   L7 merged            the same phone as L1, four days later: a repeat call, merged into L1 before dispatch.
#   L8 answered          a consultation answered on the call.
#   L9 overdue, open     dispatched Mon 10 Mar 09:10: sign due Tue 11 Mar (signed 10 Mar, in time), reply due
#                        Mon 24 Mar 09:10 and never replied: late.
METRICS_FILE = [
    row("L1", 登记时间="2025-03-03 09:00", 电话="13800000001", 派遣单位="C-ZJJ", 派遣时间="2025-03-03 09:30",
        签收时间="2025-03-03 10:00", 答复时间="2025-03-07 16:00", 答复内容="已修复。", 回访时间="2025-03-10 10:00",
        是否联系上="是", 满意度="满意", 是否解决="是", 是否按时响应="是"),
    row("L2", 登记时间="2025-03-03 10:00", 电话="13800000002", 分类="020101", 派遣单位="C-CGJ",
        派遣时间="2025-03-03 10:30", 签收时间="2025-03-05 11:00", 答复时间="2025-03-19 10:00", 答复内容="已处罚。",
        回访时间="2025-03-20 15:00", 满意度="基本满意", 是否解决="否", 是否按时响应="否"),
    row("L3", 登记时间="2025-03-04 09:00", 电话="13800000003", 派遣单位="C-ZJJ", 派遣时间="2025-03-04 09:20",
        签收时间="2025-03-04 09:50", 延期至="2025-03-28 18:00", 延期时间="2025-03-14 10:00",
        答复时间="2025-03-25 17:00", 答复内容="已协调。", 回访时间="2025-03-26 10:00", 满意度="满意", 是否解决="是",
        是否按时响应="是"),
    row("L4", 登记时间="2025-03-05 08:00", 电话="13800000004", 诉求类型="求助", 派遣单位="C-ZJJ;C-CD",
        派遣时间="2025-03-05 08:30", 签收时间="2025-03-05 09:00", 答复时间="2025-03-07 17:00", 答复内容="已答复。",
        回访时间="2025-03-10 11:00", 满意度="不满意", 是否解决="否", 是否按时响应="是"),
    row("L5", 登记时间="2025-03-06 14:00", 电话="13800000005", 诉求类型="咨询", 分类="020101", 派遣单位="C-CGJ",
        派遣时间="2025-03-06 14:10", 签收时间="2025-03-06 15:00", 答复时间="2025-03-07 10:00", 答复内容="已解答。",
        回访时间="2025-03-10 09:00", 是否联系上="否", 办结时间="2025-03-10 09:30"),
    row("L6", 登记时间="2025-03-06 15:00", 电话="13800000006", 诉求类型="咨询", 作废时间="2025-03-06 15:20",
        作废原因="骚扰电话"),
    row("L7", 登记时间="2025-03-07 09:00", 电话="13800000001", 并入工单号="L1", 并单时间="2025-03-07 09:30"),
    row("L8", 登记时间="2025-03-07 11:00", 电话="13800000008", 诉求类型="咨询", 答复内容="请携带身份证到服务大厅办理。"),
    row("L9", 登记时间="2025-03-10 09:00", 电话="13800000009", 派遣单位="C-ZJJ", 派遣时间="2025-03-10 09:10",
        签收时间="2025-03-10 09:40"),
]


def test_metrics_over_imported_orders_equal_the_hand_computed_ones(cast, importing, settings):
    settings.METRICS_BASIC_COUNTS_AS_SATISFIED = True
    settings.METRICS_WEIGHT_RESPONSE, settings.METRICS_WEIGHT_SOLUTION, settings.METRICS_WEIGHT_SATISFACTION = (
        0.1, 0.45, 0.45)
    result = importing(*METRICS_FILE)
    assert (result.imported, result.rejected) == (9, 0), result.rejections

    m = period_metrics(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31), now=local("2025-06-01 00:00"))

    counts = {name: getattr(m, name) for name in (
        "volume", "voided", "merged", "orders", "answered_on_spot", "closed", "repeat_calls",
        "sign_due", "sign_in_time", "reply_due", "reply_in_time", "reply_overdue",
        "callback_due", "callback_reached", "satisfied", "basically_satisfied", "dissatisfied",
        "responded_asked", "responded", "solved_asked", "solved", "dispatched", "returned", "handled", "reopened")}
    assert counts == {
        "volume": 8,  # all but the voided L6
        "voided": 1,
        "merged": 1,  # L7
        "orders": 7,  # volume less the merged
        "answered_on_spot": 1,  # L8
        "closed": 5,  # L1, L2, L3, L5, L8
        "repeat_calls": 1,  # L7, from L1's phone
        "sign_due": 6,  # the lead dispatches of L1-L5 and L9; L4's unsigned assisting part is left out
        "sign_in_time": 5,  # all but L2
        "reply_due": 6,  # L1-L5 and L9 (still unreplied, its deadline passed)
        "reply_in_time": 4,  # L1, L3 (extended), L4, L5
        "reply_overdue": 2,  # L2, L9
        "callback_due": 5,  # four reached (L1-L4) and L5 closed as unreachable
        "callback_reached": 4,
        "satisfied": 2,
        "basically_satisfied": 1,
        "dissatisfied": 1,
        "responded_asked": 4,
        "responded": 3,  # L1, L3, L4
        "solved_asked": 4,
        "solved": 2,  # L1, L3
        "dispatched": 6,
        "returned": 0,
        "handled": 5,  # L1-L5 replied
        "reopened": 0,  # L4 waits for the dispatcher's re-handling
    }
    assert m.direct_answer_rate == pytest.approx(1 / 7)
    assert m.completion_rate == pytest.approx(5 / 7)
    assert m.timely_sign_rate == pytest.approx(5 / 6)
    assert m.timely_reply_rate == pytest.approx(4 / 6)
    assert m.overdue_rate == pytest.approx(2 / 6)
    assert m.callback_rate == pytest.approx(4 / 5)
    assert m.satisfaction_rate == pytest.approx(3 / 4)
    assert m.response_rate == pytest.approx(3 / 4)
    assert m.solution_rate == pytest.approx(2 / 4)
    assert m.weighted_score == pytest.approx(0.1 * 0.75 + 0.45 * 0.5 + 0.45 * 0.75)
    assert m.repeat_call_rate == pytest.approx(1 / 8)
    assert m.return_rate == 0 and m.reopen_rate == 0

    by_unit = period_metrics(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31), unit="C-CGJ",
                             now=local("2025-06-01 00:00"))
    assert (by_unit.sign_due, by_unit.sign_in_time, by_unit.reply_due, by_unit.reply_in_time) == (2, 1, 2, 1)


def test_a_reimport_leaves_the_metrics_as_they_were(cast, importing):
    importing(*METRICS_FILE)
    period = {"start": dt.date(2025, 3, 1), "end": dt.date(2025, 3, 31), "now": local("2025-06-01 00:00")}
    before = period_metrics(**period).as_dict()

    importing(*METRICS_FILE)

    assert period_metrics(**period).as_dict() == before
