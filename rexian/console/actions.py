"""The lifecycle's staff actions as console forms: one form and one service call per action.

The order detail page shows the form of every action `access.may` allows the
viewer; `views.orders.act` validates it and calls the service with the
version the user saw, so a stale page gets a clear message instead of
overwriting a colleague's work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import datetime as dt

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from rexian.console.forms import ConsoleForm
from rexian.console.intake_forms import OrderRecordForm
from rexian.orders import attachments, services
from rexian.orders.models import Satisfaction, WorkOrder
from rexian.orders.transitions import Action, State
from rexian.units.models import Unit
from rexian.units.selectors import dispatch_units

A = Action
TEXTAREA = forms.Textarea(attrs={"rows": 3})
YES_NO_UNKNOWN = [("", _("未询问")), ("yes", _("是")), ("no", _("否"))]


class NoteForm(ConsoleForm):
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=TEXTAREA)


class RequiredNoteForm(ConsoleForm):
    note = forms.CharField(label=_("响应情况"), max_length=2000, widget=TEXTAREA)


class ReasonForm(ConsoleForm):
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=TEXTAREA)


class EmptyForm(ConsoleForm):
    pass


class AnswerForm(ConsoleForm):
    answer = forms.CharField(label=_("答复内容"), max_length=4000, widget=TEXTAREA)


def unit_choices():
    return dispatch_units()


class DispatchForm(ConsoleForm):
    lead_unit = forms.ModelChoiceField(label=_("主办单位"), queryset=Unit.objects.none(), empty_label=_("请选择"))
    assisting_units = forms.ModelMultipleChoiceField(
        label=_("协办单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("按住 Ctrl 可多选"),
    )
    note = forms.CharField(label=_("派单意见"), required=False, max_length=2000, widget=TEXTAREA)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = unit_choices()
        self.fields["assisting_units"].queryset = unit_choices()


class ExtensionForm(ConsoleForm):
    new_deadline = forms.DateTimeField(
        label=_("申请延至"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={  # "申请延至" makes no sentence of its own
            "required": _("请填写要延至的日期和时间。"),
            "invalid": _("延至的时间请按“年-月-日 时:分”填写，如 2026-11-27 21:30。"),
        },
    )
    reason = forms.CharField(label=_("延期理由"), max_length=2000, widget=TEXTAREA)


class ReplyForm(ConsoleForm):
    result = forms.CharField(label=_("办理结果"), max_length=4000, widget=TEXTAREA)
    measures = forms.CharField(label=_("处理措施"), required=False, max_length=4000, widget=TEXTAREA)
    attachment = forms.FileField(label=_("附件（照片、文件）"), required=False)


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _yes_no_field(label, invalid) -> forms.TypedChoiceField:
    """A question asked on the callback (是 / 否 / 未询问); a question makes no sentence of the console's stock
    message, so `invalid` says the answers."""
    return forms.TypedChoiceField(
        label=label, choices=YES_NO_UNKNOWN, required=False, coerce=_yes_no, error_messages={"invalid_choice": invalid}
    )


class CallbackForm(ConsoleForm):
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=[("", _("请选择"))] + list(Satisfaction.choices))
    solved = _yes_no_field(_("问题是否解决"), _("问题是否解决：请选择是、否或未询问。"))
    responded_in_time = _yes_no_field(_("单位是否及时联系"), _("单位是否及时联系：请选择是、否或未询问。"))
    note = forms.CharField(label=_("回访记录"), required=False, max_length=2000, widget=TEXTAREA)


class MergeForm(ConsoleForm):
    master = forms.CharField(label=_("主工单编号"), max_length=20, help_text=_("例如 20261126-000123"))
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=TEXTAREA)

    def clean_master(self):
        number = self.cleaned_data["master"].strip()
        try:
            return WorkOrder.objects.get(number=number)
        except WorkOrder.DoesNotExist:
            raise forms.ValidationError(_("找不到编号为 %(number)s 的工单。") % {"number": number}) from None


class AmendForm(OrderRecordForm):
    """补充登记: the record's type, urgency, title, category and place, checked as the intake form checks them."""

    field_order = ["title", "appeal_type", "urgency", "category", "town", "community", "address"]

    @staticmethod
    def amend_fields(d: dict) -> dict:
        """The cleaned input `d` as `order_amend`'s keyword arguments: the whole record, the place included."""
        return {
            "title": d["title"],
            "appeal_type": d["appeal_type"],
            "urgency": d["urgency"],
            "category": d["category"],
            "area": d["community"] or d["town"],
            "address": d["address"],
        }


class RehandleForm(ConsoleForm):
    note = forms.CharField(
        label=_("重办要求"),
        max_length=2000,
        widget=TEXTAREA,
        help_text=_("写明承办单位须重新办理的内容，将随重办通知发给承办单位。"),
    )


