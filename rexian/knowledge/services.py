"""Writes to the knowledge base: articles, their publication and review, and operators' marks.

Every write that changes an article's text also re-indexes it in the same transaction
(`rexian.knowledge.search`), so a search never sees half an edit. Signals are not used:
a bulk load or a write that forgets the index would then look indexed and not be; bulk
loads call `search.index_rebuild()` themselves.

Errors a user can cause are raised as `PermissionDenied` (not allowed) or
`KnowledgeInputError` (bad input), each with a message in Chinese for the user.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.knowledge import access, search, selectors
from rexian.knowledge.models import Article, ArticleUse, ReviewReminder, Section

logger = logging.getLogger(__name__)

#: Without a review date, a published article is due for review this many days after publication or review.
REVIEW_INTERVAL_DAYS = 180
#: What `article_update` may change.
EDITABLE_FIELDS = frozenset(
    {"kind", "title", "question", "body", "sms_text", "keywords", "basis", "section", "owner_unit", "valid_from",
     "valid_until", "review_due", "code"}
)


class KnowledgeInputError(ValueError):
    """Input a user gave cannot be accepted; `field` names the form field when there is one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _check(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _validate(article: Article) -> None:
    """The model's own checks, reported as KnowledgeInputError on the first field at fault."""
    if not (article.title or "").strip():
        raise KnowledgeInputError(_("请填写标题。"), field="title")
    if not (article.body or "").strip():
        raise KnowledgeInputError(_("请填写答复口径。"), field="body")
    if article.section_id is None:
        raise KnowledgeInputError(_("请选择栏目。"), field="section")
    try:
        article.full_clean(exclude=["code"] if not article.code else None, validate_unique=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise KnowledgeInputError("".join(messages), field=None if field == "__all__" else field) from None
    if article.code and Article.objects.filter(code=article.code).exclude(pk=article.pk).exists():
        raise KnowledgeInputError(_("编号“%(code)s”已被其他条目使用。") % {"code": article.code}, field="code")


def _write(article: Article, *, actor, update_fields: list[str] | None = None) -> Article:
    """Save and re-index in the caller's transaction; number a new article that has no code."""
    article.updated_by = actor
    if update_fields is not None:
        update_fields = [*update_fields, "updated_by", "updated_at"]
    article.save(update_fields=update_fields)
    if not article.code:
        article.code = f"KB{article.pk:06d}"
        Article.objects.filter(pk=article.pk).update(code=article.code)
    search.index_article(article)
    return article


def _lock(article: Article) -> Article:
    return Article.objects.select_for_update().get(pk=article.pk)


def _resolve_reminders(article: Article, *, actor, reasons: list[str] | None = None) -> int:
    reminders = ReviewReminder.objects.filter(article=article, resolved_at__isnull=True)
    if reasons is not None:
        reminders = reminders.filter(reason__in=reasons)
    return reminders.update(resolved_at=timezone.now(), resolved_by=actor)


# --- Articles -----------------------------------------------------------------------------------------


def article_create(
    *,
    actor,
    section: Section,
    title: str,
    body: str,
    kind: str = Article.Kind.QA,
    question: str = "",
    sms_text: str = "",
    keywords: str = "",
    basis: str = "",
    owner_unit=None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    review_due: dt.date | None = None,
    code: str | None = None,
    publish: bool = False,
) -> Article:
    """Write a new article (a draft, or published at once with `publish`) and index it.

    Only the knowledge base's managers (supervisors, administrators) may. Without a
    code the article is numbered KB000123. `sms_text` is the 短信口径 an operator may
    text the caller (at most 300 characters, without the signature). Raises
    PermissionDenied or KnowledgeInputError.
    """
    _check(access.may_manage(actor), _("只有值班长或系统管理员可以新建知识条目。"))
    article = Article(
        kind=kind, title=(title or "").strip(), question=(question or "").strip(), body=(body or "").strip(),
        sms_text=(sms_text or "").strip(), keywords=(keywords or "").strip(), basis=(basis or "").strip(),
        section=section, owner_unit=owner_unit, valid_from=valid_from, valid_until=valid_until, review_due=review_due,
        code=(code or "").strip() or None, created_by=actor,
    )
    _validate(article)
    with transaction.atomic():
        try:
            _write(article, actor=actor)
        except IntegrityError:
            raise KnowledgeInputError(_("编号“%(code)s”已被其他条目使用。") % {"code": code}, field="code") from None
        if publish:
            article = article_publish(actor=actor, article=article)
    return article


def article_update(*, actor, article: Article, **changes: Any) -> Article:
    """Change an article's text, section, owner or dates, and re-index it.

    Managers may change any article; the owner unit's administrators their own
    articles (not moving them to another owner). A changed validity or review date
    settles the open reminders it answers. Raises PermissionDenied or KnowledgeInputError.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise KnowledgeInputError(_("不能修改：%(fields)s。") % {"fields": "、".join(sorted(unknown))})
    with transaction.atomic():
        article = _lock(article)
        _check(access.may_edit(actor, article), _("您不能修改该知识条目。"))
        if "owner_unit" in changes and not access.may_manage(actor):
            owner = changes["owner_unit"]
            if (owner.pk if owner is not None else None) != article.owner_unit_id:
                raise PermissionDenied(_("只有值班长或系统管理员可以更改责任单位。"))
        for name, value in changes.items():
            if isinstance(value, str) and name != "code":
                value = value.strip()
            if name == "code":
                value = (value or "").strip() or article.code
            setattr(article, name, value)
        _validate(article)
        _write(article, actor=actor)
        settled = []
        if "review_due" in changes:
            settled.append(ReviewReminder.Reason.REVIEW_DUE)
        if "valid_until" in changes:
            settled.append(ReviewReminder.Reason.EXPIRING)
        if settled:
            _resolve_reminders(article, actor=actor, reasons=settled)
    return article


def article_publish(*, actor, article: Article) -> Article:
    """Publish a draft or archived article, so operators find it from its validity date on.

    Managers only. An article whose validity has already ended cannot be published. A
    review date is set REVIEW_INTERVAL_DAYS ahead when it has none (or one in the past).
    """
    _check(access.may_manage(actor), _("只有值班长或系统管理员可以发布知识条目。"))
    with transaction.atomic():
        article = _lock(article)
        if article.status == Article.Status.PUBLISHED:
            raise KnowledgeInputError(_("该条目已发布。"))
        today = timezone.localdate()
        if article.valid_until is not None and article.valid_until < today:
            raise KnowledgeInputError(_("该条目已过有效期，请先修改有效期再发布。"), field="valid_until")
        article.status = Article.Status.PUBLISHED
        article.published_at = timezone.now()
        if article.review_due is None or article.review_due < today:
            article.review_due = today + dt.timedelta(days=REVIEW_INTERVAL_DAYS)
        _write(article, actor=actor, update_fields=["status", "published_at", "review_due"])
    return article


def article_archive(*, actor, article: Article) -> Article:
    """Withdraw an article from operators (归档): it stays for the record and can be published again.

    Managers only. Its open reminders are settled: nothing is left to review.
    """
    _check(access.may_manage(actor), _("只有值班长或系统管理员可以归档知识条目。"))
    with transaction.atomic():
        article = _lock(article)
        if article.status == Article.Status.ARCHIVED:
            raise KnowledgeInputError(_("该条目已归档。"))
        article.status = Article.Status.ARCHIVED
        _write(article, actor=actor, update_fields=["status"])
        _resolve_reminders(article, actor=actor)
    return article


def article_delete(*, actor, article: Article) -> None:
    """Delete an article that was never answered with (a mistaken draft); archive the others.

    Managers only. Raises KnowledgeInputError when operators have answered with it:
    quality inspection still reads which article an order was answered with.
    """
    _check(access.may_manage(actor), _("只有值班长或系统管理员可以删除知识条目。"))
    with transaction.atomic():
        article = _lock(article)
        if ArticleUse.objects.filter(article=article).exists():
            raise KnowledgeInputError(_("已有话务员据此答复工单，不能删除，请改为归档。"))
        article_id = article.pk
        article.delete()
        search.unindex_article(article_id)


def article_save(*, actor, article: Article, is_new: bool, changed: Iterable[str] = ()) -> Article:
    """Save an article the admin's form has filled in and validated, and index it.

    For the admin only, whose form runs the model's checks; other callers use
    `article_create` / `article_update`. Managers only. `changed` names the fields the
    form changed: a new review date or validity settles the reminders it answers, as
    in `article_update`.
    """
    _check(access.may_manage(actor), _("只有值班长或系统管理员可以维护知识库。"))
    with transaction.atomic():
        if is_new:
            article.created_by = actor
        _write(article, actor=actor)
        settled = [
            reason
            for field, reason in (
                ("review_due", ReviewReminder.Reason.REVIEW_DUE),
                ("valid_until", ReviewReminder.Reason.EXPIRING),
            )
            if field in changed
        ]
        if settled and not is_new:
            _resolve_reminders(article, actor=actor, reasons=settled)
    return article


def article_mark_reviewed(*, actor, article: Article, next_review_on: dt.date | None = None) -> Article:
    """Record that the owner (or a manager) checked the article is still right (复核), and when to check again.

    The next review defaults to REVIEW_INTERVAL_DAYS from today. Settles the open
    review reminders. Raises PermissionDenied or KnowledgeInputError.
    """
    today = timezone.localdate()
    if next_review_on is not None and next_review_on <= today:
        raise KnowledgeInputError(_("下次复核日期须晚于今天。"), field="review_due")
    with transaction.atomic():
        article = _lock(article)
        _check(access.may_review(actor, article), _("您不能复核该知识条目。"))
        article.reviewed_at = timezone.now()
        article.review_due = next_review_on or today + dt.timedelta(days=REVIEW_INTERVAL_DAYS)
        article.updated_by = actor
        article.save(update_fields=["reviewed_at", "review_due", "updated_by", "updated_at"])
        _resolve_reminders(article, actor=actor, reasons=[ReviewReminder.Reason.REVIEW_DUE])
    return article


# --- Operators' marks ------------------------------------------------------------------------------


def article_mark_used(*, actor, article: Article, order_number: str, order_id: int | None = None) -> ArticleUse:
    """Record that `actor` answered order `order_number` with `article` (答复依据).

    Operators and supervisors only, and only with an article they can see (published,
    valid today). Marking the same article for the same order again changes nothing and
    returns the first mark. The caller (the intake page) has already checked that the
    actor may act on the order: this app does not read orders.
    """
    _check(access.may_mark_used(actor), _("只有话务员或值班长可以标记答复所用的知识。"))
    order_number = (order_number or "").strip()
    if not order_number:
        raise KnowledgeInputError(_("请先保存工单，再标记答复所用的知识。"), field="order_number")
    if len(order_number) > ArticleUse._meta.get_field("order_number").max_length:
        raise KnowledgeInputError(_("工单编号不正确。"), field="order_number")
    article.refresh_from_db(fields=["status", "valid_from", "valid_until"])
    if not article.is_current():
        raise KnowledgeInputError(_("该知识条目未发布或已过有效期，不能作为答复依据。"))
    with transaction.atomic():
        use, _created = ArticleUse.objects.get_or_create(
            article=article, order_number=order_number, defaults={"order_id": order_id, "used_by": actor}
        )
    return use


def article_unmark_used(*, actor, use: ArticleUse) -> None:
    """Take back a mark made by mistake: its author, or a supervisor/administrator."""
    _check(use.used_by_id == actor.pk or access.may_manage(actor), _("只能撤销自己标记的知识引用。"))
    use.delete()


# --- Review reminders ----------------------------------------------------------------------------


def knowledge_review_scan(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily job: remind owner units of articles due for review or about to lapse.

    Writes one `ReviewReminder` per article, reason and due date (running it twice in a
    day adds nothing). A reminder has no owner unit when the centre maintains the article.
    Returns how many reminders of each reason were added.

    Notifications hook in here: once the notifications app exists, notify the owner
    unit's administrators (or the centre's supervisors when `unit` is None) of each
    reminder created, with `transaction.on_commit`.
    """
    today = today or timezone.localdate()
    added = {ReviewReminder.Reason.REVIEW_DUE.value: 0, ReviewReminder.Reason.EXPIRING.value: 0}
    batches = [
        (ReviewReminder.Reason.REVIEW_DUE, selectors.articles_due_for_review(on=today), "review_due"),
        (ReviewReminder.Reason.EXPIRING, selectors.articles_expiring(on=today), "valid_until"),
    ]
    with transaction.atomic():
        for reason, articles, date_field in batches:
            rows = articles.values_list("pk", "owner_unit_id", date_field)
            wanted = {(pk, due): unit for pk, unit, due in rows}
            if not wanted:
                continue
            existing = set(
                ReviewReminder.objects.filter(
                    reason=reason, article_id__in={pk for pk, _ in wanted}
                ).values_list("article_id", "due_on")
            )
            new = [
                ReviewReminder(article_id=pk, unit_id=unit, reason=reason, due_on=due)
                for (pk, due), unit in wanted.items()
                if (pk, due) not in existing
            ]
            ReviewReminder.objects.bulk_create(new, ignore_conflicts=True)
            added[reason.value] += len(new)
    if any(added.values()):
        logger.info("knowledge review scan: %s", added)
    return added
