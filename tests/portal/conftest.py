"""Shared fixtures of the portal tests: sample photos, a filled-in request form, test media storage."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories as f

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
CITIZEN_PHONE = "13912345678"
CITIZEN_NAME = "李四"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def photo(name: str = "photo.jpg", content: bytes = JPEG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def request_form(cast):
    """A complete, valid request as the citizen would post it; pass overrides to change fields."""

    def make(**overrides) -> dict:
        data = {
            "appeal_type": f.appeal_type("complaint").pk,
            "category": cast.property_service.pk,
            "title": "",
            "description": "幸福小区3号楼电梯停运两周，物业一直不予维修，老人出行十分困难。",
            "area": cast.town.pk,
            "address": "城东街道幸福小区3号楼",
            "caller_name": CITIZEN_NAME,
            "caller_phone": CITIZEN_PHONE,
            "website": "",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return make


def without_csrf(html: str) -> str:
    """A page's HTML with the per-request CSRF token taken out, to compare two responses."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
