"""Appeal types, urgencies and channels named in the reader's language: an optional English name (英文名称)
beside the Chinese one, shown where the active language is English."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.utils import translation

from rexian.catalog.defaults import install_english_names
from rexian.catalog.models import AppealType, Channel, Urgency

pytestmark = pytest.mark.django_db


def test_the_standard_rows_come_with_english_names():
    assert not AppealType.objects.filter(name_en="").exists()
    assert list(Urgency.objects.values_list("name_en", flat=True)) == ["Normal", "Urgent", "Very urgent"]
    assert Channel.objects.get(code="mayor_mailbox").name_en == "Leaders' mailbox"
    assert not Channel.objects.filter(name_en="").exists()


@pytest.mark.parametrize(("language", "expected"), [("en", "Whistle-blowing"), ("zh-hans", "举报")])
def test_a_row_is_named_in_the_active_language(language, expected):
    report = AppealType.objects.get(code="report")
    with translation.override(language):
        assert report.label == str(report) == expected


def test_an_english_reader_gets_the_chinese_name_of_a_row_without_an_english_one():
    fax = Channel.objects.create(code="fax", name="传真")
    with translation.override("en"):
        assert fax.label == str(fax) == "传真"


def test_english_names_are_given_only_to_standard_rows_not_named_in_english_yet():
    Channel.objects.filter(code="web").update(name="政府网站", name_en="")  # renamed by the centre
    Channel.objects.filter(code="sms").update(name_en="Text message")  # named by the centre
    Channel.objects.filter(code="phone").update(name_en="")  # still the standard row

    install_english_names(apps)

    names = dict(Channel.objects.values_list("code", "name_en"))
    assert (names["web"], names["sms"], names["phone"]) == ("", "Text message", "Phone")
