"""Expiry cut-offs: which lots count as usable stock, and until when a lot may be dispensed."""

from datetime import date

from logistics.core.expiry_cut_offs import CutOffs, Exclusion, exclusion, last_usable_day

TODAY = date(2026, 6, 1)


def test_a_lot_without_cut_offs_counts_until_it_expires():
    assert exclusion(date(2026, 6, 1), TODAY) is None  # usable through its expiry day
    assert exclusion(date(2026, 5, 31), TODAY) is Exclusion.EXPIRED
    assert exclusion(None, TODAY) is None


def test_stock_within_the_do_not_count_days_is_not_counted():
    cut_offs = CutOffs(do_not_count_days=30)
    assert exclusion(date(2026, 7, 1), TODAY, cut_offs) is None  # 30 days left
    assert exclusion(date(2026, 6, 30), TODAY, cut_offs) is Exclusion.DO_NOT_COUNT  # 29 days left


def test_a_lot_arriving_with_less_shelf_life_than_do_not_ship_is_not_shipped():
    cut_offs = CutOffs(do_not_ship_days=60)
    arrives = date(2026, 6, 20)
    assert exclusion(date(2026, 8, 19), TODAY, cut_offs, arrives) is None  # 60 days left on arrival
    assert exclusion(date(2026, 8, 18), TODAY, cut_offs, arrives) is Exclusion.DO_NOT_SHIP
    assert exclusion(date(2026, 8, 18), TODAY, cut_offs) is None  # on site already: shipping is past


def test_the_last_usable_day_is_expiry_less_the_do_not_dispense_days():
    assert last_usable_day(date(2026, 6, 30), CutOffs(do_not_dispense_days=10)) == date(2026, 6, 20)
    assert last_usable_day(date(2026, 6, 30)) == date(2026, 6, 30)


def test_cut_offs_out_of_range_are_named():
    assert CutOffs(do_not_count_days=-1, do_not_dispense_days=4000).problems() == [
        "do_not_count_days: between 0 and 3,650 days", "do_not_dispense_days: between 0 and 3,650 days"]
