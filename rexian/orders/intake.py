"""受理: what the operator's intake page writes when they save an order, as one transaction.

The operator registers the request (登记) and, in the same breath, either
answers it on the call (直接办结), sends it to the dispatchers (转派遣) or
leaves it registered (仅登记). `order_intake` does the steps through the
lifecycle services in one transaction, so a failure in a later step (no
answer text, a knowledge article that has just lapsed) leaves nothing behind:
no order, no number used, no event.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from rexian.knowledge import selectors as knowledge_selectors
from rexian.knowledge.services import KnowledgeInputError, article_mark_used
from rexian.orders import access, services
from rexian.orders.models import WorkOrder
from rexian.orders.services import OrderInputError
from rexian.telephony.services import call_link_current

ANSWER = "answer"  # 直接办结
DISPATCH = "dispatch"  # 转派遣
REGISTER = "register"  # 仅登记
INTAKE_ACTIONS = (ANSWER, DISPATCH, REGISTER)


@transaction.atomic
def order_intake(
    *,
    actor,
    action: str,
    answer: str = "",
    knowledge_article_id: int | None = None,
    merge_into: int | None = None,
    **register_fields,
) -> WorkOrder:
    """Register a request taken by an operator and answer it, send it to dispatch or leave it registered.

    `register_fields` are `order_register`'s (channel, appeal_type, title,
    description, caller_phone …). For `action="answer"`, `answer` is what the
    operator told the caller, and `knowledge_article_id` the knowledge-base
    article they answered from, recorded as its use (答复依据). When the
    operator is on a call (telephony), the order is linked to it.

    The page's once-only `intake_token` (one of `register_fields`) makes a page
    saved twice register one order, whatever action each save asked for: the
    second raises AlreadyRegistered and keeps nothing.

    `merge_into` is the id of an open order the request repeats (重复诉求, from
    `selectors.duplicate_candidates`): the new order is then merged into it
    (并单) instead of going to dispatch or staying registered; an order answered
    on the spot is closed and cannot be merged.

    Operators and supervisors may call it. Raises PermissionDenied,
    AlreadyRegistered, OrderInputError (with the form field at fault: a lapsed
    article is reported on "answer") or InvalidTransition; any of them undoes
    the whole intake.
    """
    if action not in INTAKE_ACTIONS:
        raise OrderInputError(_("请选择办理方式：直接办结、转派遣或仅登记。"), field="action")
    master = None
    if merge_into is not None:
        if action == ANSWER:
            raise OrderInputError(_("直接办结的工单不能并单：请取消并单，或改为转派遣/仅登记。"), field="action")
        master = access.orders_visible_to(actor).filter(pk=merge_into).first()
        if master is None:
            raise OrderInputError(_("要并入的工单不存在或无权查看。"), field=None)
    order = services.order_register(actor=actor, **register_fields)
    if master is not None:
        order = services.order_merge(actor=actor, order=order, master=master)
    elif action == ANSWER:
        article = None
        if knowledge_article_id is not None:
            article = knowledge_selectors.article_get(article_id=knowledge_article_id, user=actor)
            if article is None:
                raise OrderInputError(_("所引用的知识条目已下线或不在有效期内，请重新选择。"), field="answer")
        order = services.order_answer_on_spot(actor=actor, order=order, answer=answer)
        if article is not None:
            try:
                article_mark_used(actor=actor, article=article, order_number=order.number, order_id=order.pk)
            except KnowledgeInputError as error:
                raise OrderInputError(error.message, field="answer") from None
    elif action == DISPATCH:
        order = services.order_send_to_dispatch(actor=actor, order=order)
    call_link_current(actor=actor, order=order)
    return order
