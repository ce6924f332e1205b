"""The demo city's text messages from callers (短信来信): a few waiting for the operators, one registered as an order,
two ratings of result notices (one satisfied, which closes its order; one dissatisfied, which reopens it), three
invitations to rate still unanswered, and an opt-out. Written by `rexian demo` after the orders, through the
services, as the gateway would post them.
"""

from __future__ import annotations

import datetime as dt
import random

from rexian.orders.transitions import State
from rexian.sms.models import IncomingSms, SmsMessage

WAITING = [  # (hours before now, text)
    (9, "你好，江安路和人民路交叉口的红绿灯坏了，早上车很多很危险，请尽快派人修。"),
    (6, "请问新生儿医保怎么办理？需要带哪些材料，在哪里办？"),
    (4, "3"),  # a rating nobody asked for (the number got no result notice): an operator looks at it
    (2, "幸福家园小区5栋楼上漏水好几天了，物业一直不管，家里墙都泡坏了。"),
    (1, "谢谢你们，路灯已经修好了。"),
]
RATINGS = ["1", "3，问题还是没有解决，晚上施工噪音照样有"]
# Result notices that asked for a rating by text, hours before now: the first two were answered (RATINGS), the rest
# still wait, marked in the callback queue.
INVITED_HOURS_AGO = [20, 20, 6, 3, 1]


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def demo_sms_load(*, now: dt.datetime, seed: int = 0) -> int:
    """Post the demo's callers' texts; returns how many were taken."""
    from rexian.orders.models import WorkOrder
    from rexian.sms import services

    rng = random.Random(seed)
    taken = 0

    def receive(text: str, phone: str, hours: float) -> IncomingSms | None:
        nonlocal taken
        taken += 1
        return services.sms_receive(reference=f"demo-{taken}", phone=phone, text=text,
                                    received_at=now - dt.timedelta(hours=hours))

    for hours, text in WAITING:
        receive(text, _mobile(rng), hours)
    # Orders awaiting their callback whose result notice asked for a rating; two answer by text.
    candidates = [order for order in WorkOrder.objects.filter(state=State.AWAITING_CALLBACK, confidential=False)
                  .exclude(appeal_type__protects_identity=True).order_by("-accepted_at")[:50]
                  if services.mobile_number(order.caller_phone)]
    for order, hours in zip(candidates, INVITED_HOURS_AGO):
        phone = services.mobile_number(order.caller_phone)
        SmsMessage.objects.get_or_create(order=order, kind=SmsMessage.Kind.RESULT, defaults=dict(
            phone=phone, phone_hash=services.crypto.phone_hash(phone), survey=True, status=SmsMessage.Status.SENT,
            text=services.sms_text(SmsMessage.Kind.RESULT, number=order.number, survey=True),
            created_at=now - dt.timedelta(hours=hours), sent_at=now - dt.timedelta(hours=hours), attempts=1))
    for order, text in zip(candidates, RATINGS):  # the first two answered an hour later
        receive(text, services.mobile_number(order.caller_phone), INVITED_HOURS_AGO[0] - 1)
    # A text registered as an order by the operator who took it (the order came in on the 短信 channel).
    texted = WorkOrder.objects.filter(channel__code="sms", registered_by__role="operator").order_by("-registered_at")
    order = next((o for o in texted[:20] if services.mobile_number(o.caller_phone)), None)
    if order is not None:
        hours = (now - order.registered_at).total_seconds() / 3600 + 0.1  # a few minutes before it was registered
        # In the caller's words (the order's description is the operator's, 「来电人反映…」).
        words = f"你好，{order.title}，地址：{order.address or '见来电'}，请帮忙处理。"
        incoming = receive(words, order.caller_phone, hours)
        IncomingSms.objects.filter(pk=incoming.pk).update(
            status=IncomingSms.Status.REGISTERED, order=order, handled_by=order.registered_by,
            handled_at=order.registered_at)
    receive("TD", _mobile(rng), 3)
    return taken
