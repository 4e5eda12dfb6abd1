"""Hypothesis strategies: small problems and rosters shaped like real ones."""

from __future__ import annotations

from hypothesis import strategies as st

from peermatch.matching.graph import Problem


@st.composite
def problems(draw: st.DrawFn, max_people: int = 24, forbid: bool = False) -> Problem:
    """People on one or two scales, a few levels, professions, organisations and sites."""
    n = draw(st.integers(0, max_people))
    levels = draw(st.integers(1, 4))
    professions = draw(st.integers(1, 5))
    scales = draw(st.sampled_from([1, 1, 1, 2]))
    scale = draw(st.lists(st.integers(0, scales - 1), min_size=n, max_size=n))
    step = draw(st.lists(st.integers(0, levels - 1), min_size=n, max_size=n))
    prof = draw(st.lists(st.integers(0, professions - 1), min_size=n, max_size=n))
    org = draw(st.lists(st.integers(-1, 3), min_size=n, max_size=n))
    site = draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n))
    forbidden: dict[int, set[int]] = {}
    if forbid and n >= 2:
        for a, b in draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=n)):
            if a != b:
                forbidden.setdefault(a, set()).add(b)
                forbidden.setdefault(b, set()).add(a)
    max_gap = draw(st.sampled_from([1, 1, 0, 2]))
    return Problem(scale=scale, step=step, prof=prof, org=org, site=site, max_gap=max_gap, forbidden=forbidden)
