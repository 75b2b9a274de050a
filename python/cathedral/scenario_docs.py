"""docs/scenario.schema.json and docs/scenario-format.md, generated from the field tables that the
scenario loader reads (core/src/schema_scenario.cpp). Regenerate both with `make scenario-docs`, or:

    python -m cathedral schema --out docs/scenario.schema.json
    python -m cathedral schema --markdown --out docs/scenario-format.md
"""
from __future__ import annotations

import json

from . import _core

REGENERATE = "make scenario-docs"

INTRO = """\
# The scenario file format

<!-- Generated from the loader's field tables (core/src/schema_scenario.cpp) by
     `make scenario-docs`; edit the tables, not this file. -->

A scenario is one JSON object: the accounts of a portfolio, the resources to
work them, optionally unit costs, parameters, tier thresholds, shocks and a
policy. The model behind each field is in [docs/model.md](model.md).

Load one with `cathedral.Scenario.load(path)` (or `from_dict`, or
`load_scenario` in C++). Every problem is reported at once, each naming the
field by its path: `accounts[3].contacts[0].influence: must be >= 0, got -1`.
A key the loader does not know is an error too, with a did-you-mean hint. A
field left out takes its default; a *required* field must be given. Numbers
are finite JSON numbers; an integer may also be written as `52.0`.
`Scenario.to_dict()` and `save()` write every field, defaults included, so a
round trip loses nothing.

The tables below list every field of every object: its type, its valid
values (domain), its default and what it means. The same tables give the JSON
Schema [scenario.schema.json](scenario.schema.json) (draft 2020-12, also
`cathedral.scenario_schema()`), which is as strict as the loader on each
field: types, domains, names, required and unknown keys. Rules that tie
fields together (unique ids, references to account and contact ids, weeks
within the horizon) are listed under each object; only the loader checks
them.
"""

# A small scenario with one of most things; tests/python/test_schema.py loads it.
EXAMPLE = """\
{
  "name": "two accounts",
  "horizon_weeks": 104,
  "seed": 42,
  "accounts": [
    {"id": "acme", "name": "Acme Corp", "wallet": 1200, "fit": 0.8, "staff": 400,
     "contacts": [
       {"id": "ceo", "role": "decision_maker", "influence": 3, "intimacy": 0.4, "support": 0.2},
       {"id": "cto", "role": "technical", "intimacy": 0.2, "support": -0.1}
     ],
     "pipeline": [{"size": 90, "decision_week": 6}]},
    {"id": "globex", "wallet": 300, "fit": 0.3}
  ],
  "resources": {"account_managers": 2, "executive_days_per_year": 40, "budget_per_year": 500},
  "params": {"turnover_per_year": 0.2},
  "tiering": {"S": {"min_wallet": 1000}},
  "shocks": [{"type": "contact_leaves", "account": "acme", "contact": "cto", "week": 30}],
  "policy": {"type": "tiered", "templates": {
    "S": {"social_hours": 2, "value_hours": 3, "visits": 1, "pursue_agreement": true},
    "A": {"value_hours": 2, "visits": 0.5},
    "B": {"visits": 0.5},
    "C": {},
    "cash_flow": {"service_hours": 0.5}
  }}
}
"""


def schema_text() -> str:
    """The text of docs/scenario.schema.json."""
    return json.dumps(_core.scenario_schema(), indent=2, ensure_ascii=False) + "\n"


def _link(section: str) -> str:
    return f"[{section}](#{section.lower()})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _type(field: dict) -> str:
    ref = field["ref"]
    if not ref:
        return field["type"]
    if field["type"] == "list":
        return f"list of {_link(ref)}"
    if field["type"] == "map":
        return f"map of {_link(ref)}"
    return _link(ref)


def _domain(field: dict) -> str:
    domain = field["domain"]
    if field["type"] == "enum" and domain and not domain.startswith('"'):
        return ", ".join(f"`{v}`" for v in domain.split(", "))
    if domain.startswith('"'):
        return f"`{domain}`"
    return domain


def _default(field: dict) -> str:
    """A JSON value in code style; words (required, or a default described) as they are."""
    text = field["default"]
    try:
        json.loads(text)
    except ValueError:
        return text
    return f"`{text}`"


def _section(s: dict) -> list[str]:
    lines = [f"### {s['name']}", "", f"**{s['title']}.** {s['doc']}", ""]
    if s["variants"]:
        lines += ["One of these, by `type`:", ""]
        lines += [f"- `{v['value']}`: {_link(v['ref'])}" for v in s["variants"]]
        lines.append("")
    if s["fields"]:
        grouped = any(f["group"] for f in s["fields"])
        head = (["group"] if grouped else []) + ["field", "type", "domain", "default", "meaning"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for f in s["fields"]:
            row = ([f["group"]] if grouped else []) + [f"`{f['name']}`", _type(f), _domain(f), _default(f), f["doc"]]
            lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
        lines.append("")
    if s["rules"]:
        lines += ["Checked by the loader, not by the JSON Schema:", ""]
        lines += [f"- {r}" for r in s["rules"]]
        lines.append("")
    return lines


def format_markdown() -> str:
    """The text of docs/scenario-format.md."""
    lines = [INTRO, "## Example", "", "```json", EXAMPLE.rstrip("\n"), "```", "", "## Objects", "",
             "The top level is a " + _link("scenario") + "; the other objects follow in the order it refers "
             "to them.", ""]
    for section in _core.scenario_format():
        lines += _section(section)
    return "\n".join(lines).rstrip("\n") + "\n"
