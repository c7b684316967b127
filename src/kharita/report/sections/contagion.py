"""Contagion between branches: the multivariate Hawkes model's excitation and fit."""

from __future__ import annotations

from kharita.report import charts
from kharita.report.sections.base import BriefData, Chart, Section, Table

ID, TITLE = "contagion", "Contagion between branches"


def prefetch(data: BriefData) -> None:
    """Read the events of the brief's contagion fit now and fit it in a background thread
    while the sections before it run (:attr:`BriefData.contagion` collects it; the
    claims table needs it first)."""
    if "contagion" in data.__dict__:
        return
    try:
        job = data.contagion_job()
    except Exception:  # computed (and its error kept) in place, when first asked for
        return
    data.in_background("contagion", job)


def build(data: BriefData) -> Section:
    res = data.contagion
    fit = res.fit
    exc = fit.excitation.set_index("target")
    label = {b: charts.short_name(data.names.get(b, {}).get("en", b)) for b in exc.columns}
    exc = exc.rename(index=label, columns=label)
    heat = charts.heatmap_figure(exc, synthetic=data.synthetic, colorbar="alpha",
                                 title="Excitation: expected events in row branch triggered "
                                       "by one event in column branch")
    qq = charts.qq_figure(fit.qq, synthetic=data.synthetic, group="branch",
                          title="Goodness of fit: rescaled times against Exp(1)")
    summ = res.summary()
    intro = (f"A multivariate Hawkes model of {len(res.branches)} branches fitted on the "
             f"most recent years holding at most {data.contagion_max_events:,} events: "
             f"{summ['period_start']} to {summ['period_end']}, {summ['n_events']:,} events "
             f"({summ['method']}, {summ['time_handling']}). Branching ratio "
             f"{summ['branching_ratio']:.2f}; mean triggering delay "
             f"{summ['mean_trigger_time_days']:.1f} days.")
    tables = [Table("Where each branch's events come from (expected shares)",
                    fit.shares.round(3), caption=data.label("background = own, self = "
                                                            "triggered by own events, "
                                                            "other = by other branches.")),
              Table("Goodness of fit per branch (time-rescaling KS test)", fit.gof.round(4),
                    caption=data.label("A small p-value means the model does not fit that "
                                       "branch well; a bad fit is a result, not an error.")),
              Table("Model comparison", fit.comparison.round(2),
                    caption=data.label("Lower AIC/BIC is better."))]
    return Section(ID, TITLE, intro=data.label(intro),
                   charts=[Chart("contagion-heatmap", heat, data.label("Branching matrix.")),
                           Chart("contagion-qq", qq, data.label("Points on the diagonal = "
                                                                "good fit."))],
                   layout="pair", tables=tables, notes=list(res.notes))
