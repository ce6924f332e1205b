from __future__ import annotations

import pytest

from rexian.units.models import Unit
from rexian.units.selectors import dispatch_units, unit_names
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_unit_names_are_the_active_units_full_and_short_names():
    f.UnitFactory(code="ZJJ", name="泰兴市住房和城乡建设局", short_name="住建局")
    f.UnitFactory(code="CD", name="城东街道", kind=Unit.Kind.TOWN)
    f.UnitFactory(code="OLD", name="已撤销的单位", is_active=False)
    assert unit_names() == sorted(["泰兴市住房和城乡建设局", "住建局", "城东街道"])


def test_dispatch_units_list_bureaus_first_then_each_town_with_its_communities(cast):
    water = f.UnitFactory(code="SW", name="水务集团", kind=Unit.Kind.UTILITY, parent=cast.city)
    listed = list(dispatch_units())
    kinds = [unit.kind for unit in listed]
    assert kinds.index(Unit.Kind.BUREAU) < listed.index(water) < kinds.index(Unit.Kind.TOWN)
    assert listed.index(cast.town) + 1 == listed.index(cast.community)  # a town, then its communities
    assert cast.centre not in listed or listed.index(cast.centre) > listed.index(cast.community)
    assert all(unit.accepts_orders and unit.is_active for unit in listed)