class UpholdForm(ConsoleForm):
    reason = forms.CharField(
        label=_("维持办结理由"),
        max_length=2000,
        widget=TEXTAREA,
        help_text=_("如：诉求无法律政策依据、单位已依法依规办理到位。"),
    )


class AttachForm(ConsoleForm):
    file = forms.FileField(label=_("文件"))


@dataclass(frozen=True)
class ConsoleAction:
    action: str
    slug: str
    form: type[forms.Form]
    # (actor, order, cleaned data, version) -> result; raises OrderInputError / PermissionDenied / StaleVersion.
    perform: Callable
    done: str  # the message shown after success
    style: str = ""  # "primary" or "danger" for the button
    # (result) -> the message after success where it depends on what the step did, or "" for `done`.
    outcome: Callable | None = None
    # (order) -> a warning beside the button, before it is pressed, or "" for none.
    warning: Callable | None = None

    @property
    def action_label(self) -> str:
        return Action(self.action).label

    def done_message(self, result) -> str:
        """What the user is told after `perform` returned `result`."""
        return (self.outcome and self.outcome(result)) or self.done

    def warning_for(self, order: WorkOrder) -> str:
        """What the user should know before taking the action on `order` ("" for nothing)."""
        return self.warning(order) if self.warning else ""


@transaction.atomic
def _reply(actor, order, d, v):
    # Reply and its attachment succeed or fail together: a rejected file undoes the reply.
    order = services.order_reply(actor=actor, order=order, result=d["result"], measures=d["measures"], expected_version=v)
    if d.get("attachment"):
        attachments.attachment_add(actor=actor, order=order, upload=d["attachment"])
    return order


def _callback_failed_closed(callback) -> str:
    """联系不上 on the last allowed attempt closes the order (`services.callback_fail`): say so."""
    order = callback.order
    if order.state != State.CLOSED:
        return ""
    n = order.callback_attempts
    closed = ngettext(
        "已达回访次数上限（%(n)d 次），工单已按联系不上办结。",
        "已达回访次数上限（%(n)d 次），工单已按联系不上办结。",
        n,
    )
    return closed % {"n": n}


def _callback_last_attempt(order: WorkOrder) -> str:
    """Before 联系不上: a warning when this attempt is the last one `services.callback_fail` allows."""
    if order.callback_attempt_is_last:
        return gettext("最后一次：再联系不上将办结")
    return ""


