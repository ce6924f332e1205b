from rexian.orders.transitions import State, replay


def test_an_order_walks_its_whole_ordinary_life(make_order):
    order = make_order(State.CLOSED)
    assert order.state == State.CLOSED
    assert replay(list(order.events.order_by("seq"))) == State.CLOSED
