"""The PEKPPP figures of follow-up plans: completion share and speed, at the band edges."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from ikm import follow_up
from ikm.follow_up import Dated

JAN = (date(2026, 1, 1), date(2026, 1, 31))


@pytest.mark.parametrize("done, due, band", [
    (299, 1000, "kurang dari 30%"), (300, 1000, "30% - 80%"), (800, 1000, "30% - 80%"),
    (801, 1000, "lebih dari 80%"), (999, 1000, "lebih dari 80%"), (1000, 1000, "100%"),
    (0, 1, "kurang dari 30%"), (0, 0, None)])
def test_share_bands_at_their_edges(done, due, band):
    assert follow_up.share_band(done, due) == band


@pytest.mark.parametrize("days, band", [
    (0, "dalam 1 bulan"), (31, "dalam 1 bulan"), (32, "dalam 3 bulan"), (92, "dalam 3 bulan"),
    (183, "dalam 6 bulan"), (366, "dalam 1 tahun"), (367, "lebih dari 1 tahun"), (None, None)])
def test_speed_bands(days, band):
    assert follow_up.speed_band(days) == band


def test_figures_count_what_was_due_and_what_was_completed_in_the_period():
    made = date(2025, 12, 1)
    actions = [
        Dated("selesai", made, date(2026, 1, 10), date(2026, 1, 5)),  # 35 days
        Dated("selesai", made, date(2026, 1, 20), date(2026, 1, 25)),  # 55 days
        Dated("berjalan", made, date(2026, 1, 31), None),
        Dated("dibatalkan", made, date(2026, 1, 15), date(2026, 1, 2)),  # not counted
        Dated("selesai", made, date(2026, 2, 1), made + timedelta(days=10)),  # due, done later
    ]
    f = follow_up.figures(actions, *JAN)
    assert (f.due, f.done, f.share_band) == (3, 2, "30% - 80%")
    assert f.share == pytest.approx(66.67, abs=0.01)
    assert (f.completed, f.median_days, f.speed_band) == (2, 45.0, "dalam 3 bulan")


def test_a_period_without_actions_has_no_figures():
    f = follow_up.figures([], *JAN)
    assert (f.due, f.share, f.share_band, f.median_days, f.speed_band) == (0, None, None, None,
                                                                            None)
