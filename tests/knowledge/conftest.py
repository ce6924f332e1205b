"""A small knowledge base on top of the cast (tests/conftest.py).

    kb.general (综合知识), kb.hr (人社 section of the 12333 line)
    kb.fund_withdraw   公积金提取 Q&A, owned by cast.housing (住建局), published
    kb.fund_loan       公积金贷款 Q&A, published
    kb.ss_card         社保卡补办 Q&A in the 12333 section, published
    kb.pension         灵活就业养老保险 article in the 12333 section, published
    kb.expired         an article whose validity ended yesterday (published)
    kb.draft           a draft
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from rexian.catalog.models import Line
from rexian.knowledge import services
from rexian.knowledge.models import Article, Section


@dataclass
class KB:
    general: Section
    hr: Section
    fund_withdraw: Article
    fund_loan: Article
    ss_card: Article
    pension: Article
    expired: Article
    draft: Article


def write(cast, section, title, body, *, question="", publish=True, **fields) -> Article:
    return services.article_create(
        actor=cast.admin, section=section, title=title, body=body,
        question=question or f"{title}？", publish=publish, **fields,
    )


@pytest.fixture
def kb(cast) -> KB:
    today = timezone.localdate()
    general = Section.objects.create(code="general", name="综合知识")
    hr = Section.objects.create(code="12333", name="人社服务（12333）", line=Line.objects.get(code="12333"), sort_order=10)
    expired = write(
        cast, general, "公积金提取旧办法", body="按旧办法提取住房公积金须单位盖章。",
        valid_from=today - dt.timedelta(days=400), valid_until=today + dt.timedelta(days=30),
    )
    # Lapsed since yesterday (publishing refuses an article whose validity has ended).
    Article.objects.filter(pk=expired.pk).update(valid_until=today - dt.timedelta(days=1))
    expired.refresh_from_db()
    return KB(
        general=general,
        hr=hr,
        fund_withdraw=write(
            cast, general, "购买自住住房提取住房公积金", owner_unit=cast.housing,
            question="买房了公积金怎么取出来？需要什么材料？",
            body="职工购买、建造、翻建、大修自住住房的，本人及配偶可申请提取住房公积金。"
            "需提供购房合同、购房发票和身份证，线上审核通过后3个工作日内到账。",
            keywords="公积金提取 购房提取",
        ),
        fund_loan=write(
            cast, general, "住房公积金贷款额度",
            body="申请住房公积金贷款须连续足额缴存6个月。单方缴存最高50万元，双方缴存最高70万元。",
            keywords="公积金贷款 额度",
        ),
        ss_card=write(
            cast, hr, "社会保障卡遗失挂失与补办", question="社保卡丢了怎么办？",
            body="社保卡遗失后请先拨打12333挂失，再到合作银行网点补领，一般当场取卡。",
            keywords="社保卡 挂失 补办",
        ),
        pension=write(
            cast, hr, "灵活就业人员参加职工养老保险", kind=Article.Kind.ARTICLE,
            body="个体经营和灵活就业人员可以个人身份参加企业职工基本养老保险，缴费比例为20%，其中8%记入个人账户。"
            "也可同时参加医疗保险。",
            keywords="灵活就业 养老保险",
        ),
        expired=expired,
        draft=write(cast, general, "公积金提取新规（草稿）", body="提取住房公积金的新规定，尚未发布。", publish=False),
    )

