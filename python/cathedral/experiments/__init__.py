"""Experiments at scale: uncertain inputs, designs, runs over many points and plans (on the
engine's threads or a Dask cluster), global sensitivity (Sobol, Morris), tornado and robust plan
choice. See docs/experiments.md.

    from cathedral import experiments as ex
    inputs = [ex.Uncertainty("params.turnover_per_year", ex.uniform(0.1, 0.3)),
              ex.Uncertainty("accounts.wallet", ex.triangular(0.8, 1.0, 1.3), how="scale")]
    res = ex.run(scn, ex.sobol(inputs, 256), mode="mean_field", by="year")
    ex.sobol_indices(res, outcome="contribution")
"""
from ._analysis import morris_indices, regret, robustness, sobol_indices, tornado
from ._designs import Design, from_dataframe, full_factorial, lhs, morris, sobol
from ._inputs import (Distribution, Uncertainty, choice, field_bounds, integers, lognormal, normal, triangular,
                      uniform)
from ._plots import plot_regret, plot_scatter, plot_sobol, plot_tornado
from ._run import ExperimentResults, run

__all__ = [
    "Uncertainty", "Distribution", "uniform", "triangular", "normal", "lognormal", "choice", "integers",
    "field_bounds", "Design", "full_factorial", "lhs", "sobol", "morris", "from_dataframe", "run",
    "ExperimentResults", "sobol_indices", "morris_indices", "tornado", "robustness", "regret",
    "plot_tornado", "plot_sobol", "plot_regret", "plot_scatter",
]
