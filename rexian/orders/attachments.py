"""Attachments (photos, documents, recordings) on orders, kept through Django's storage API."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from rexian.orders import access
from rexian.orders.models import Attachment, WorkOrder
from rexian.orders.services import OrderInputError, _lock, _require, _transition
from rexian.orders.transitions import Action, check_transition
from rexian.units.models import UNIT_ROLES

# extension -> (kind, content type, accepted leading bytes)
ALLOWED_TYPES: dict[str, tuple[str, str, tuple[bytes, ...]]] = {
    ".jpg": ("photo", "image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("photo", "image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("photo", "image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".gif": ("photo", "image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("photo", "image/webp", (b"RIFF",)),
    ".pdf": ("document", "application/pdf", (b"%PDF-",)),
    ".docx": ("document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".doc": ("document", "application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xls": ("document", "application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    ".txt": ("document", "text/plain", ()),
    ".mp3": ("recording", "audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ".wav": ("recording", "audio/wav", (b"RIFF",)),
    ".amr": ("recording", "audio/amr", (b"#!AMR",)),
    ".m4a": ("recording", "audio/mp4", ()),
}


def _check_file(upload: UploadedFile) -> tuple[str, str, str]:
    name = os.path.basename(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED_TYPES:
        raise OrderInputError(
            _("不支持的文件类型 %(ext)s（允许：%(allowed)s）。")
            % {"ext": ext or "?", "allowed": " ".join(sorted(ALLOWED_TYPES))},
            field="file",
        )
    if upload.size is None or upload.size == 0:
        raise OrderInputError(_("文件为空。"), field="file")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise OrderInputError(
            _("文件过大（上限 %(mb).0f MB）。") % {"mb": settings.ATTACHMENT_MAX_BYTES / 1024 / 1024}, field="file"
        )
    kind, content_type, signatures = ALLOWED_TYPES[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if ext == ".m4a":
        ok = head[4:8] == b"ftyp"
    elif ext in (".webp", ".wav"):
        ok = head.startswith(b"RIFF") and head[8:12] == (b"WEBP" if ext == ".webp" else b"WAVE")
    elif ext == ".txt":
        ok = b"\x00" not in head
    else:
        ok = any(head.startswith(sig) for sig in signatures)
    if not ok:
        raise OrderInputError(_("文件内容与扩展名 %(ext)s 不符。") % {"ext": ext}, field="file")
    return name, kind, content_type


@transaction.atomic
def attachment_add(*, actor, order: WorkOrder, upload: UploadedFile, expected_version: int | None = None) -> Attachment:
    """上传附件: add a photo, document or recording to an order. Type and size are checked first."""
    order = _lock(order)
    _require(actor, Action.ATTACH, order, expected_version)
    check_transition(number=order.number, action=Action.ATTACH, from_state=order.state, to_state=order.state)
    name, kind, content_type = _check_file(upload)
    now = timezone.now()
    attachment = Attachment(
        order=order,
        kind=kind,
        original_name=name[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
        uploaded_at=now,
    )
    # A random stored name: never trust the uploaded one on disk.
    attachment.file.save(f"{get_random_string(16)}{os.path.splitext(name)[1].lower()}", upload, save=False)
    # The file is in storage before the rows commit: take it out again if the transaction fails.
    stored_name = attachment.file.name
    try:
        attachment.save()
        unit = actor.unit if actor.is_unit_staff else None
        _transition(
            order,
            action=Action.ATTACH,
            to_state=order.state,
            actor=actor,
            now=now,
            unit=unit,
            data={"attachment": attachment.pk, "name": name},
        )
    except Exception:
        attachment.file.storage.delete(stored_name)
        raise
    return attachment


def attachment_for_download(*, user, number: str, pk: int) -> Attachment:
    """An order's attachment, if `user` may see the order (查看附件).

    A call recording carries the caller's voice: unit staff don't get it for a
    whistle-blower's or confidential order. Raises Attachment.DoesNotExist or
    PermissionDenied.
    """
    attachment = Attachment.objects.select_related("order", "order__appeal_type").get(pk=pk, order__number=number)
    if not access.can_view(user, attachment.order):
        raise PermissionDenied(_("您无权查看该工单。"))
    if (
        attachment.kind == Attachment.Kind.RECORDING
        and user.role in UNIT_ROLES
        and attachment.order.protects_identity
    ):
        raise PermissionDenied(_("该录音涉及保密来电人身份，承办单位不能查看。"))
    return attachment
