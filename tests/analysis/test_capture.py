"""Capture–recapture (kharita.analysis.capture): closed forms, errors, and recovery of a
planted total by two and three simulated sources."""

from __future__ import annotations

import numpy as np
import pytest

from kharita.analysis.capture import capture_histories, chapman, estimate, loglinear
from kharita.errors import UserInputError


def test_chapman_closed_form() -> None:
    e = chapman(60, 50, 30)
    assert e.total == pytest.approx(61 * 51 / 31 - 1)
    assert e.se ** 2 == pytest.approx(61 * 51 * 30 * 20 / (31 ** 2 * 32))
    assert e.observed == 80 and e.lower >= 80 and e.lower < e.total < e.upper
    assert any("independent" in a for a in e.assumptions)
    assert e.as_dict()["missed"] == pytest.approx(e.total - 80)


def test_complete_overlap_means_nothing_missed() -> None:
    e = chapman(40, 40, 40)
    assert e.total == pytest.approx(40) and e.lower == e.upper == pytest.approx(40)


def test_bad_counts_are_refused() -> None:
    with pytest.raises(UserInputError):
        chapman(10, 5, 6)
    with pytest.raises(UserInputError):
        loglinear({(True, False): 3, (False, True): 4, (True, True): 1})
    with pytest.raises(UserInputError):
        chapman(10, 10, 5, level=1.5)


def test_histories_and_dispatch() -> None:
    h = capture_histories({"ucdp": [1, 2, 3, 4], "acled": [3, 4, 5]})
    assert h == {(True, False): 2, (True, True): 2, (False, True): 1}
    e = estimate(h, sources=["ucdp", "acled"])
    assert e.method == "chapman" and e.sources == ("ucdp", "acled")
    assert e.total == pytest.approx(5 * 4 / 3 - 1)


def test_loglinear_recovers_an_exact_independent_table() -> None:
    # Expected counts of N = 1000 under independence with p = (0.5, 0.4, 0.3).
    p = (0.5, 0.4, 0.3)
    n = 1000
    h = {}
    for bits in [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)]:
        if any(bits):
            h[tuple(bool(x) for x in bits)] = round(n * np.prod(
                [pi if x else 1 - pi for pi, x in zip(p, bits, strict=True)]))
    e = loglinear(h)
    assert e.total == pytest.approx(n, rel=0.01)
    pairs = loglinear(h, interactions=True)
    assert pairs.method == "loglinear+pairs" and pairs.total == pytest.approx(n, rel=0.05)


def _simulate(rng: np.random.Generator, n: int, probs: tuple[float, ...]
              ) -> dict[tuple[bool, ...], int]:
    seen = rng.random((n, len(probs))) < np.array(probs)
    out: dict[tuple[bool, ...], int] = {}
    for row in seen[seen.any(axis=1)]:
        key = tuple(bool(x) for x in row)
        out[key] = out.get(key, 0) + 1
    return out


@pytest.mark.slow
@pytest.mark.parametrize("probs", [(0.5, 0.4), (0.4, 0.3, 0.5)])
def test_planted_total_is_covered(probs: tuple[float, ...]) -> None:
    """100 simulated reporting rounds of N = 600 incidents: the 95 % interval covers
    N in at least 90 % of them."""
    rng = np.random.default_rng(1)
    n, reps = 600, 100
    covered = 0
    for _ in range(reps):
        e = estimate(_simulate(rng, n, probs))
        covered += e.lower <= n <= e.upper
    assert covered >= 90, f"{covered}/{reps} intervals cover the planted total"
