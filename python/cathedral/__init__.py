"""Cathedral: simulate how a seller's relationships with its B2B accounts develop
on three layers (key decision makers, broad relationships, organisational
alignment) and what each plan of effort yields. See docs/model.md for the model.

    import cathedral
    scn = cathedral.Scenario.demo()
    res = cathedral.simulate(scn, cathedral.policies.tiered({...}), replications=1000)
    res.kpis()
"""
from . import activities, crm, policies, resources, shocks, tiers
from .attribute import Attribution, attribute
from .compare import Comparison, compare
from .crm import evaluate
from .policies import Observation, PolicyError
from . import _core
from ._core import ResourceError, ScenarioError
from .generate import generate_portfolio
from .results import Results
from .scenario import Scenario, scenario_schema
from .simulation import METRICS, FLOWS, STATES, MemoryLimitError, simulate

__all__ = [
    "Scenario", "scenario_schema", "simulate", "Results", "policies", "shocks", "compare", "Comparison", "attribute",
    "Attribution", "generate_portfolio", "crm", "evaluate",
    "ScenarioError", "ResourceError", "PolicyError", "Observation", "METRICS", "FLOWS", "STATES",
    "MemoryLimitError",
]
__version__ = _core.__version__  # the VERSION file, compiled into the engine