ACTIONS: tuple[ConsoleAction, ...] = (
    ConsoleAction(
        A.ANSWER_ON_SPOT, "answer-on-spot", AnswerForm,
        lambda a, o, d, v: services.order_answer_on_spot(actor=a, order=o, answer=d["answer"], expected_version=v),
        _("已直接办结。"), "primary",
    ),
    ConsoleAction(
        A.SEND_TO_DISPATCH, "send-to-dispatch", NoteForm,
        lambda a, o, d, v: services.order_send_to_dispatch(actor=a, order=o, note=d["note"], expected_version=v),
        _("已转派遣。"), "primary",
    ),
    ConsoleAction(
        A.AMEND, "amend", AmendForm,
        lambda a, o, d, v: services.order_amend(actor=a, order=o, expected_version=v, **AmendForm.amend_fields(d)),
        _("已补充登记。"),
    ),
    ConsoleAction(
        A.DISPATCH, "dispatch", DispatchForm,
        lambda a, o, d, v: services.order_dispatch(
            actor=a, order=o, lead_unit=d["lead_unit"], assisting_units=list(d["assisting_units"]),
            note=d["note"], expected_version=v,
        ),
        _("已派单。"), "primary",
    ),
    ConsoleAction(
        A.SIGN, "sign", EmptyForm,
        lambda a, o, d, v: services.order_sign(actor=a, order=o, expected_version=v),
        _("已签收。"), "primary",
    ),
    ConsoleAction(
        A.RESPOND, "respond", RequiredNoteForm,
        lambda a, o, d, v: services.order_respond(actor=a, order=o, note=d["note"], expected_version=v),
        _("已记录首次响应。"),
    ),
    ConsoleAction(
        A.REPLY, "reply", ReplyForm, _reply, _("已提交办结回复。"), "primary",
    ),
    ConsoleAction(
        A.REQUEST_EXTENSION, "extension-request", ExtensionForm,
        lambda a, o, d, v: services.extension_request(
            actor=a, order=o, new_deadline=d["new_deadline"], reason=d["reason"], expected_version=v
        ),
        _("延期申请已提交，等待审核。"),
    ),
    ConsoleAction(
        A.REQUEST_RETURN, "return-request", ReasonForm,
        lambda a, o, d, v: services.return_request(actor=a, order=o, reason=d["reason"], expected_version=v),
        _("退单申请已提交，等待审核。"), "danger",
    ),
    ConsoleAction(
        A.APPROVE_RETURN, "return-approve", NoteForm,
        lambda a, o, d, v: services.return_approve(actor=a, order=o, note=d["note"], expected_version=v),
        _("已同意退单，工单回到待派单。"), "primary",
    ),
    ConsoleAction(
        A.REJECT_RETURN, "return-reject", ReasonForm,
        lambda a, o, d, v: services.return_reject(actor=a, order=o, reason=d["reason"], expected_version=v),
        _("已驳回退单申请。"), "danger",
    ),
    ConsoleAction(
        A.APPROVE_EXTENSION, "extension-approve", NoteForm,
        lambda a, o, d, v: services.extension_approve(actor=a, order=o, note=d["note"], expected_version=v),
        _("已同意延期。"), "primary",
    ),
    ConsoleAction(
        A.REJECT_EXTENSION, "extension-reject", ReasonForm,
        lambda a, o, d, v: services.extension_reject(actor=a, order=o, reason=d["reason"], expected_version=v),
        _("已驳回延期申请。"), "danger",
    ),
    ConsoleAction(
        A.ACCEPT_REPLY, "reply-accept", NoteForm,
        lambda a, o, d, v: services.reply_accept(actor=a, order=o, note=d["note"], expected_version=v),
        _("回复审核通过，工单转入待回访。"), "primary",
    ),
    ConsoleAction(
        A.REJECT_REPLY, "reply-reject", ReasonForm,
        lambda a, o, d, v: services.reply_reject(actor=a, order=o, reason=d["reason"], expected_version=v),
        _("已退回回复，单位需重新办理。"), "danger",
    ),
    ConsoleAction(
        A.CALLBACK, "callback", CallbackForm,
        lambda a, o, d, v: services.callback_record(
            actor=a, order=o, satisfaction=d["satisfaction"], solved=d["solved"],
            responded_in_time=d["responded_in_time"], note=d["note"], expected_version=v,
        ),
        _("回访已记录。"), "primary",
    ),
    ConsoleAction(
        A.CALLBACK_FAILED, "callback-failed", NoteForm,
        lambda a, o, d, v: services.callback_fail(actor=a, order=o, note=d["note"], expected_version=v),
        _("已记录回访未成功。"), outcome=_callback_failed_closed, warning=_callback_last_attempt,
    ),
    ConsoleAction(
        A.REHANDLE, "rehandle", RehandleForm,
        lambda a, o, d, v: services.order_rehandle(actor=a, order=o, note=d["note"], expected_version=v),
        _("已安排重办。"), "primary",
    ),
    ConsoleAction(
        A.UPHOLD, "uphold", UpholdForm,
        lambda a, o, d, v: services.order_uphold(actor=a, order=o, reason=d["reason"], expected_version=v),
        _("已维持办结，工单办结。"), "danger",
    ),
    ConsoleAction(
        A.MERGE, "merge", MergeForm,
        lambda a, o, d, v: services.order_merge(actor=a, order=o, master=d["master"], note=d["note"], expected_version=v),
        _("已并入主工单。"), "danger",
    ),
    ConsoleAction(
        A.VOID, "void", ReasonForm,
        lambda a, o, d, v: services.order_void(actor=a, order=o, reason=d["reason"], expected_version=v),
        _("工单已作废。"), "danger",
    ),
    ConsoleAction(
        A.ATTACH, "attach", AttachForm,
        lambda a, o, d, v: attachments.attachment_add(actor=a, order=o, upload=d["file"]),
        _("附件已上传。"),
    ),
)
BY_SLUG = {spec.slug: spec for spec in ACTIONS}
BY_ACTION = {spec.action: spec for spec in ACTIONS}


def initial_for(spec: ConsoleAction, order: WorkOrder) -> dict:
    """Sensible defaults: the catalogue's units for a dispatch (else the smart-dispatch top unit; neither when that
    unit has returned the order), the current
    deadline plus a week for an extension, the record as it stands for 补充登记."""
    if spec.action == A.DISPATCH:
        from rexian.catalog.selectors import dispatch_suggestion

        from rexian.orders.selectors import returned_units

        suggestion = dispatch_suggestion(category=order.category, area=order.area)
        returned = returned_units([order.pk]).get(order.pk, frozenset())
        if suggestion is not None and suggestion.lead_unit.pk not in returned:  # not back to a unit that returned it
            return {"lead_unit": suggestion.lead_unit, "assisting_units": list(suggestion.assisting_units)}
        # No catalogue entry: preselect the smart-dispatch ranker's first choice (智能推荐), if there is a model.
        from rexian.orders.smart_dispatch import dispatch_suggestions_for

        smart = dispatch_suggestions_for(order, k=1)
        if smart:
            return {"lead_unit": smart[0].unit}
    if spec.action == A.AMEND:
        return {
            "title": order.title,
            "appeal_type": order.appeal_type,
            "urgency": order.urgency,
            "category": order.category,
            "address": order.address,
            **AmendForm.place_initial(order.area),
        }
    if spec.action == A.REQUEST_EXTENSION and order.reply_deadline:
        return {"new_deadline": timezone.localtime(order.reply_deadline) + dt.timedelta(days=7)}
    return {}
