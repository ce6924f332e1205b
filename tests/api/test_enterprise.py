"""一企来 in the API: enterprise profiles, the desk's queue, policies and their pushes, with their errors."""

from __future__ import annotations

import pytest

from rexian.enterprise.models import Enterprise, Industry, Policy, PolicyPush, Size
from rexian.enterprise.services import PolicyFields, policy_create, policy_publish, policy_push_one
from rexian.orders import services
from tests.api.conftest import client_for
from tests.conftest import register

pytestmark = pytest.mark.django_db

# Codes that pass the GB 32100 check.
MAKER_CODE, SHOP_CODE, NEW_CODE = "91350100M000100Y43", "91110000802100433B", "91321283MA1ABCDE2B"
CONTACT_PHONE = "13900001111"


@pytest.fixture
def maker(cast):
    """A small manufacturer in 城东街道 (the cast's town), with a contact."""
    return Enterprise.objects.create(
        credit_code=MAKER_CODE, name="泰兴精工机械有限公司", industry=Industry.C, size=Size.SMALL, area=cast.town,
        contact_name="王经理", contact_phone=CONTACT_PHONE,
    )


@pytest.fixture
def shop(cast):
    """A micro retailer whose area the desk does not know."""
    return Enterprise.objects.create(credit_code=SHOP_CODE, name="泰兴便民超市", industry=Industry.F, size=Size.MICRO)


@pytest.fixture
def make_policy(cast):
    def make(*, publish=True, **overrides):
        fields = dict(title="小微企业六税两费减免", summary="对小型微利企业减半征收六税两费。")
        fields.update(overrides)
        policy = policy_create(actor=cast.supervisor, fields=PolicyFields(**fields))
        return policy_publish(actor=cast.supervisor, policy=policy) if publish else policy

    return make


def _enterprise_order(cast, code: str = MAKER_CODE):
    return register(cast, caller_is_enterprise=True, enterprise_name="泰兴精工机械有限公司", enterprise_credit_code=code)


def _new_profile(**overrides) -> dict:
    return {"credit_code": NEW_CODE, "name": "泰兴某科技有限公司", "industry": "I", "size": "micro", **overrides}


def _policy_body(**overrides) -> dict:
    return {"title": "稳岗返还", "summary": "不裁员或少裁员的企业返还失业保险费。", **overrides}


# --- Profiles: the list --------------------------------------------------------------------------------------------


def test_the_list_gives_each_profile_with_its_order_counts(cast, maker, shop):
    _enterprise_order(cast)
    response = client_for(cast.dispatcher).get("/api/v1/enterprises/")
    assert response.status_code == 200
    rows = {row["credit_code"]: row for row in response.json()["results"]}
    assert (rows[MAKER_CODE]["orders"]["all"], rows[MAKER_CODE]["orders"]["open"]) == (1, 1)
    assert rows[SHOP_CODE]["orders"] == {"all": 0, "open": 0, "last_at": None}
    assert rows[MAKER_CODE]["area"] == {"code": cast.town.code, "name": cast.town.name}
    assert response.json()["next"] is None


def test_the_list_filters_by_industry_size_and_area(cast, maker, shop):
    client = client_for(cast.operator)

    def names(query: str) -> list[str]:
        return [row["name"] for row in client.get(f"/api/v1/enterprises/?{query}").json()["results"]]

    assert names("industry=F") == [shop.name]
    assert names("size=small") == [maker.name]
    assert names(f"area={cast.city.code}") == [maker.name]  # the town is under the city


def test_the_list_finds_a_profile_by_part_of_its_name_or_its_whole_code(cast, maker, shop):
    client = client_for(cast.operator)
    assert [r["name"] for r in client.get("/api/v1/enterprises/?q=精工").json()["results"]] == [maker.name]
    assert [r["name"] for r in client.get(f"/api/v1/enterprises/?q={SHOP_CODE.lower()}").json()["results"]] == [
        shop.name
    ]


def test_an_unknown_filter_value_is_a_400_naming_it(cast):
    client = client_for(cast.operator)
    industry = client.get("/api/v1/enterprises/?industry=Z")
    assert industry.status_code == 400 and list(industry.json()["fields"]) == ["industry"]
    area = client.get("/api/v1/enterprises/?area=NOPE")
    assert area.status_code == 400 and list(area.json()["fields"]) == ["area"]


