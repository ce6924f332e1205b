from __future__ import annotations

import pytest

from rexian.units.models import Unit
from rexian.units.selectors import unit_names
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_unit_names_are_the_active_units_full_and_short_names():
    f.UnitFactory(code="ZJJ", name="泰兴市住房和城乡建设局", short_name="住建局")
    f.UnitFactory(code="CD", name="城东街道", kind=Unit.Kind.TOWN)
    f.UnitFactory(code="OLD", name="已撤销的单位", is_active=False)
    assert unit_names() == sorted(["泰兴市住房和城乡建设局", "住建局", "城东街道"])
