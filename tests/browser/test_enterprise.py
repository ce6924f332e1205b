"""一企来 in the browser: a supervisor enters, publishes and pushes a policy; an operator opens an enterprise's
profile from its request, reads the contact's number and records telling it of a policy."""

from __future__ import annotations

import re

import pytest

from rexian.enterprise.models import Enterprise, Policy, PolicyPush
from rexian.privacy.models import PersonalDataAccess
from tests.browser.support import exclusive_db, expect_message, follow, go
from tests.conftest import register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CODE = "91350100M000100Y43"


@pytest.fixture
def maker(cast):
    with exclusive_db():
        register(cast, enterprise_name="泰兴精工机械有限公司", enterprise_credit_code=CODE, title="企业电力增容进度缓慢")
        Enterprise.objects.filter(credit_code=CODE).update(
            industry="C", size="small", area=cast.town
        )
        enterprise = Enterprise.objects.get(credit_code=CODE)
        enterprise.contact_name, enterprise.contact_phone = "王建国", "13900001111"
        enterprise.save()
        return enterprise


def test_a_supervisor_enters_publishes_and_pushes_a_policy(page, sign_in, shot, cast, maker):
    sign_in(page, cast.supervisor)
    go(page, "一企来")
    shot(page, "queue")
    follow(page.get_by_role("navigation", name="一企来").get_by_role("link", name="涉企政策"))
    follow(page.get_by_role("link", name="录入政策"))
    page.get_by_label("政策名称").fill("制造业企业技术改造补贴")
    page.get_by_label("文号").fill("泰政办发〔2026〕12号")
    page.get_by_label("政策要点").fill("对年度技改投入500万元以上的制造业企业，按投入的10%给予补贴。")
    page.get_by_label("制造业").check()
    page.get_by_label("小型", exact=True).check()
    page.get_by_label("城东街道").check()
    shot(page, "policy-form")
    page.get_by_role("button", name="保存为草稿").click()
    expect_message(page, "已录入政策草稿")
    page.get_by_role("button", name="发布").click()
    expect_message(page, "政策已发布。")
    shot(page, "policy-published")
    assert "泰兴精工机械有限公司" in page.locator("#h-targets").locator("..").inner_text()
    page.get_by_label("推送方式").select_option(label="短信")
    page.get_by_role("button", name=re.compile("推送给 1 家企业")).click()
    expect_message(page, "已向 1 家企业推送。")
    shot(page, "policy-pushed")
    with exclusive_db():
        policy = Policy.objects.get()
        assert policy.status == "published"
        assert list(PolicyPush.objects.values_list("enterprise__credit_code", "channel")) == [(CODE, "sms")]


def test_an_operator_reads_the_contact_and_records_telling_the_enterprise(page, sign_in, shot, cast, maker):
    from rexian.enterprise.services import PolicyFields, policy_create, policy_publish

    with exclusive_db():
        policy = policy_create(actor=cast.supervisor, fields=PolicyFields("稳岗返还", "返还上年度失业保险费的50%。"))
        policy_publish(actor=cast.supervisor, policy=policy)
    sign_in(page, cast.operator)
    go(page, "一企来")
    follow(page.get_by_role("link", name="泰兴精工机械有限公司"))
    shot(page, "profile")
    assert page.locator("#enterprise-phone").inner_text() == "139****1111"
    page.get_by_role("button", name="显示号码").click()
    page.wait_for_function("() => document.querySelector('#enterprise-phone').textContent.includes('13900001111')")
    with exclusive_db():
        assert PersonalDataAccess.objects.filter(subject_type="enterprise", subject_id=CODE).count() == 1
    policies = page.locator("#policies").locator("..")
    policies.get_by_label("推送方式").select_option(label="电话")
    policies.get_by_role("button", name="记录告知").click()
    expect_message(page, "已记录向泰兴精工机械有限公司推送「稳岗返还」。")
    shot(page, "told")
    assert "已推送" in page.locator("#policies").locator("..").inner_text()
    with exclusive_db():
        assert PolicyPush.objects.get().pushed_by_id == cast.operator.pk


def test_the_intake_page_shows_the_enterprise_on_the_line(page, sign_in, shot, cast, maker):
    from rexian.enterprise.services import PolicyFields, policy_create, policy_publish

    with exclusive_db():
        policy = policy_create(actor=cast.supervisor, fields=PolicyFields("技改补贴", "技改投入补贴10%。", industries=("C",)))
        policy_publish(actor=cast.supervisor, policy=policy)
    sign_in(page, cast.operator)
    go(page, "受理")
    page.get_by_label("企业诉求").check()
    code = page.get_by_label("统一社会信用代码")
    code.fill(CODE[:-1] + "4")  # the check character mistyped
    page.wait_for_function("() => document.querySelector('#enterprise-panel').textContent.includes('校验不通过')")
    code.fill(CODE)
    page.wait_for_function("() => document.querySelector('#enterprise-panel').textContent.includes('技改补贴')")
    shot(page, "intake-enterprise")
    panel = page.locator("#enterprise-panel").inner_text()
    assert "泰兴精工机械有限公司" in panel and "历次诉求 1 件" in panel
    assert page.get_by_label("企业名称").input_value() == "泰兴精工机械有限公司"  # filled from the profile