def test_a_unit_handler_may_not_see_the_desk(cast, maker, make_policy):
    client = client_for(cast.housing_handler)
    policy = make_policy()
    for url in (
        "/api/v1/enterprises/",
        f"/api/v1/enterprises/{MAKER_CODE}/",
        f"/api/v1/enterprises/{MAKER_CODE}/orders/",
        "/api/v1/enterprise-queue/",
        "/api/v1/policies/",
        f"/api/v1/policies/{policy.pk}/",
        f"/api/v1/policies/{policy.pk}/targets/",
    ):
        response = client.get(url)
        assert response.status_code == 403 and response.json()["code"] == "permission_denied", url


# --- Profiles: create --------------------------------------------------------------------------------------------


def test_an_operator_creates_a_profile_with_the_code_normalised(cast):
    body = _new_profile(credit_code=f" {NEW_CODE.lower()} ", area=cast.community.code)
    response = client_for(cast.operator).post("/api/v1/enterprises/", body, format="json")
    assert response.status_code == 201, response.json()
    made = response.json()
    assert (made["credit_code"], made["industry_label"], made["size"]) == (NEW_CODE, "信息传输、软件和信息技术服务业", "micro")
    assert response["Location"] == made["url"] == f"/api/v1/enterprises/{NEW_CODE}/"
    assert Enterprise.objects.get(credit_code=NEW_CODE).area == cast.community


