"""Attachments (附件): type and size checked before anything is stored, and stored through the storage API."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from rexian.orders.attachments import ALLOWED_TYPES, attachment_add
from rexian.orders.models import Attachment, OrderEvent, WorkOrder
from rexian.orders.services import OrderInputError
from rexian.orders.transitions import Action, InvalidTransition, State

S = State

# A small but genuine-looking head for each allowed type.
SAMPLES: dict[str, bytes] = {
    ".jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64,
    ".jpeg": b"\xff\xd8\xff\xe1\x00\x10Exif\x00" + b"\x00" * 64,
    ".png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64,
    ".gif": b"GIF89a\x01\x00\x01\x00" + b"\x00" * 32,
    ".webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32,
    ".pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
    ".docx": b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64,
    ".xlsx": b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64,
    ".doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
    ".xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
    ".txt": "市民补充说明：电梯停运已两周。".encode(),
    ".mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64,
    ".wav": b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32,
    ".amr": b"#!AMR\n" + b"\x00" * 32,
    ".m4a": b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 32,
}
KINDS = {
    ".jpg": "photo", ".jpeg": "photo", ".png": "photo", ".gif": "photo", ".webp": "photo",
    ".pdf": "document", ".docx": "document", ".xlsx": "document", ".doc": "document", ".xls": "document",
    ".txt": "document", ".mp3": "recording", ".wav": "recording", ".amr": "recording", ".m4a": "recording",
}


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    if content is None:
        content = SAMPLES[Path(name).suffix.lower()]
    return SimpleUploadedFile(name, content)


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def assert_nothing_stored(order, media: Path, events_before: int):
    assert not Attachment.objects.filter(order=order).exists()
    assert stored_files(media) == []
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.event_count == events_before
    assert OrderEvent.objects.filter(order=order).count() == events_before


def test_every_allowed_type_has_a_sample():
    assert set(SAMPLES) == set(ALLOWED_TYPES) == set(KINDS)


@pytest.mark.parametrize("ext", sorted(SAMPLES))
def test_an_allowed_file_is_stored_with_its_kind_and_type(cast, make_order, media, ext):
    order = make_order()
    attachment = attachment_add(actor=cast.operator, order=order, upload=upload(f"现场照片{ext}"))
    attachment.refresh_from_db()
    assert attachment.kind == KINDS[ext]
    assert attachment.content_type == ALLOWED_TYPES[ext][1]
    assert attachment.original_name == f"现场照片{ext}"
    assert attachment.size == len(SAMPLES[ext])
    assert attachment.uploaded_by == cast.operator
    assert default_storage.exists(attachment.file.name)
    with default_storage.open(attachment.file.name, "rb") as stored:
        assert stored.read() == SAMPLES[ext]
    assert stored_files(media) == [media / attachment.file.name]


def test_an_upper_case_extension_is_accepted(cast, make_order, media):
    attachment = attachment_add(actor=cast.operator, order=make_order(), upload=upload("IMG_0001.JPG"))
    assert attachment.kind == "photo"
    assert attachment.file.name.endswith(".jpg")


def test_the_stored_name_is_random_and_filed_under_the_order(cast, make_order, media):
    order = make_order()
    attachment = attachment_add(actor=cast.operator, order=order, upload=upload("张三身份证.jpg"))
    path = Path(attachment.file.name)
    assert path.parts[:2] == ("orders", f"{order.registered_at:%Y}")
    assert path.parent.name == order.number
    assert "张三" not in path.name
    assert path.suffix == ".jpg"


def test_a_path_in_the_uploaded_name_is_ignored(cast, make_order, media):
    attachment = attachment_add(actor=cast.operator, order=make_order(), upload=upload("../../etc/evil.png"))
    assert attachment.original_name == "evil.png"
    assert (media / attachment.file.name).resolve().is_relative_to(media.resolve())


def test_attaching_appends_an_event_without_moving_the_order(cast, make_order, media):
    order = make_order(S.IN_PROGRESS)
    before = WorkOrder.objects.get(pk=order.pk)
    attachment = attachment_add(actor=cast.housing_handler, order=order, upload=upload("整改后.png"))
    after = WorkOrder.objects.get(pk=order.pk)
    assert after.state == S.IN_PROGRESS
    assert (after.version, after.event_count) == (before.version + 1, before.event_count + 1)
    event = after.events.order_by("-seq").first()
    assert (event.seq, event.action, event.from_state, event.to_state) == (
        after.event_count, Action.ATTACH, S.IN_PROGRESS, S.IN_PROGRESS,
    )
    assert (event.actor, event.unit) == (cast.housing_handler, cast.housing)
    assert event.data == {"attachment": attachment.pk, "name": "整改后.png"}


def test_a_centre_attachment_names_no_unit(cast, make_order, media):
    order = make_order()
    attachment_add(actor=cast.operator, order=order, upload=upload("a.pdf"))
    assert order.events.order_by("-seq").first().unit is None


def test_an_assisting_unit_may_attach(cast, make_order, media):
    order = make_order(S.DISPATCHED, assisting=[cast.urban])
    attachment = attachment_add(actor=cast.urban_handler, order=order, upload=upload("a.jpg"))
    assert attachment.order == order


def test_an_operator_may_attach_to_a_closed_order(cast, make_order, media):
    order = make_order(S.CLOSED)
    attachment_add(actor=cast.operator, order=order, upload=upload("回访录音.mp3"))
    assert WorkOrder.objects.get(pk=order.pk).state == S.CLOSED


@pytest.mark.parametrize(
    "name", ["病毒.exe", "报告.html", "脚本.js", "无扩展名", "照片.jpg.exe", "archive.zip", ".jpg"]
)
def test_a_file_of_a_type_not_allowed_is_refused(cast, make_order, media, name):
    order = make_order()
    events = order.event_count
    with pytest.raises(OrderInputError) as caught:
        attachment_add(actor=cast.operator, order=order, upload=upload(name, b"\xff\xd8\xff" + b"\x00" * 32))
    assert caught.value.field == "file"
    assert_nothing_stored(order, media, events)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("照片.jpg", SAMPLES[".png"]),
        ("照片.png", SAMPLES[".jpg"]),
        ("文件.pdf", b"<html><script>alert(1)</script></html>"),
        ("表格.xlsx", SAMPLES[".doc"]),
        ("说明.txt", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("录音.m4a", SAMPLES[".mp3"]),
        ("录音.amr", SAMPLES[".wav"]),
        ("动图.gif", b"GIF90a" + b"\x00" * 16),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_content_not_matching_its_extension_is_refused(cast, make_order, media, name, content):
    order = make_order()
    events = order.event_count
    with pytest.raises(OrderInputError) as caught:
        attachment_add(actor=cast.operator, order=order, upload=upload(name, content))
    assert caught.value.field == "file"
    assert_nothing_stored(order, media, events)


def test_an_empty_file_is_refused(cast, make_order, media):
    order = make_order()
    events = order.event_count
    with pytest.raises(OrderInputError) as caught:
        attachment_add(actor=cast.operator, order=order, upload=upload("空.txt", b""))
    assert caught.value.field == "file"
    assert_nothing_stored(order, media, events)


def test_a_file_over_the_size_limit_is_refused(cast, make_order, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    order = make_order()
    events = order.event_count
    with pytest.raises(OrderInputError) as caught:
        attachment_add(actor=cast.operator, order=order, upload=upload("大图.jpg", SAMPLES[".jpg"][:3] + b"\x00" * 1022))
    assert caught.value.field == "file"
    assert_nothing_stored(order, media, events)


def test_a_file_of_exactly_the_size_limit_is_accepted(cast, make_order, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    attachment = attachment_add(
        actor=cast.operator, order=make_order(), upload=upload("图.jpg", SAMPLES[".jpg"][:3] + b"\x00" * 1021)
    )
    assert attachment.size == 1024


def test_a_handler_of_another_unit_cannot_attach(cast, make_order, media):
    order = make_order(S.IN_PROGRESS)
    events = WorkOrder.objects.get(pk=order.pk).event_count
    with pytest.raises(PermissionDenied):
        attachment_add(actor=cast.urban_handler, order=order, upload=upload("a.jpg"))
    assert_nothing_stored(order, media, events)


def test_a_unit_cannot_attach_once_its_work_is_over(cast, make_order, media):
    order = make_order(S.AWAITING_CALLBACK)
    events = WorkOrder.objects.get(pk=order.pk).event_count
    with pytest.raises(PermissionDenied):
        attachment_add(actor=cast.housing_handler, order=order, upload=upload("a.jpg"))
    assert_nothing_stored(order, media, events)


@pytest.mark.parametrize("member", ["inspector", "leader", "admin"])
def test_centre_roles_that_do_not_handle_orders_cannot_attach(cast, make_order, media, member):
    order = make_order()
    with pytest.raises(PermissionDenied):
        attachment_add(actor=getattr(cast, member), order=order, upload=upload("a.jpg"))
    assert_nothing_stored(order, media, 1)


def test_a_permission_check_comes_before_the_file_check(cast, make_order, media):
    order = make_order(S.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        attachment_add(actor=cast.urban_handler, order=order, upload=upload("病毒.exe", b"MZ"))


@pytest.mark.parametrize("state", [S.MERGED, S.VOIDED])
def test_attaching_to_a_merged_or_voided_order_is_refused_and_stores_nothing(cast, make_order, media, state):
    from rexian.orders import services

    order = make_order()
    if state == S.MERGED:
        services.order_merge(actor=cast.operator, order=order, master=make_order())
    else:
        services.order_void(actor=cast.supervisor, order=order, reason="测试")
    events = WorkOrder.objects.get(pk=order.pk).event_count
    with pytest.raises(InvalidTransition):
        attachment_add(actor=cast.operator, order=order, upload=upload("a.jpg"))
    assert_nothing_stored(order, media, events)


def test_a_failure_after_the_file_is_stored_takes_it_out_again(cast, make_order, media, monkeypatch):
    from rexian.orders import attachments

    def broken_transition(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(attachments, "_transition", broken_transition)
    order = make_order()
    with pytest.raises(RuntimeError):
        attachment_add(actor=cast.operator, order=order, upload=upload("a.jpg"))
    assert_nothing_stored(order, media, 1)
