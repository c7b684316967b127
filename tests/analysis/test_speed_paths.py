"""The brief's speed paths give the figures of the plain computation (issue 16): a
light contagion re-fit (estimates only), shock tables whose network series pandas shares
instead of copying, igraph imported without matplotlib."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from kharita.analysis.frame import build_frame
from kharita.store.base import open_store
from kharita.store.synthetic import insert_synthetic_events


@pytest.fixture(scope="module")
def frame():
    store = open_store(":memory:")
    insert_synthetic_events(store, 6_000, seed=5)
    return build_frame(store, start="2021-01-01")


def test_light_refit_is_the_full_fit(frame) -> None:
    from kharita.analysis.contagion.analysis import _FITS, contagion_analysis

    _FITS.clear()
    full = contagion_analysis(frame, jitter_seeds=1, background="yearly")
    light = contagion_analysis(frame, jitter_seeds=1, background="yearly", light=True)
    assert light is not full and light.fit.params.B == full.fit.params.B > 1
    assert light.fit.gof is None and light.fit.comparison is None  # estimates only
    assert full.fit.gof is not None and full.fit.comparison is not None
    assert light.fit.loglik == full.fit.loglik and light.fit.n_iter == full.fit.n_iter
    np.testing.assert_array_equal(light.fit.share_matrix, full.fit.share_matrix)
    np.testing.assert_array_equal(light.fit.params.vector(), full.fit.params.vector())
    # cached apart: a caller asking for the full fit never gets the light one
    again = contagion_analysis(frame, jitter_seeds=1, background="yearly")
    assert again.fit.gof is not None


def test_shock_table_shares_its_network_series(frame) -> None:
    from kharita.analysis.shocks import SharedAttr, shocks

    res = shocks(frame, n_placebo=5)
    series = res.attrs["network_series"]
    assert isinstance(series, SharedAttr) and len(series["week"]) > 0
    # every pandas operation used to deep-copy it (thousands of copies per brief)
    assert res.iloc[:2].attrs["network_series"] is series
    assert next(iter(res.itertuples())) is not None
    assert res[res.series == "network"].attrs["network_series"] is series


def test_igraph_is_imported_without_matplotlib() -> None:
    code = ("import sys; from kharita.analysis.structure import _import_igraph, "
            "betweenness_centralization; import networkx as nx; ig = _import_igraph(); "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'; "
            "assert betweenness_centralization(nx.star_graph(4)) == 1.0; "
            "import importlib.util; "
            "ok = importlib.util.find_spec('matplotlib') is None or "
            "__import__('matplotlib').__name__ == 'matplotlib'; print(ok)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"  # matplotlib itself still importable afterwards


def test_comparable_copies_nothing_when_nothing_is_cut(frame, monkeypatch) -> None:
    import pandas as pd

    from kharita.analysis import coverage
    from kharita.analysis.geography import region_shares

    c = coverage.comparable(frame)
    assert c.testable and c.frame is not None
    assert c.frame.base == frame.base  # every row comparable: no copy of the base
    shares = region_shares(frame)
    # the same figures as over the restricted copy the frame used to get
    monkeypatch.setattr(coverage, "_within", lambda *_a: False)
    copied = coverage.comparable(frame)
    assert copied.frame is not None and copied.frame.base.startswith("kh_cov_")
    assert (copied.start, copied.end, copied.reason) == (c.start, c.end, c.reason)
    monkeypatch.setattr(coverage, "comparable_once", lambda *_a, **_k: copied)
    pd.testing.assert_frame_equal(region_shares(frame).reset_index(drop=True),
                                  shares.reset_index(drop=True))
