"""The claims' contagion re-run (a yearly background) is fitted once, in the brief's
background contagion job beside the brief's fit; the claims table reuses it and its
verdicts are those of the check run on its own (issue 16)."""

from __future__ import annotations

import threading

from kharita.analysis.contagion import analysis as contagion
from kharita.analysis.frame import build_frame
from kharita.analysis.presets import PRESETS
from kharita.report.sections import SECTIONS, BriefData, build_sections
from kharita.store.base import open_store
from kharita.store.synthetic import insert_synthetic_events


def test_the_yearly_refit_runs_once_in_the_background(monkeypatch) -> None:
    store = open_store(":memory:")
    insert_synthetic_events(store, 5_000, seed=11)
    frame = build_frame(store)
    contagion._FITS.clear()
    calls: list[tuple[str, bool, bool]] = []  # (thread, yearly background, full fit)
    real = contagion.fit_hawkes

    def counted(*args, **kwargs):
        calls.append((threading.current_thread().name, len(kwargs["edges"]) > 2,
                      kwargs.get("goodness", True)))
        return real(*args, **kwargs)

    monkeypatch.setattr(contagion, "fit_hawkes", counted)
    data = BriefData(frame)
    specs = [s for s in SECTIONS if s.id in ("claims", "contagion")]
    claims, _ = build_sections(data, specs)
    assert claims.status == "ok", claims.reason
    # the brief's fit and beside it its yearly re-run (estimates only), both in the
    # background (the re-run in the job's second worker); the main thread fits only the
    # re-runs of other frames (the ambiguity rules: this store has joint labels), never
    # the yearly one again
    background = [c for c in calls if c[0].startswith("kharita-contagion")]
    assert sorted(background, key=lambda c: c[1]) == [
        ("kharita-contagion_0", False, True), ("kharita-contagion-refit_0", True, False)]
    assert [c for c in calls if c[1]] == [("kharita-contagion-refit_0", True, False)], calls
    table = claims.tables[0].df.set_index("check")
    # the brief's bounded settings are stated beside its verdicts (its placebo p-values
    # differ from `kharita check`'s 99 dates)
    assert f"{data.n_placebo} placebo dates" in claims.tables[0].caption
    # the same verdict as the check run on its own (its re-runs fitted in place)
    contagion._FITS.clear()
    monkeypatch.setattr(contagion, "fit_hawkes", real)
    alone = PRESETS["provinces-autonomy"].run(data.contagion_frame)
    assert table.loc["provinces-autonomy", "verdict"] == alone.verdict
    assert table.loc["provinces-autonomy", "why"] == alone.reason
    runs = alone.figures["sensitivity"]
    assert any(r["value"] == "yearly" for r in runs)
