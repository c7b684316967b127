"""Decentralization indices over time (HHI, entropy, effective branches, core share)."""

from __future__ import annotations

from kharita.report import charts
from kharita.report.sections.base import BriefData, Chart, Section, Table
from kharita.views.periods import as_date, period_label

ID, TITLE = "decentralization", "Decentralization indices over time"


def build(data: BriefData) -> Section:
    from kharita.analysis.concentration import concentration

    conc = concentration(data.frame, freq=data.freq, n_boot=data.n_boot).copy()
    conc["period"] = [as_date(p) for p in conc["period"]]
    conc = conc.sort_values("period").reset_index(drop=True)
    measures = [m for m in ("hhi", "entropy_norm", "core_share") if m in conc]
    fig = charts.lines_figure(conc, x="period", ys=measures, freq=data.freq,
                              lows=[f"{m}_low" for m in measures],
                              highs=[f"{m}_high" for m in measures], synthetic=data.synthetic,
                              title="Concentration of activity across branches",
                              labels=["Herfindahl-Hirschman index", "normalised entropy",
                                      "core (Iraq + Syria) share"][:len(measures)],
                              y_title="index (0-1)")
    neff = [m for m in ("n_eff_hhi", "n_eff_entropy") if m in conc]
    fig2 = charts.lines_figure(conc, x="period", ys=neff, freq=data.freq,
                               lows=[f"{m}_low" for m in neff],
                               highs=[f"{m}_high" for m in neff], synthetic=data.synthetic,
                               title="Effective number of active branches",
                               labels=["1 / HHI", "exp(entropy)"][:len(neff)],
                               y_title="branches")
    cols = [c for c in ("period", "total", "n_active", "hhi", "hhi_low", "hhi_high",
                        "entropy_norm", "n_eff_hhi", "core_share", "core_share_low",
                        "core_share_high") if c in conc]
    table = conc[cols].round(3)
    table["period"] = [period_label(p, data.freq) for p in table["period"]]
    return Section(ID, TITLE,
                   intro=data.label("Per period: the Herfindahl-Hirschman index of the "
                                    "branches' shares of events (1 = one branch does "
                                    "everything), the normalised Shannon entropy (1 = evenly "
                                    "spread), the effective number of branches, and the "
                                    "core's share. Bands: 95% bootstrap intervals."),
                   charts=[Chart("decentralization", fig, data.label("Bands: bootstrap "
                                                                     "intervals.")),
                           Chart("effective-branches", fig2, data.label("Bands: bootstrap "
                                                                        "intervals."))],
                   layout="pair",
                   tables=[Table("Decentralization per period", table,
                                 caption=data.label("kharita.analysis.concentration."
                                                    "concentration"))])
