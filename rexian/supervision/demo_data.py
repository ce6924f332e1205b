"""The demo city's 督办 and 批示: a supervisor's supervision items on late orders and a leader's instructions.

Written by `rexian demo` after the orders, through the services (so the steps, deadlines and
notifications are the real ones), at moments spread over the last days before `now`. The housing
bureau (住建局, the demo `handler`'s unit) always gets some, so every demo account has something to see.
"""

from __future__ import annotations

import datetime as dt
import random

OVERDUE = "该件已超期，请于三个工作日内办结并反馈处理结果。"  # only for an order past its deadline when issued
SUPERVISIONS = [
    "市民多次来电反映，请主要负责人亲自督办，限期解决。",
    "请核实现场情况，明确整改时限，并向市民做好解释。",
    "同类问题近期反复出现，请排查原因并提出长效措施。",
]
INSTRUCTIONS = [
    "请住建部门高度重视，举一反三，排查同类隐患，结果报我。",
    "群众反映强烈，请相关单位负责同志牵头，尽快解决到位。",
    "此事关系群众切身利益，请依法依规处理，并做好回访解释。",
]
REPORTS = [
    "已组织人员现场核查，问题已整改到位，并电话告知市民。",
    "已约谈责任单位，明确一周内完成整改，我单位将跟踪落实。",
    "经核实，问题属实，已责成物业限期整改，整改情况已向市民反馈。",
]


def demo_supervision_load(*, now: dt.datetime, seed: int = 0) -> int:
    """Issue the demo's items and take some of them through their loop; returns how many were issued."""
    from rexian.orders.models import WorkOrder
    from rexian.orders.transitions import State
    from rexian.supervision import services
    from rexian.units.models import Role, User

    rng = random.Random(seed)
    supervisor = User.objects.get(username="supervisor")
    leader = User.objects.get(username="leader")
    housing = User.objects.get(username="handler").unit_id
    in_hand = WorkOrder.objects.filter(state=State.IN_PROGRESS, lead_unit__isnull=False).select_related("lead_unit")
    late = list(in_hand.filter(due_at__lt=now).order_by("due_at")[:8])
    ours = list(in_hand.filter(lead_unit_id=housing).order_by("-registered_at")[:4])
    picked = list({order.pk: order for order in late + ours}.values())
    handlers = {}
    for user in User.objects.filter(role=Role.UNIT_HANDLER, is_active=True).order_by("pk"):
        handlers.setdefault(user.unit_id, user)

    def later(at: dt.datetime, low: int, high: int) -> dt.datetime:
        return min(at + dt.timedelta(hours=rng.randint(low, high)), now)

    issued = 0
    for n, order in enumerate(picked):
        instruction = n % 4 == 3
        # Issued while the unit held the order: some days ago, but never before its unit signed it.
        held_since = (order.signed_at or order.registered_at) + dt.timedelta(minutes=30)
        at = min(max(now - dt.timedelta(hours=rng.randint(40, 96)), held_since), now)
        if instruction:
            content = rng.choice(INSTRUCTIONS)
        else:
            content = OVERDUE if order.due_at and order.due_at < at else rng.choice(SUPERVISIONS)
        item = services.supervision_issue(
            actor=leader if instruction else supervisor, order=order, now=at,
            kind="instruction" if instruction else "supervision", content=content,
        )
        issued += 1
        handler = handlers.get(item.unit_id)
        fate = n % 5  # 0 stays issued, 1 acknowledged, 2 reported, 3 closed, 4 returned and reported again
        if handler is None or fate == 0:
            continue
        at = later(at, 1, 6)
        item = services.supervision_acknowledge(actor=handler, supervision=item, now=at)
        if fate == 1:
            continue
        at = later(at, 4, 20)
        item = services.supervision_report(actor=handler, supervision=item, report=rng.choice(REPORTS), now=at)
        if fate == 3:
            services.supervision_close(actor=supervisor, supervision=item, now=later(at, 1, 8))
        elif fate == 4:
            at = later(at, 1, 8)
            reason = "反馈过于笼统，请写明整改措施和完成时间。"
            item = services.supervision_return(actor=supervisor, supervision=item, reason=reason, now=at)
            services.supervision_report(
                actor=handler, supervision=item, now=later(at, 2, 10),
                report="已于本周完成整改：更换故障设备，物业建立每周巡查制度，已电话告知市民。",
            )
    return issued


REPORT_INSTRUCTION = "简报显示物业管理类诉求仍然较多，请住建局牵头排查老旧小区电梯和物业服务问题，一周内报送整改方案。"


def demo_report_instruction_load(report, *, now: dt.datetime | None = None):
    """The demo leader's 批示 on a published report (the 简报 `rexian demo` publishes), to the housing bureau, which
    has acknowledged it: so the report's page, 督办批示 and the handler's inbox show one. None if the accounts are
    missing."""
    from rexian.supervision import services
    from rexian.units.models import User

    leader = User.objects.filter(username="leader").first()
    handler = User.objects.filter(username="handler").select_related("unit").first()
    if leader is None or handler is None or handler.unit is None:
        return None
    item = services.supervision_issue_on_report(
        actor=leader, report=report, kind="instruction", content=REPORT_INSTRUCTION, unit=handler.unit, now=now,
    )
    return services.supervision_acknowledge(actor=handler, supervision=item, now=now)
