"""Cathedral: simulate how a seller's relationships with its B2B accounts develop
on three layers (key decision makers, broad relationships, organisational
alignment) and what each plan of effort yields. See docs/model.md for the model.

    import cathedral
    scn = cathedral.Scenario.demo()
    res = cathedral.simulate(scn, cathedral.policies.tiered({...}), replications=1000)
    res.kpis()
"""
from . import activities, crm, layers, policies, resources, shocks, tiers
from .attribute import Attribution, attribute
from .compare import Comparison, compare
from .crm import evaluate
from .demand import FitWarning, ScenarioWarning
from .policies import Observation, PolicyError
from . import _core
from ._core import ResourceError, ScenarioError
from .generate import generate_portfolio
from . import optimizer  # the module; cathedral.optimize is its function
from .optimizer import Frontier, Optimization, OptimizationError, frontier, marginal_values, minimum_resources, optimize
from .results import Results
from .scenario import Scenario, scenario_schema
from .simulation import METRICS, FLOWS, STATES, MemoryLimitError, simulate
from . import experiments  # noqa: E402 (after simulate: it builds on it)

__all__ = [
    "Scenario", "scenario_schema", "simulate", "Results", "policies", "shocks", "layers", "compare", "Comparison", "attribute",
    "Attribution", "generate_portfolio", "crm", "evaluate",
    "optimize", "Optimization", "OptimizationError", "marginal_values", "frontier", "Frontier", "minimum_resources",
    "ScenarioError", "ResourceError", "FitWarning", "ScenarioWarning", "PolicyError", "Observation", "METRICS", "FLOWS", "STATES",
    "MemoryLimitError",
]
__version__ = _core.__version__  # the VERSION file, compiled into the engine