def test_a_credit_code_that_fails_its_check_is_a_400_naming_it(cast):
    response = client_for(cast.operator).post(
        "/api/v1/enterprises/", _new_profile(credit_code="91350100M000100Y44"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input" and "校验不通过" in response.json()["fields"]["credit_code"][0]
    assert not Enterprise.objects.exists()


def test_a_credit_code_already_on_file_is_a_400(cast, maker):
    response = client_for(cast.operator).post(
        "/api/v1/enterprises/", _new_profile(credit_code=MAKER_CODE), format="json"
    )
    assert response.status_code == 400 and "已建档" in response.json()["fields"]["credit_code"][0]


def test_an_area_that_is_not_a_town_or_community_is_a_400(cast):
    response = client_for(cast.operator).post(
        "/api/v1/enterprises/", _new_profile(area=cast.housing.code), format="json"
    )
    assert response.status_code == 400 and list(response.json()["fields"]) == ["area"]


def test_an_unknown_industry_is_a_400_naming_it(cast):
    response = client_for(cast.operator).post("/api/v1/enterprises/", _new_profile(industry="Z"), format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"industry": ["行业门类不正确。"]}


def test_a_name_that_is_not_text_is_a_400(cast):
    response = client_for(cast.operator).post("/api/v1/enterprises/", _new_profile(name=123), format="json")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["name"]


def test_a_dispatcher_may_not_create_profiles(cast):
    response = client_for(cast.dispatcher).post("/api/v1/enterprises/", _new_profile(), format="json")
    assert response.status_code == 403 and "企业档案" in response.json()["message"]
    assert not Enterprise.objects.exists()


# --- Profiles: one -------------------------------------------------------------------------------------------------


def test_the_profile_masks_the_contact(cast, maker):
    response = client_for(cast.supervisor).get(f"/api/v1/enterprises/{MAKER_CODE}/")
    assert response.status_code == 200
    assert (response.json()["contact_name"], response.json()["contact_phone"]) == ("王**", "139****1111")
    assert CONTACT_PHONE not in response.content.decode()


def test_the_list_masks_the_contact_too(cast, maker):
    response = client_for(cast.supervisor).get("/api/v1/enterprises/")
    assert response.json()["results"][0]["contact_phone"] == "139****1111"
    assert CONTACT_PHONE not in response.content.decode()


def test_the_profile_gives_its_order_counts(cast, maker):
    _enterprise_order(cast)
    orders = client_for(cast.operator).get(f"/api/v1/enterprises/{MAKER_CODE}/").json()["orders"]
    assert (orders["all"], orders["open"]) == (1, 1) and orders["last_at"]


def test_the_profile_lists_the_policies_in_force_for_it_and_whether_it_was_told(cast, maker, make_policy):
    told = make_policy(title="制造业技改补贴", industries=("C",))
    policy_push_one(actor=cast.operator, policy=told, enterprise=maker, channel="phone")
    make_policy(title="批发零售消费券", industries=("F",))  # another industry's
    make_policy(title="尚未发布的政策", publish=False)
    policies = client_for(cast.operator).get(f"/api/v1/enterprises/{MAKER_CODE}/").json()["policies"]
    assert [(p["title"], p["told"]) for p in policies] == [("制造业技改补贴", True)]


def test_the_profile_lists_the_latest_pushes_to_it(cast, maker, make_policy):
    policy = make_policy()
    policy_push_one(actor=cast.operator, policy=policy, enterprise=maker, channel="sms")
    pushes = client_for(cast.operator).get(f"/api/v1/enterprises/{MAKER_CODE}/").json()["pushes"]
    assert [(p["policy"], p["policy_title"], p["channel"], p["channel_label"], p["pushed_by"]) for p in pushes] == [
        (policy.pk, policy.title, "sms", "短信", str(cast.operator))
    ]


def test_a_lower_case_code_finds_the_profile(cast, maker):
    assert client_for(cast.operator).get(f"/api/v1/enterprises/{MAKER_CODE.lower()}/").status_code == 200


@pytest.mark.parametrize("code", [NEW_CODE, "nope!", "9" * 19])
def test_an_unknown_credit_code_is_a_404(cast, maker, code):
    response = client_for(cast.operator).get(f"/api/v1/enterprises/{code}/")
    assert response.status_code == 404 and response.json()["message"] == "企业档案不存在。"


# --- Profiles: edit --------------------------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(cast, maker):
    response = client_for(cast.operator).patch(
        f"/api/v1/enterprises/{MAKER_CODE}/", {"address": "城东工业园8号", "size": "medium"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["address"], response.json()["size"]) == ("城东工业园8号", "medium")
    maker.refresh_from_db()
    assert (maker.name, maker.industry, maker.area, maker.contact_phone) == (
        "泰兴精工机械有限公司", "C", cast.town, CONTACT_PHONE
    )


def test_patch_may_clear_the_area(cast, maker):
    response = client_for(cast.operator).patch(f"/api/v1/enterprises/{MAKER_CODE}/", {"area": None}, format="json")
    assert response.status_code == 200 and response.json()["area"] is None


def test_patch_with_a_bad_phone_is_a_400_naming_it_and_changes_nothing(cast, maker):
    response = client_for(cast.operator).patch(
        f"/api/v1/enterprises/{MAKER_CODE}/", {"contact_phone": "139abc", "note": "改"}, format="json"
    )
    assert response.status_code == 400 and list(response.json()["fields"]) == ["contact_phone"]
    maker.refresh_from_db()
    assert (maker.contact_phone, maker.note) == (CONTACT_PHONE, "")


def test_patch_does_not_change_the_credit_code(cast, maker):
    response = client_for(cast.operator).patch(
        f"/api/v1/enterprises/{MAKER_CODE}/", {"credit_code": NEW_CODE}, format="json"
    )
    assert response.status_code == 200 and response.json()["credit_code"] == MAKER_CODE


def test_a_dispatcher_may_not_edit_a_profile(cast, maker):
    response = client_for(cast.dispatcher).patch(
        f"/api/v1/enterprises/{MAKER_CODE}/", {"name": "改名"}, format="json"
    )
    assert response.status_code == 403
    maker.refresh_from_db()
    assert maker.name == "泰兴精工机械有限公司"


def test_patching_an_unknown_profile_is_a_404(cast):
    response = client_for(cast.operator).patch(f"/api/v1/enterprises/{NEW_CODE}/", {"name": "某"}, format="json")
    assert response.status_code == 404


# --- Orders of the desk --------------------------------------------------------------------------------------------


def test_an_enterprise_s_orders_are_listed_as_the_other_order_lists_list_them(cast, maker, shop):
    order = _enterprise_order(cast)
    _enterprise_order(cast, SHOP_CODE)
    client = client_for(cast.operator)
    response = client.get(f"/api/v1/enterprises/{MAKER_CODE}/orders/")
    assert response.status_code == 200
    body = response.json()
    assert [row["number"] for row in body["results"]] == [order.number]
    assert body["counts"] == {"all": 1, "open": 1} and body["next"] is None
    usual = client.get("/api/v1/orders/").json()["results"][0]
    assert set(body["results"][0]) == set(usual)
    assert body["results"][0]["caller"]["phone"] == "138****8000"


def test_the_orders_of_an_unknown_enterprise_are_a_404(cast):
    assert client_for(cast.operator).get(f"/api/v1/enterprises/{NEW_CODE}/orders/").status_code == 404


def test_the_queue_gives_the_open_enterprise_orders_with_counts(cast, make_order):
    order = _enterprise_order(cast)
    make_order()  # a citizen's, not an enterprise's
    response = client_for(cast.dispatcher).get("/api/v1/enterprise-queue/")
    assert response.status_code == 200
    assert [row["number"] for row in response.json()["results"]] == [order.number]
    assert response.json()["counts"] == {"open": 1, "overdue": 0}


def test_the_queue_s_all_tab_keeps_closed_orders(cast):
    order = _enterprise_order(cast)
    services.order_answer_on_spot(actor=cast.operator, order=order, answer="已告知办理流程。", sample_for_callback=False)
    client = client_for(cast.dispatcher)
    assert client.get("/api/v1/enterprise-queue/?tab=open").json()["results"] == []
    assert [r["number"] for r in client.get("/api/v1/enterprise-queue/?tab=all").json()["results"]] == [order.number]


def test_an_unknown_queue_tab_is_a_400_naming_it(cast):
    response = client_for(cast.dispatcher).get("/api/v1/enterprise-queue/?tab=later")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["tab"]


# --- Policies: enter, list, read ------------------------------------------------------------------------------------


def test_a_supervisor_enters_a_policy_as_a_draft(cast):
    body = _policy_body(
        industries=["C", "F"], sizes=["small", "micro"], areas=[cast.town.code], issuer=cast.housing.code,
        valid_from="2025-01-01", link="https://www.example.gov.cn/zc/1.html",
    )
    response = client_for(cast.supervisor).post("/api/v1/policies/", body, format="json")
    assert response.status_code == 201, response.json()
    made = response.json()
    assert (made["status"], made["industries"], made["sizes"]) == ("draft", ["C", "F"], ["micro", "small"])
    assert made["areas"] == [{"code": cast.town.code, "name": cast.town.name}]
    assert made["issuer"]["code"] == cast.housing.code and made["created_by"] == str(cast.supervisor)
    assert response["Location"] == made["url"] == f"/api/v1/policies/{made['id']}/"


def test_an_operator_may_not_enter_policies(cast):
    response = client_for(cast.operator).post("/api/v1/policies/", _policy_body(), format="json")
    assert response.status_code == 403 and "值班长" in response.json()["message"]
    assert not Policy.objects.exists()


def test_a_policy_area_that_is_not_a_town_is_a_400_naming_areas(cast):
    response = client_for(cast.supervisor).post(
        "/api/v1/policies/", _policy_body(areas=[cast.community.code]), format="json"
    )
    assert response.status_code == 400 and list(response.json()["fields"]) == ["areas"]


def test_an_unknown_industry_tag_is_a_400_naming_its_place(cast):
    response = client_for(cast.supervisor).post(
        "/api/v1/policies/", _policy_body(industries=["C", "Z"]), format="json"
    )
    assert response.status_code == 400 and list(response.json()["fields"]) == ["industries.1"]


def test_an_end_before_the_start_is_a_400_naming_valid_until(cast):
    body = _policy_body(valid_from="2025-06-01", valid_until="2025-05-31")
    response = client_for(cast.supervisor).post("/api/v1/policies/", body, format="json")
    assert response.status_code == 400 and response.json()["fields"] == {"valid_until": ["截止日期不能早于生效日期。"]}


def test_a_policy_without_a_summary_is_a_400_naming_it(cast):
    response = client_for(cast.supervisor).post("/api/v1/policies/", {"title": "稳岗返还"}, format="json")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["summary"]


def test_the_policy_list_shows_the_tab_asked_for(cast, make_policy):
    make_policy(title="在实施的政策")
    make_policy(title="草稿政策", publish=False)
    client = client_for(cast.operator)
    assert [p["title"] for p in client.get("/api/v1/policies/").json()["results"]] == ["在实施的政策"]
    drafts = client.get("/api/v1/policies/?tab=draft").json()["results"]
    assert [(p["title"], p["status"], p["push_count"]) for p in drafts] == [("草稿政策", "draft", 0)]
    assert client.get("/api/v1/policies/?tab=ended").json()["results"] == []


def test_the_policy_list_finds_by_title(cast, make_policy):
    make_policy(title="稳岗返还")
    make_policy(title="技改补贴")
    titles = [p["title"] for p in client_for(cast.operator).get("/api/v1/policies/?q=技改").json()["results"]]
    assert titles == ["技改补贴"]


def test_a_policy_shows_its_reach(cast, maker, shop, make_policy):
    policy = make_policy(industries=("C", "F"))
    policy_push_one(actor=cast.operator, policy=policy, enterprise=shop, channel="phone")
    response = client_for(cast.leader).get(f"/api/v1/policies/{policy.pk}/")
    assert response.status_code == 200
    assert response.json()["reach"] == {"matched": 2, "told": 1, "waiting": 1}


@pytest.mark.parametrize("policy_id", ["999999", "abc", "-1"])
def test_an_unknown_policy_is_a_404(cast, policy_id):
    response = client_for(cast.operator).get(f"/api/v1/policies/{policy_id}/")
    assert response.status_code == 404 and response.json()["message"] == "政策不存在。"


# --- Policies: edit, publish, withdraw ------------------------------------------------------------------------------


def test_patch_changes_only_the_policy_fields_sent(cast, make_policy):
    policy = make_policy(publish=False, industries=("C",), areas=(cast.town,))
    response = client_for(cast.supervisor).patch(
        f"/api/v1/policies/{policy.pk}/", {"title": "新标题", "sizes": ["small"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title"], body["summary"], body["industries"], body["sizes"]) == (
        "新标题", policy.summary, ["C"], ["small"]
    )
    assert [area["code"] for area in body["areas"]] == [cast.town.code]


def test_an_operator_may_not_edit_a_policy(cast, make_policy):
    policy = make_policy(publish=False)
    response = client_for(cast.operator).patch(f"/api/v1/policies/{policy.pk}/", {"title": "改"}, format="json")
    assert response.status_code == 403


def test_a_supervisor_publishes_a_draft(cast, make_policy):
    policy = make_policy(publish=False)
    response = client_for(cast.supervisor).post(f"/api/v1/policies/{policy.pk}/publish/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_label"]) == ("published", "已发布")
    assert response.json()["published_at"]


def test_publishing_a_published_policy_is_a_409(cast, make_policy):
    policy = make_policy()
    response = client_for(cast.supervisor).post(f"/api/v1/policies/{policy.pk}/publish/")
    assert response.status_code == 409 and response.json()["code"] == "invalid_step"
    assert "只有草稿可以发布" in response.json()["message"]


def test_a_supervisor_withdraws_a_published_policy(cast, make_policy):
    policy = make_policy()
    response = client_for(cast.supervisor).post(f"/api/v1/policies/{policy.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_a_withdrawn_policy_cannot_be_edited(cast, make_policy):
    policy = make_policy()
    client = client_for(cast.supervisor)
    client.post(f"/api/v1/policies/{policy.pk}/withdraw/")
    response = client.patch(f"/api/v1/policies/{policy.pk}/", {"title": "改"}, format="json")
    assert response.status_code == 409 and "已撤回" in response.json()["message"]


def test_an_operator_may_not_publish(cast, make_policy):
    policy = make_policy(publish=False)
    assert client_for(cast.operator).post(f"/api/v1/policies/{policy.pk}/publish/").status_code == 403
    policy.refresh_from_db()
    assert policy.status == Policy.Status.DRAFT


# --- Pushes ---------------------------------------------------------------------------------------------------------


def test_a_push_tells_every_matching_enterprise_once(cast, maker, shop, make_policy):
    policy = make_policy()
    client = client_for(cast.supervisor)
    response = client.post(f"/api/v1/policies/{policy.pk}/push/", {"channel": "platform"}, format="json")
    assert response.status_code == 200 and response.json() == {"pushed": 2}
    again = client.post(f"/api/v1/policies/{policy.pk}/push/", {"channel": "sms"}, format="json")
    assert again.json() == {"pushed": 0}
    assert PolicyPush.objects.filter(policy=policy).count() == 2


def test_a_push_needs_a_channel(cast, make_policy):
    policy = make_policy()
    response = client_for(cast.supervisor).post(f"/api/v1/policies/{policy.pk}/push/", {}, format="json")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["channel"]


def test_a_draft_is_not_pushed(cast, maker, make_policy):
    policy = make_policy(publish=False)
    response = client_for(cast.supervisor).post(
        f"/api/v1/policies/{policy.pk}/push/", {"channel": "sms"}, format="json"
    )
    assert response.status_code == 409 and "已发布且在有效期内" in response.json()["message"]
    assert not PolicyPush.objects.exists()


def test_an_operator_may_not_push_to_every_enterprise(cast, maker, make_policy):
    policy = make_policy()
    response = client_for(cast.operator).post(f"/api/v1/policies/{policy.pk}/push/", {"channel": "sms"}, format="json")
    assert response.status_code == 403
    assert not PolicyPush.objects.exists()


def test_an_operator_tells_one_enterprise(cast, maker, make_policy):
    policy = make_policy(industries=("F",))  # its tags need not name the enterprise
    response = client_for(cast.operator).post(
        f"/api/v1/policies/{policy.pk}/push/{MAKER_CODE}/", {"channel": "phone"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["enterprise"], response.json()["channel"]) == (MAKER_CODE, "phone")
    assert PolicyPush.objects.get().pushed_by == cast.operator


def test_one_enterprise_is_not_told_twice(cast, maker, make_policy):
    policy = make_policy()
    client = client_for(cast.operator)
    client.post(f"/api/v1/policies/{policy.pk}/push/{MAKER_CODE}/", {"channel": "phone"}, format="json")
    again = client.post(f"/api/v1/policies/{policy.pk}/push/{MAKER_CODE}/", {"channel": "sms"}, format="json")
    assert again.status_code == 409 and "已向该企业推送过" in again.json()["message"]


def test_telling_an_unknown_enterprise_is_a_404(cast, make_policy):
    policy = make_policy()
    response = client_for(cast.operator).post(
        f"/api/v1/policies/{policy.pk}/push/{NEW_CODE}/", {"channel": "phone"}, format="json"
    )
    assert response.status_code == 404


def test_a_dispatcher_may_not_tell_an_enterprise(cast, maker, make_policy):
    policy = make_policy()
    response = client_for(cast.dispatcher).post(
        f"/api/v1/policies/{policy.pk}/push/{MAKER_CODE}/", {"channel": "phone"}, format="json"
    )
    assert response.status_code == 403


def test_the_targets_are_whom_the_tags_reach_each_with_whether_told(cast, maker, shop, make_policy):
    policy = make_policy(areas=(cast.town,))  # the shop's area is unknown
    policy_push_one(actor=cast.operator, policy=policy, enterprise=maker, channel="visit")
    response = client_for(cast.dispatcher).get(f"/api/v1/policies/{policy.pk}/targets/")
    assert response.status_code == 200
    assert [(t["credit_code"], t["told"], t["contact_phone"]) for t in response.json()["results"]] == [
        (MAKER_CODE, True, "139****1111")
    ]
    assert CONTACT_PHONE not in response.content.decode()


def test_the_pushes_say_who_was_told_how_and_by_whom(cast, maker, make_policy):
    policy = make_policy()
    policy_push_one(actor=cast.operator, policy=policy, enterprise=maker, channel="visit")
    response = client_for(cast.dispatcher).get(f"/api/v1/policies/{policy.pk}/pushes/")
    assert response.status_code == 200
    assert [
        (p["enterprise"], p["enterprise_name"], p["channel_label"], p["pushed_by"]) for p in response.json()["results"]
    ] == [(MAKER_CODE, maker.name, "上门", str(cast.operator))]


def test_a_bad_page_is_a_400_naming_it(cast, make_policy):
    policy = make_policy()
    response = client_for(cast.dispatcher).get(f"/api/v1/policies/{policy.pk}/pushes/?page=0")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["page"]

