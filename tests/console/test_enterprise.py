"""一企来 pages (rexian/console/views/enterprise.py): the enterprise queue, profiles and policies."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rexian.enterprise import services
from rexian.enterprise.models import Enterprise, Policy, PolicyPush
from rexian.enterprise.services import PolicyFields
from rexian.orders.models import WorkOrder
from rexian.privacy.models import PersonalDataAccess
from tests.conftest import register

pytestmark = pytest.mark.django_db
CODE, OTHER = "91350100M000100Y43", "91110000802100433B"
QUEUE = reverse("console:enterprise-queue")
PROFILES = reverse("console:enterprises")
POLICIES = reverse("console:policies")


@pytest.fixture(autouse=True)
def _on_commit(monkeypatch):
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def maker(cast):
    return Enterprise.objects.create(
        credit_code=CODE, name="泰兴精工机械有限公司", industry="C", size="small", area=cast.town,
        contact_name="王建国", contact_phone="13900001111",
    )


def _profile(code=CODE) -> str:
    return reverse("console:enterprise", args=[code])


def _policy(cast, publish=True, **fields) -> Policy:
    policy = services.policy_create(
        actor=cast.supervisor, fields=PolicyFields(**{"title": "技改补贴", "summary": "技改投入补贴10%。", **fields})
    )
    return services.policy_publish(actor=cast.supervisor, policy=policy) if publish else policy


# --- The queue ----------------------------------------------------------------------------------------------------


def test_the_queue_lists_enterprise_requests_only(signed_in, cast, maker):
    ours = register(cast, enterprise_name=maker.name, enterprise_credit_code=CODE, title="企业用电增容申请缓慢")
    register(cast, title="小区路灯不亮")
    page = signed_in(cast.operator).get(QUEUE)
    body = page.content.decode()
    assert page.status_code == 200
    assert ours.number in body and "小区路灯不亮" not in body
    assert _profile() in body  # the enterprise links to its profile


def test_a_bad_queue_filter_is_a_400(signed_in, cast):
    assert signed_in(cast.operator).get(QUEUE, {"tab": "nonsense"}).status_code == 400


@pytest.mark.parametrize("member", ["housing_handler", "housing_admin"])
def test_unit_staff_are_kept_out_of_the_desk(signed_in, cast, maker, member):
    client = signed_in(getattr(cast, member))
    for url in (QUEUE, PROFILES, _profile(), POLICIES):
        assert client.get(url).status_code == 403


def test_the_menu_offers_the_desk_to_the_centre_only(signed_in, cast):
    assert QUEUE in signed_in(cast.dispatcher).get(reverse("console:home")).content.decode()
    assert QUEUE not in signed_in(cast.housing_handler).get(reverse("console:home")).content.decode()


# --- Profiles -----------------------------------------------------------------------------------------------------


def test_profiles_are_found_by_name_with_their_request_counts(signed_in, cast, maker):
    register(cast, enterprise_name=maker.name, enterprise_credit_code=CODE)
    page = signed_in(cast.leader).get(PROFILES, {"q": "精工"})
    assert page.status_code == 200
    assert [row.enterprise for row in page.context["rows"]] == [maker]
    assert page.context["rows"][0].orders.open == 1


def test_a_bad_profile_filter_is_a_400_naming_it(signed_in, cast):
    page = signed_in(cast.operator).get(PROFILES, {"industry": "Z"})
    assert page.status_code == 400 and "行业门类" in page.content.decode()


def test_an_operator_creates_a_profile(signed_in, cast):
    client = signed_in(cast.operator)
    assert client.get(reverse("console:enterprise-new")).status_code == 200
    done = client.post(reverse("console:enterprise-new"), {
        "credit_code": OTHER.lower(), "name": "泰兴便民超市", "industry": "F", "size": "micro", "area": cast.town.pk,
        "contact_phone": "13900002222",
    })
    assert done.status_code == 302 and done["Location"] == _profile(OTHER)
    assert Enterprise.objects.get().contact_phone == "13900002222"


def test_a_mistyped_credit_code_comes_back_with_the_message(signed_in, cast):
    refused = signed_in(cast.operator).post(
        reverse("console:enterprise-new"), {"credit_code": "91350100M000100Y44", "name": "某公司"}
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "校验不通过" in body and "某公司" in body
    assert not Enterprise.objects.exists()


def test_a_dispatcher_reads_profiles_but_does_not_keep_them(signed_in, cast, maker):
    client = signed_in(cast.dispatcher)
    page = client.get(_profile())
    assert page.status_code == 200 and page.context["form"] is None
    assert client.post(_profile(), {"name": "改名"}).status_code == 403
    assert client.get(reverse("console:enterprise-new")).status_code == 403


def test_the_profile_shows_the_contact_masked_and_its_requests(signed_in, cast, maker):
    order = register(cast, enterprise_name=maker.name, enterprise_credit_code=CODE)
    page = signed_in(cast.operator).get(_profile(CODE.lower()))
    body = page.content.decode()
    assert page.status_code == 200
    assert "13900001111" not in body and "139****1111" in body and "王建国" not in body
    assert order.number in body
    assert not PersonalDataAccess.objects.exists()


def test_showing_the_contact_number_is_logged(signed_in, cast, maker):
    client = signed_in(cast.operator)
    shown = client.post(reverse("console:enterprise-contact", args=[CODE]))
    assert shown.status_code == 200 and "13900001111" in shown.content.decode()
    assert PersonalDataAccess.objects.filter(subject_type="enterprise", subject_id=CODE).count() == 1
    assert signed_in(cast.dispatcher).post(reverse("console:enterprise-contact", args=[CODE])).status_code == 403


def test_editing_a_profile_keeps_the_contact_left_blank(signed_in, cast, maker):
    done = signed_in(cast.operator).post(_profile(), {"name": "泰兴精工机械股份有限公司", "industry": "C", "size": "medium"})
    assert done.status_code == 302
    maker.refresh_from_db()
    assert (maker.name, maker.size, maker.contact_phone) == ("泰兴精工机械股份有限公司", "medium", "13900001111")


def test_a_refused_edit_shows_the_message_on_the_profile(signed_in, cast, maker):
    refused = signed_in(cast.operator).post(_profile(), {"name": "", "contact_phone": "12ab"})
    assert refused.status_code == 400
    assert "请填写企业名称" in refused.content.decode()
    maker.refresh_from_db()
    assert maker.name == "泰兴精工机械有限公司"


def test_an_unknown_profile_is_a_404(signed_in, cast):
    assert signed_in(cast.operator).get(_profile(OTHER)).status_code == 404


def test_an_operator_records_telling_the_enterprise_of_a_policy(signed_in, cast, maker):
    policy = _policy(cast, industries=("C",))
    client = signed_in(cast.operator)
    page = client.get(_profile()).content.decode()
    assert policy.title in page and reverse("console:enterprise-tell", args=[CODE, policy.pk]) in page
    done = client.post(reverse("console:enterprise-tell", args=[CODE, policy.pk]), {"channel": "phone"})
    assert done.status_code == 302
    assert PolicyPush.objects.get().pushed_by == cast.operator
    again = client.post(reverse("console:enterprise-tell", args=[CODE, policy.pk]), {"channel": "phone"})
    assert again.status_code == 400 and "推送过" in again.content.decode()


def test_telling_without_a_channel_is_a_400(signed_in, cast, maker):
    policy = _policy(cast)
    refused = signed_in(cast.operator).post(reverse("console:enterprise-tell", args=[CODE, policy.pk]), {})
    assert refused.status_code == 400 and "推送方式" in refused.content.decode()


# --- Policies -----------------------------------------------------------------------------------------------------


def test_a_supervisor_enters_a_policy_then_publishes_and_pushes_it(signed_in, cast, maker):
    client = signed_in(cast.supervisor)
    assert client.get(reverse("console:policy-new")).status_code == 200
    done = client.post(reverse("console:policy-new"), {
        "title": "制造业技改补贴", "document_number": "泰政办发〔2026〕12号", "summary": "按技改投入的10%补贴。",
        "industries": ["C"], "sizes": ["small", "micro"], "areas": [cast.town.pk], "valid_until": "2030-12-31",
    })
    policy = Policy.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("console:policy", args=[policy.pk])
    assert (policy.status, policy.industries, policy.sizes) == ("draft", ",C,", ",micro,small,")
    client.post(reverse("console:policy-step", args=[policy.pk, "publish"]))
    page = client.get(reverse("console:policy", args=[policy.pk]))
    assert page.context["reach"].waiting == 1 and maker.name in page.content.decode()
    pushed = client.post(reverse("console:policy-step", args=[policy.pk, "push"]), {"channel": "sms"}, follow=True)
    assert "已向 1 家企业推送" in pushed.content.decode()
    assert PolicyPush.objects.filter(policy=policy, enterprise=maker, channel="sms").exists()


def test_a_refused_policy_keeps_what_was_typed(signed_in, cast):
    refused = signed_in(cast.supervisor).post(reverse("console:policy-new"), {
        "title": "稳岗返还", "summary": "", "valid_from": "2026-05-01", "valid_until": "2026-04-01",
    })
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "请填写政策要点" in body and "稳岗返还" in body
    assert not Policy.objects.exists()


def test_an_end_before_the_start_is_refused_beside_the_field(signed_in, cast):
    refused = signed_in(cast.supervisor).post(reverse("console:policy-new"), {
        "title": "稳岗返还", "summary": "返还失业保险费。", "valid_from": "2026-05-01", "valid_until": "2026-04-01",
    })
    assert refused.status_code == 400 and "截止日期不能早于生效日期" in refused.content.decode()


def test_an_operator_reads_policies_but_does_not_enter_or_push_them(signed_in, cast, maker):
    policy = _policy(cast)
    client = signed_in(cast.operator)
    page = client.get(POLICIES)
    assert page.status_code == 200 and policy.title in page.content.decode()
    assert client.get(reverse("console:policy-new")).status_code == 403
    assert client.post(reverse("console:policy-step", args=[policy.pk, "push"]), {"channel": "sms"}).status_code == 403
    assert not PolicyPush.objects.exists()


def test_policy_tabs_and_search(signed_in, cast):
    _policy(cast, title="稳岗返还")
    _policy(cast, title="首次创业补贴", publish=False)
    client = signed_in(cast.supervisor)
    assert [p.title for p in client.get(POLICIES).context["rows"]] == ["稳岗返还"]
    assert [p.title for p in client.get(POLICIES, {"tab": "draft"}).context["rows"]] == ["首次创业补贴"]
    assert client.get(POLICIES, {"q": "创业"}).context["rows"] == []
    assert client.get(POLICIES, {"tab": "bogus"}).status_code == 400


def test_a_step_the_status_refuses_is_a_400_and_an_unknown_one_too(signed_in, cast):
    policy = _policy(cast)
    client = signed_in(cast.supervisor)
    again = client.post(reverse("console:policy-step", args=[policy.pk, "publish"]))
    assert again.status_code == 400 and "只有草稿可以发布" in again.content.decode()
    assert client.post(reverse("console:policy-step", args=[policy.pk, "delete"])).status_code == 400


def test_editing_a_policy_changes_its_tags(signed_in, cast):
    policy = _policy(cast, industries=("C",))
    client = signed_in(cast.admin)
    form = client.get(reverse("console:policy-edit", args=[policy.pk]))
    assert form.status_code == 200 and form.context["form"].initial["industries"] == ["C"]
    done = client.post(reverse("console:policy-edit", args=[policy.pk]), {
        "title": policy.title, "summary": policy.summary, "industries": ["C", "E"],
    })
    assert done.status_code == 302
    policy.refresh_from_db()
    assert policy.industries == ",C,E,"


def test_opening_a_policy_step_goes_back_to_the_policy(signed_in, cast):
    policy = _policy(cast)
    opened = signed_in(cast.supervisor).get(reverse("console:policy-step", args=[policy.pk, "push"]))
    assert opened.status_code == 302 and opened["Location"] == reverse("console:policy", args=[policy.pk])


def test_an_english_user_gets_the_desk_in_english(signed_in, cast, maker):
    cast.operator.language = "en"
    cast.operator.save()
    body = signed_in(cast.operator).get(_profile()).content.decode()
    assert "Enterprise profiles" in body and "Manufacturing" in body


def test_the_order_page_links_to_the_enterprise_profile(signed_in, cast, maker):
    order = register(cast, enterprise_name=maker.name, enterprise_credit_code=CODE)
    assert WorkOrder.objects.get(pk=order.pk).caller_is_enterprise
    page = signed_in(cast.operator).get(reverse("console:order", args=[order.number])).content.decode()
    assert _profile() in page



def test_a_confidential_enterprise_request_does_not_name_the_enterprise_to_the_unit(signed_in, cast, maker, make_order):
    from rexian.orders.transitions import State

    order = make_order(State.IN_PROGRESS, confidential=True, enterprise_name=maker.name, enterprise_credit_code=CODE)
    unit_page = signed_in(cast.housing_handler).get(reverse("console:order", args=[order.number]))
    assert unit_page.status_code == 200
    body = unit_page.content.decode()
    assert maker.name not in body and CODE not in body
    assert maker.name in signed_in(cast.operator).get(reverse("console:order", args=[order.number])).content.decode()


# --- At intake ----------------------------------------------------------------------------------------------------

PANEL = reverse("console:intake-enterprise")


def test_the_intake_panel_says_a_mistyped_code_at_once(signed_in, cast):
    client = signed_in(cast.operator)
    assert "已输入 8 位" in client.get(PANEL, {"enterprise_credit_code": "91350100"}).content.decode()
    wrong = client.get(PANEL, {"enterprise_credit_code": "91350100M000100Y44"}).content.decode()
    assert "校验不通过" in wrong


def test_the_intake_panel_shows_a_known_enterprise_its_requests_and_policies(signed_in, cast, maker):
    order = register(cast, enterprise_name=maker.name, enterprise_credit_code=CODE)
    policy = _policy(cast, title="研发费用加计扣除", industries=("C",))
    _policy(cast, title="餐饮纾困", industries=("H",))
    body = signed_in(cast.operator).get(PANEL, {"enterprise_credit_code": CODE.lower()}).content.decode()
    assert maker.name in body and _profile() in body
    assert order.number in body and "历次诉求 1 件，未办结 1 件" in body
    assert policy.title in body and "餐饮纾困" not in body


def test_the_intake_panel_welcomes_an_enterprise_calling_first(signed_in, cast):
    body = signed_in(cast.operator).get(PANEL, {"enterprise_credit_code": OTHER}).content.decode()
    assert "首次来电的企业" in body


def test_the_intake_panel_is_for_those_who_take_calls(signed_in, cast):
    assert signed_in(cast.dispatcher).get(PANEL, {"enterprise_credit_code": CODE}).status_code == 403


def test_the_intake_page_asks_for_the_panel_from_the_code_field(signed_in, cast):
    page = signed_in(cast.operator).get(reverse("console:intake")).content.decode()
    assert f'hx-get="{PANEL}"' in page and 'id="enterprise-panel"' in page


def test_policies_are_found_by_words_of_their_summary_and_flagged_when_ending_soon(signed_in, cast):
    import datetime as dt

    from django.utils import timezone

    _policy(cast, title="稳岗返还", summary="返还上年度失业保险费。", valid_until=timezone.localdate() + dt.timedelta(days=10))
    _policy(cast, title="技改补贴", summary="技改投入补贴10%。")
    page = signed_in(cast.operator).get(POLICIES, {"q": "失业保险"})
    assert [p.title for p in page.context["rows"]] == ["稳岗返还"]
    assert "即将到期" in page.content.decode()
    assert "即将到期" not in signed_in(cast.operator).get(POLICIES, {"q": "技改"}).content.decode()
