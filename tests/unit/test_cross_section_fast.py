"""`quality.cross_section` sorts the logs once and takes the deviations from the sorted logs (two
runs, merged in linear time): the same figures, to the bit, as the code it replaced (copied here)
on random cross-sections, ties, zeros and equal values included."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import quality as q


def _old_median(xs: Sequence[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _old_cross_section(values: Iterable[float]) -> q.CrossSection | None:
    logs = [math.log10(v) for v in values if v > 0]
    if len(logs) < q.OUTLIER_MIN_REGIONS:
        return None
    med = _old_median(logs)
    deviations = [abs(x - med) for x in logs]
    mad = _old_median(deviations)
    scale = mad / 0.6745 if mad > 0 else 1.253314 * sum(deviations) / len(deviations)
    return q.CrossSection(med, scale, len(logs)) if scale > 0 else None


# few distinct values make ties, equal halves and MAD 0 likely; wide floats make everything else
_small = st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0, 10.0, 1e6])
_wide = st.floats(min_value=0.0, max_value=1e15, allow_nan=False, allow_infinity=False)
_value = st.one_of(_small, _wide)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_value, max_size=60))
def test_cross_section_is_the_old_one(values: list[float]) -> None:
    assert q.cross_section(values) == _old_cross_section(values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=1e-3, max_value=1e9), min_size=500, max_size=3000))
def test_cross_section_is_the_old_one_at_county_scale(values: list[float]) -> None:
    assert q.cross_section(values) == _old_cross_section(values)


def test_cross_section_by_hand() -> None:
    # logs 0, 1, 2, 3, 6: median 2; deviations 2, 1, 0, 1, 4: MAD 1
    section = q.cross_section([1, 10, 100, 1000, 1e6])
    assert section is not None and section.median == 2.0 and section.scale == 1 / 0.6745
    # even count: logs 0, 1, 2, 3 -> median 1.5; deviations 1.5, 0.5, 0.5, 1.5 -> MAD 1.0
    section = q.cross_section([1, 10, 100, 1000, 0, 0])
    assert section is None  # four positive values: too few
    section = q.cross_section([1, 10, 100, 1000, 10000, 100000])
    # logs 0..5: median 2.5; deviations 2.5, 1.5, 0.5, 0.5, 1.5, 2.5 -> MAD 1.5
    assert section is not None and section.median == 2.5 and section.scale == 1.5 / 0.6745
