"""Orders told as stories: each step through the real services, at a chosen moment.

Time is controlled as in tests/orders/test_deadlines.py: the services' clock
(`services._now`) is a settable `Clock`, and the metrics are given `now=`.
Default deadline rules (catalog migration): sign within 1 working day, reply
to a complaint within 10 working days (a consultation 3), callback within 2.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rexian.analytics.metrics import period_metrics
from rexian.analytics.rollups import rollup_rebuild
from rexian.orders import services
from rexian.orders.models import WorkOrder
from tests import factories as f
from tests.conftest import register

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment in the centre's time zone."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class Story:
    """Drives orders through the services, each step at the moment given."""

    def __init__(self, cast, clock: Clock):
        self.cast, self.clock = cast, clock

    def _at(self, when: dt.datetime):
        self.clock.now = when

    @staticmethod
    def _fresh(order) -> WorkOrder:
        return WorkOrder.objects.get(pk=order.pk)

    def register(self, when, **overrides) -> WorkOrder:
        self._at(when)
        return register(self.cast, **overrides)

    def consultation(self, when, **overrides) -> WorkOrder:
        return self.register(when, appeal_type=f.appeal_type("consult"), **overrides)

    def answer(self, order, when, *, sample: bool = False) -> WorkOrder:
        self._at(when)
        services.order_answer_on_spot(actor=self.cast.operator, order=order, answer="已按政策答复。",
                                      sample_for_callback=sample)
        return self._fresh(order)

    def dispatch(self, order, when, *, lead=None, assisting=(), send: bool = True) -> WorkOrder:
        self._at(when)
        if send:
            services.order_send_to_dispatch(actor=self.cast.operator, order=order)
        services.order_dispatch(actor=self.cast.dispatcher, order=order, lead_unit=lead or self.cast.housing,
                                assisting_units=assisting)
        return self._fresh(order)

    def sign(self, order, when, *, handler=None) -> WorkOrder:
        self._at(when)
        services.order_sign(actor=handler or self.cast.housing_handler, order=order)
        return self._fresh(order)

    def reply(self, order, when, *, handler=None) -> WorkOrder:
        self._at(when)
        services.order_reply(actor=handler or self.cast.housing_handler, order=order, result="已处理。")
        return self._fresh(order)

    def accept(self, order, when) -> WorkOrder:
        self._at(when)
        services.reply_accept(actor=self.cast.dispatcher, order=order)
        return self._fresh(order)

    def reject_reply(self, order, when) -> WorkOrder:
        self._at(when)
        services.reply_reject(actor=self.cast.dispatcher, order=order, reason="答复不完整。")
        return self._fresh(order)

    def callback(self, order, when, satisfaction="satisfied", *, solved=True, responded=True) -> WorkOrder:
        self._at(when)
        services.callback_record(actor=self.cast.operator, order=order, satisfaction=satisfaction, solved=solved,
                                 responded_in_time=responded, note="回访记录。")
        return self._fresh(order)

    def callback_fails(self, order, when) -> WorkOrder:
        self._at(when)
        services.callback_fail(actor=self.cast.operator, order=order, note="无人接听。")
        return self._fresh(order)

    def extend(self, order, when, *, to: dt.datetime, approve: bool = True) -> WorkOrder:
        self._at(when)
        services.extension_request(actor=self.cast.housing_handler, order=order, new_deadline=to, reason="需现场勘查。")
        if approve:
            services.extension_approve(actor=self.cast.dispatcher, order=order)
        else:
            services.extension_reject(actor=self.cast.dispatcher, order=order, reason="时限足够。")
        return self._fresh(order)

    def give_back(self, order, when, *, approve: bool = True) -> WorkOrder:
        """退单: the lead unit asks to return the order; the dispatcher decides at the same moment."""
        self._at(when)
        services.return_request(actor=self.cast.housing_handler, order=order, reason="不属本单位职责。")
        if approve:
            services.return_approve(actor=self.cast.dispatcher, order=order)
        else:
            services.return_reject(actor=self.cast.dispatcher, order=order, reason="属于本单位职责。")
        return self._fresh(order)

    def rehandle(self, order, when) -> WorkOrder:
        self._at(when)
        services.order_rehandle(actor=self.cast.dispatcher, order=order, note="请重新办理。")
        return self._fresh(order)

    def void(self, order, when) -> WorkOrder:
        self._at(when)
        services.order_void(actor=self.cast.supervisor, order=order, reason="测试工单。")
        return self._fresh(order)

    def merge(self, order, master, when) -> WorkOrder:
        self._at(when)
        services.order_merge(actor=self.cast.dispatcher, order=order, master=master)
        return self._fresh(order)

    def handled(self, order, dispatched: dt.datetime, *, lead=None) -> WorkOrder:
        """Dispatched, signed an hour later and replied the next day, then accepted: waiting for the callback."""
        order = self.dispatch(order, dispatched, lead=lead)
        handler = self.cast.urban_handler if lead == self.cast.urban else None
        order = self.sign(order, dispatched + dt.timedelta(hours=1), handler=handler)
        order = self.reply(order, dispatched + dt.timedelta(days=1), handler=handler)
        return self.accept(order, dispatched + dt.timedelta(days=1, hours=1))


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(at(2025, 11, 3))
    monkeypatch.setattr(services, "_now", clock)
    return clock


@pytest.fixture
def story(cast, clock) -> Story:
    return Story(cast, clock)


def metrics(start: dt.date, end: dt.date, *, now: dt.datetime, **slices):
    """The period's metrics after rebuilding the rollups from the orders (the tests' events are not committed)."""
    rollup_rebuild()
    return period_metrics(start=start, end=end, now=now, **slices)
