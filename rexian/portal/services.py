"""The portal's writes: a citizen's request and a citizen's rating, made through the order services.

The portal acts through an integration service account (接口账号, username
"portal"): it may register orders and record callbacks, and nothing else, so a
flaw in a public page cannot do what staff do. Deactivating that account in
the admin stops the portal taking requests and ratings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from rexian.catalog.models import AppealType, Category, Channel
from rexian.orders import services
from rexian.orders.attachments import attachment_add
from rexian.orders.models import Callback, WorkOrder
from rexian.units.models import Role, Unit, User

PORTAL_ACCOUNT = "portal"
PORTAL_CHANNEL = "portal"
TITLE_FROM_DESCRIPTION_CHARS = 30


def integration_account(username: str = PORTAL_ACCOUNT, display_name: str = "市民门户") -> User:
    """The service account a public interface acts as, created on first use (never by a migration).

    Raises ImproperlyConfigured when the username belongs to an account of another
    role: the portal must never act with a person's (wider) rights.
    """
    account, created = User.objects.get_or_create(
        username=username, defaults={"role": Role.INTEGRATION, "display_name": display_name}
    )
    if created:
        account.set_unusable_password()
        account.save(update_fields=["password"])
    elif account.role != Role.INTEGRATION:
        raise ImproperlyConfigured(
            f"User {username!r} exists with role {account.role!r}; the portal needs it as an integration account."
        )
    return account


def title_from(description: str) -> str:
    """A title for a request whose citizen gave none: the first words of the description, on one line."""
    text = " ".join(description.split())
    if len(text) <= TITLE_FROM_DESCRIPTION_CHARS:
        return text
    return text[:TITLE_FROM_DESCRIPTION_CHARS] + "…"


@dataclass
class Submission:
    """What a citizen typed into the request form, already checked by the form."""

    appeal_type: AppealType
    description: str
    address: str
    caller_name: str
    caller_phone: str
    title: str = ""
    category: Category | None = None
    area: Unit | None = None
    confidential: bool = False
    photos: Sequence[UploadedFile] = field(default_factory=list)


def request_submit(*, submission: Submission) -> WorkOrder:
    """市民提交诉求: register the citizen's request as an order (channel 市民门户) with its photos.

    The order and its photos are one transaction: if a photo is refused, no order
    is left behind and no file stays in storage. Raises OrderInputError (bad
    input, with the form field) and PermissionDenied (the portal account is
    deactivated or lacks a right).
    """
    actor = integration_account()
    channel = Channel.objects.get(code=PORTAL_CHANNEL)
    stored: list = []
    try:
        with transaction.atomic():
            order = services.order_register(
                actor=actor,
                channel=channel,
                appeal_type=submission.appeal_type,
                category=submission.category,
                title=submission.title.strip() or title_from(submission.description),
                description=submission.description,
                caller_name=submission.caller_name,
                caller_phone=submission.caller_phone,
                confidential=submission.confidential,
                area=submission.area,
                address=submission.address,
            )
            for photo in submission.photos:
                attachment = attachment_add(actor=actor, order=order, upload=photo)
                stored.append((attachment.file.storage, attachment.file.name))
    except BaseException:
        # attachment_add cleans up after itself; files of earlier photos go with the rolled-back order.
        for storage, name in stored:
            storage.delete(name)
        raise
    return order


def rating_record(
    *,
    number: str,
    expected_version: int,
    satisfaction: str,
    solved: bool | None,
    responded_in_time: bool | None,
    comment: str = "",
) -> Callback:
    """市民评价: the citizen rates the handling of their order; it counts as a callback (回访).

    The caller must have proved the order is theirs (number and phone) when the
    version was read. A dissatisfied rating reopens the order for re-handling
    (重办), as a dissatisfied callback does. Raises WorkOrder.DoesNotExist,
    InvalidTransition (not awaiting callback), StaleVersion (the order changed
    since), OrderInputError and PermissionDenied.
    """
    order = WorkOrder.objects.get(number=number)
    note = _("市民门户评价：%(comment)s") % {"comment": comment.strip()} if comment.strip() else _("市民门户评价")
    return services.callback_record(
        actor=integration_account(),
        order=order,
        satisfaction=satisfaction,
        solved=solved,
        responded_in_time=responded_in_time,
        note=note,
        expected_version=expected_version,
    )
