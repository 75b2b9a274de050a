"""Load a CRM export (a folder of CSV files) and check it row by row.

Every problem is reported with its file, line (the header is line 1) and
column. By default a bad row is dropped or repaired and the problem goes to
the data-quality report (nothing is dropped silently); with ``strict=True`` the
first problem raises CRMError.
"""
from __future__ import annotations

import csv
import difflib
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .. import _core

# file -> (required columns, columns that may be empty)
SCHEMA = {
    "accounts.csv": (["account_id", "name", "wallet", "wallet_growth", "staff", "fit", "fit_target",
                      "capability_match", "competitor_strength", "tier", "strategy_reviewed_on"],
                     {"name", "tier", "strategy_reviewed_on"}),
    "contacts.csv": (["account_id", "contact_id", "name", "role", "influence", "intimacy", "support", "stance",
                      "target_cell"],
                     {"name", "role", "intimacy", "support", "target_cell"}),
    "people.csv": (["person_id", "name", "role", "fte"], {"name"}),
    "activities.csv": (["date", "person_id", "account_id", "contact_id", "type", "hours", "money",
                        "minutes_filed_on", "score"],
                       {"person_id", "contact_id", "hours", "money", "minutes_filed_on", "score"}),
    "deals.csv": (["deal_id", "account_id", "opened_on", "decision_on", "size", "status", "margin"],
                  {"opened_on", "decision_on", "margin"}),
    "complaints.csv": (["account_id", "opened_on", "closed_on"], {"closed_on"}),
}
FILES = tuple(SCHEMA)
# Without the accounts nothing else can be read (every other table refers to them): a missing
# accounts.csv, or a required column missing from it, is an error also when not strict.
ESSENTIAL = ("accounts.csv",)
ACTIVITY_TYPES = ("social", "value", "visit", "service", "benchmarking", "exec_visit", "agreement_signed",
                  "jic_opened", "jic_closed", "survey")
PERSON_ROLES = ("account_manager", "executive", "specialist")
DEAL_STATUSES = ("open", "won", "lost")
TIERS = tuple(_core.TIER_LABELS[:4])  # S, A, B, C (docs/model.md §6)
MODEL_ROLES = tuple(_core.ROLES)  # docs/model.md §2.2
GRID_CELLS = tuple(_core.GRID_CELLS)  # intimacy/support, e.g. high/supportive (docs/model.md §6)
ACCOUNT_NUMBERS = ("wallet_growth", "staff", "fit", "fit_target", "capability_match", "competitor_strength")


def _model_domains() -> dict:
    """(lo, hi, lo_open) of the scenario's own fields, read from the engine's field
    tables (its JSON Schema): the model's domains are written once, in core."""
    defs = _core.scenario_schema()["$defs"]
    out = {}
    for obj, names in (("account", ("wallet",) + ACCOUNT_NUMBERS),
                       ("contact", ("influence", "intimacy", "support", "stance")), ("deal", ("size",))):
        for name in names:
            prop = defs[obj]["properties"][name]
            lo_open = "exclusiveMinimum" in prop
            out[name] = (prop.get("exclusiveMinimum", prop.get("minimum")), prop.get("maximum"), lo_open)
    return out


# (lo, hi, lo_open) domains of the numbers: the model's fields from the engine
# (docs/model.md §2), then the columns only the CRM export has.
_DOMAINS = {
    **_model_domains(),
    # bounds far above any real record that keep sums finite (a value of 1e308 would load and
    # overflow later): an activity's hours, money
    "fte": (0.0, None, True), "hours": (0.0, 1000.0, False), "money": (0.0, 1e12, False),
    "score": (0.0, 1.0, False), "margin": (-1.0, 1.0, False),
}


class CRMError(ValueError):
    """A problem in a CRM export (strict mode), naming the file, line and column."""


class CRMWarning(UserWarning):
    """A problem in a CRM export that drops a whole file or column (a missing file, a missing
    required column): warned on the console as well as listed in CRM.quality."""


class _Checker:
    def __init__(self, strict: bool):
        self.strict = strict
        self.rows: list[dict] = []

    @staticmethod
    def where(file, line, column) -> str:
        where = f"{file}, line {line}" if line is not None else file
        return f"{where}, column {column}" if column else where

    def problem(self, file, line, column, problem, action, warn: bool = False):
        if self.strict:
            raise CRMError(f"{self.where(file, line, column)}: {problem}")
        if warn:  # a whole file or column lost: say so on the console, not only in the table
            warnings.warn(CRMWarning(f"{self.where(file, line, column)}: {problem}; {action}"), stacklevel=5)
        self.rows.append({"file": file, "line": line, "column": column, "problem": problem, "action": action})

    def notice(self, file, line, column, problem, action):
        """A finding that is no error even in strict mode (an empty value with a model default)."""
        self.rows.append({"file": file, "line": line, "column": column, "problem": problem, "action": action})


def _records(path: Path, name: str):
    """The file's records with the line each starts on (the header is the first record):
    blank lines are skipped and a quoted field may span lines, so the line numbers are those an
    editor shows. A CSV the parser cannot read raises CRMError with the file and line."""
    records, lines = [], []
    start = 1
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, skipinitialspace=True, strict=True)
            while True:
                start = reader.line_num + 1
                try:
                    rec = next(reader)
                except StopIteration:
                    break
                if not rec or (len(rec) == 1 and not rec[0].strip()):
                    continue  # a blank line
                records.append(rec)
                lines.append(start)
    except csv.Error as e:
        hint = " (a quoted field that is not closed?)" if "end of data" in str(e) else ""
        raise CRMError(f"{name}, line {start}: cannot read the CSV: {e}{hint}") from None
    except UnicodeDecodeError as e:
        data = path.read_bytes()
        line = data[:e.start].count(b"\n") + 1
        raise CRMError(f"{name}, line {line}: not UTF-8 text (byte {data[e.start]:#04x}); "
                       "save the export as UTF-8") from None
    return records, lines


def _read(folder: Path, name: str, check: _Checker) -> pd.DataFrame | None:
    path = folder / name
    required, _ = SCHEMA[name]
    if not path.is_file():
        if name in ESSENTIAL:
            raise CRMError(f"{name}: file not found in {folder}; a CRM export needs at least {name} "
                           f"(the files are {', '.join(FILES)})")
        check.problem(name, None, "", f"file not found in {folder}", "file skipped (empty table)", warn=True)
        return None
    records, lines = _records(path, name)
    if not records:
        if name in ESSENTIAL:
            raise CRMError(f"{name}: the file is empty; it needs a header row ({', '.join(required)})")
        check.problem(name, None, "", "the file is empty (no header row)", "file skipped (empty table)", warn=True)
        return None
    header, header_line = [str(c).strip() for c in records[0]], lines[0]
    missing = [c for c in required if c not in header]
    extra = [c for c in header if c not in required]
    for col in missing:
        close = difflib.get_close_matches(col, extra, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r} (a column of the file)?" if close else ""
        problem = f"required column missing{hint}"
        if name in ESSENTIAL:
            raise CRMError(f"{check.where(name, header_line, col)}: {problem}; the file's columns are "
                           f"{', '.join(header)}")
        check.problem(name, header_line, col, problem, "file skipped (empty table)", warn=True)
    if missing:
        return None
    width = len(header)
    rows, row_lines = [], []
    for rec, line in zip(records[1:], lines[1:]):
        if len(rec) > width and any(f.strip() for f in rec[width:]):
            check.problem(name, line, "", f"{len(rec)} fields, the header has {width}", "row dropped")
            continue
        rows.append([f.strip() for f in rec[:width]] + [""] * (width - len(rec)))
        row_lines.append(line)
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    frame = frame[required].astype(object)
    frame.insert(0, "_line", np.asarray(row_lines, dtype=np.int64))
    return frame


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ["_line"] + SCHEMA[name][0]})


class _Rows:
    """Row-wise validation of one table: convert columns, drop or repair rows, report."""

    def __init__(self, name: str, frame: pd.DataFrame, check: _Checker):
        self.name, self.frame, self.check = name, frame, check
        self.keep = np.ones(len(frame), dtype=bool)

    def _report(self, mask, column, problem_of, action, notice=False):
        lines = self.frame["_line"].to_numpy()
        values = self.frame[column].to_numpy() if column in self.frame else None
        report = self.check.notice if notice else self.check.problem
        for i in np.flatnonzero(mask & self.keep):
            report(self.name, int(lines[i]), column, problem_of(values[i] if values is not None else None), action)

    def required_text(self, column):
        mask = (self.frame[column] == "").to_numpy()
        self._report(mask, column, lambda v: "empty value", "row dropped")
        self.keep &= ~mask

    def number(self, column, required: bool, repair_to=np.nan, repair_note="left empty", drop_invalid=False):
        raw = self.frame[column]
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        empty = (raw == "").to_numpy()
        bad = ~empty & ~np.isfinite(values)
        lo, hi, lo_open = _DOMAINS.get(column, (None, None, False))
        out = np.zeros(len(values), dtype=bool)
        ok = np.isfinite(values)
        if lo is not None:
            out |= ok & ((values <= lo) if lo_open else (values < lo))
        if hi is not None:
            out |= ok & (values > hi)
        dom = ("> " if lo_open else ">= ") + f"{lo:g}" if lo is not None else ""
        if hi is not None:
            dom = f"in [{lo:g}, {hi:g}]"
        action = "row dropped" if required or drop_invalid else f"repaired: {repair_note}"
        self._report(bad, column, lambda v: f"malformed number {v!r}", action)
        if column == "hours":
            self._report(out, column, lambda v: f"negative hours {v}" if float(v) < 0 else
                         f"out of range {v} (must be {dom})", action)
        else:
            self._report(out, column, lambda v: f"out of range {v} (must be {dom})", action)
        if required:
            self._report(empty, column, lambda v: "empty value", "row dropped")
            self.keep &= ~(bad | out | empty)
        elif drop_invalid:
            self.keep &= ~(bad | out)
        else:
            values = np.where(bad | out, repair_to, values)
        self.frame[column] = values

    def date(self, column, required: bool):
        raw = self.frame[column]
        values = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
        empty = (raw == "").to_numpy()
        bad = ~empty & values.isna().to_numpy()
        self._report(bad, column, lambda v: f"malformed date {v!r} (expected YYYY-MM-DD)",
                     "row dropped" if required else "repaired: left empty")
        if required:
            self._report(empty, column, lambda v: "empty date", "row dropped")
            self.keep &= ~(bad | empty)
        self.frame[column] = values

    def choice(self, column, allowed, required=True, repair_to=""):
        values = self.frame[column]
        empty = (values == "").to_numpy()
        bad = ~values.isin(allowed).to_numpy() & ~empty
        action = "row dropped" if required else f"repaired: set to {repair_to!r}" if repair_to else "repaired: left empty"
        self._report(bad, column, lambda v: f"unknown value {v!r} (expected one of {', '.join(allowed)})", action)
        if required:
            self._report(empty, column, lambda v: "empty value", "row dropped")
            self.keep &= ~(bad | empty)
        else:
            self.frame[column] = values.where(~bad, repair_to)

    def known(self, column, ids, what, required=True):
        values = self.frame[column]
        present = (values != "").to_numpy()
        bad = present & ~values.isin(ids).to_numpy()
        self._report(bad, column, lambda v: f"unknown {what} {v!r}",
                     "row dropped" if required else "repaired: left empty")
        if required:
            self.keep &= ~bad
        else:
            self.frame[column] = values.where(~bad, "")

    def unique(self, columns, what):
        dup = self.frame.duplicated(subset=columns, keep="first").to_numpy()
        self._report(dup, columns[-1], lambda v: f"duplicate {what} {v!r}", "row dropped")
        self.keep &= ~dup

    def result(self) -> pd.DataFrame:
        return self.frame[self.keep].reset_index(drop=True)


class CRM:
    """A loaded CRM export: the six tables as DataFrames and the data-quality report.

    Tables: ``accounts``, ``contacts``, ``people``, ``activities``, ``deals``,
    ``complaints`` (dates as pandas Timestamps, numbers as floats, an empty
    optional number as NaN; ``_line`` keeps each row's line in its file).
    ``quality`` lists every dropped or repaired row: file, line, column,
    problem, action.
    """

    def __init__(self, tables: dict, quality: pd.DataFrame, folder: str | None = None):
        self.folder = folder
        for name, frame in tables.items():
            setattr(self, name, frame)
        self.quality = quality

    # --- convenience --------------------------------------------------------
    def latest_activity(self) -> pd.Timestamp:
        """The date of the latest activity (the default evaluation date)."""
        if len(self.activities):
            return pd.Timestamp(self.activities["date"].max())
        dates = [self.deals["opened_on"].max(), self.complaints["opened_on"].max()]
        dates = [d for d in dates if pd.notna(d)]
        if not dates:
            raise ValueError("the CRM holds no dated records: pass as_of")
        return pd.Timestamp(max(dates))

    def as_of(self, as_of=None) -> pd.Timestamp:
        """`as_of` as a Timestamp (an ISO date string YYYY-MM-DD, a date or a Timestamp), or the
        latest activity's date. A date after the latest record warns (CRMWarning): the weeks
        after it would read as weeks without any recorded effort."""
        if as_of is None:
            return self.latest_activity()
        if isinstance(as_of, str):
            import re

            if not re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", as_of):
                raise ValueError(f"as_of: not a date: {as_of!r} (expected YYYY-MM-DD)")
        elif not isinstance(as_of, (pd.Timestamp, np.datetime64)) and not hasattr(as_of, "isoformat"):
            raise ValueError(f"as_of: not a date: {as_of!r} (expected YYYY-MM-DD)")
        try:
            date = pd.Timestamp(as_of).normalize()
        except (TypeError, ValueError):
            raise ValueError(f"as_of: not a date: {as_of!r} (expected YYYY-MM-DD)") from None
        if pd.isna(date):
            raise ValueError(f"as_of: not a date: {as_of!r} (expected YYYY-MM-DD)")
        try:
            latest = self.latest_activity()
        except ValueError:
            latest = None
        if latest is not None and date > latest:
            warnings.warn(CRMWarning(
                f"as_of {date.date()} is after the latest record of the export ({latest.date()}): the "
                f"{(date - latest).days} days after it hold no recorded effort and read as weeks without any"),
                stacklevel=2)
        return date

    def account_managers(self) -> pd.DataFrame:
        return self.people[self.people["role"] == "account_manager"]

    def owners(self) -> pd.Series:
        """The account manager of each account: the one who recorded the most hours there
        (ties: the most activities, then the first id); NaN where no account manager recorded any."""
        ams = set(self.account_managers()["person_id"])
        act = self.activities[self.activities["person_id"].isin(ams)]
        if act.empty:
            return pd.Series(np.nan, index=self.accounts["account_id"], name="owner", dtype=object)
        g = act.assign(h=act["hours"].fillna(0.0)).groupby(["account_id", "person_id"]).agg(
            hours=("h", "sum"), n=("h", "size")).reset_index()
        g = g.sort_values(["account_id", "hours", "n", "person_id"], ascending=[True, False, False, True])
        owner = g.drop_duplicates("account_id").set_index("account_id")["person_id"]
        return owner.reindex(self.accounts["account_id"]).rename("owner")

    def to_scenario(self, as_of=None, **kwargs):
        """(scenario, as-is plan): see cathedral.crm.estimate.to_scenario."""
        from .estimate import to_scenario

        return to_scenario(self, as_of=as_of, **kwargs)

    def replay(self, as_of=None, **kwargs):
        """The state estimate by replay: see cathedral.crm.estimate.replay."""
        from .estimate import replay

        return replay(self, as_of=as_of, **kwargs)

    def scorecard(self, as_of=None, **kwargs):
        from .scorecard import scorecard

        return scorecard(self, as_of=as_of, **kwargs)

    def tiers(self, **kwargs):
        from .scorecard import tiers

        return tiers(self, **kwargs)

    def kpis(self, as_of=None):
        from .scorecard import kpis

        return kpis(self, as_of=as_of)

    def __repr__(self) -> str:
        return (f"<CRM {self.folder or ''}: {len(self.accounts)} accounts, {len(self.contacts)} contacts, "
                f"{len(self.people)} people, {len(self.activities)} activities, {len(self.deals)} deals, "
                f"{len(self.complaints)} complaints; {len(self.quality)} data-quality findings>")


def load(folder: str | os.PathLike, strict: bool = False) -> CRM:
    """Load a CRM export folder (accounts.csv, contacts.csv, people.csv, activities.csv,
    deals.csv, complaints.csv; UTF-8, a header row, ISO dates).

    Extra columns are ignored. Missing columns, unknown ids, malformed dates or
    numbers and negative hours are reported with file, line and column: by
    default the row is dropped (or the field repaired) and the finding goes to
    `CRM.quality`; with strict=True the first one raises CRMError.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"CRM export folder not found: {folder}")
    check = _Checker(strict)
    raw = {name: _read(folder, name, check) for name in FILES}
    raw = {name: (frame if frame is not None else _empty(name)) for name, frame in raw.items()}
    tables = {}

    # people
    r = _Rows("people.csv", raw["people.csv"], check)
    r.required_text("person_id")
    r.choice("role", PERSON_ROLES)
    r.number("fte", required=True)
    r.unique(["person_id"], "person_id")
    tables["people"] = r.result()
    people = set(tables["people"]["person_id"])

    # accounts
    r = _Rows("accounts.csv", raw["accounts.csv"], check)
    r.required_text("account_id")
    r.unique(["account_id"], "account_id")
    r.number("wallet", required=True)
    # a wallet so small that the mean deal size underflows passes > 0 and fails in the scenario
    # (docs/model.md §3.6: deal_fraction · dig_deal_fraction · wallet must be a normal number)
    defaults = {row["name"]: row["default"] for row in _core.param_table()}
    wallet = pd.to_numeric(r.frame["wallet"], errors="coerce").to_numpy(dtype=float)
    tiny = np.isfinite(wallet) & (wallet > 0) & (
        wallet * defaults["deal_fraction"] * defaults["dig_deal_fraction"] < np.finfo(float).tiny)
    r._report(tiny, "wallet", lambda v: f"too small: the mean deal size underflows, got {v}", "row dropped")
    r.keep &= ~tiny
    for col in ACCOUNT_NUMBERS:
        f = r.frame
        empty = (f[col] == "").to_numpy()
        r._report(empty, col, lambda v: "empty value", "repaired: the model's default is used", notice=True)
        r.number(col, required=False, repair_note="the model's default is used")
    r.choice("tier", TIERS, required=False)
    r.date("strategy_reviewed_on", required=False)
    accounts = r.result()
    accounts["name"] = accounts["name"].where(accounts["name"] != "", accounts["account_id"])
    tables["accounts"] = accounts
    account_ids = set(accounts["account_id"])

    # contacts
    r = _Rows("contacts.csv", raw["contacts.csv"], check)
    r.required_text("account_id")
    r.required_text("contact_id")
    r.known("account_id", account_ids, "account_id")
    r.unique(["account_id", "contact_id"], "contact_id")
    r.number("influence", required=False, repair_note="left empty (weight 1)")
    for col in ("intimacy", "support"):
        r.number(col, required=False, repair_note="left empty (no rating)")
    f = r.frame
    r._report((f["stance"] == "").to_numpy(), "stance", lambda v: "empty value", "repaired: stance 0 is used",
              notice=True)
    r.number("stance", required=False, repair_note="stance 0 is used")
    cells = list(GRID_CELLS)
    r.choice("target_cell", cells, required=False)
    f = r.frame
    odd = ((f["role"] != "") & ~f["role"].isin(MODEL_ROLES)).to_numpy()
    r._report(odd, "role", lambda v: f"role {v!r} is not one of the model's roles ({', '.join(MODEL_ROLES)})",
              "kept; the scenario maps it to 'other'")
    contacts = r.result()
    contacts["influence"] = contacts["influence"].fillna(1.0)
    contacts["stance"] = contacts["stance"].fillna(0.0)
    tables["contacts"] = contacts
    contact_keys = set(zip(contacts["account_id"], contacts["contact_id"]))

    # activities
    r = _Rows("activities.csv", raw["activities.csv"], check)
    r.date("date", required=True)
    r.required_text("account_id")
    r.known("account_id", account_ids, "account_id")
    r.choice("type", ACTIVITY_TYPES)
    r.known("person_id", people, "person_id", required=False)
    f = r.frame
    keys = pd.Series(list(zip(f["account_id"], f["contact_id"])), index=f.index)
    bad = ((f["contact_id"] != "") & ~keys.isin(contact_keys)).to_numpy()
    r._report(bad, "contact_id", lambda v: f"unknown contact_id {v!r} for its account",
              "repaired: left empty (counted as account-level effort)")
    f.loc[bad, "contact_id"] = ""
    r.number("hours", required=False, drop_invalid=True)  # negative or malformed hours: row dropped
    r.number("money", required=False)
    r.date("minutes_filed_on", required=False)
    r.number("score", required=False)
    f = r.frame
    hours_needed = f["type"].isin(["social", "value", "service"]).to_numpy()
    no_hours = hours_needed & ~np.isfinite(f["hours"].to_numpy(dtype=float))
    r._report(no_hours, "hours", lambda v: "no valid hours for a key or service activity", "row dropped")
    r.keep &= ~no_hours
    survey = (f["type"] == "survey").to_numpy()
    no_score = survey & ~np.isfinite(f["score"].to_numpy(dtype=float))
    r._report(no_score, "score", lambda v: "survey without a valid score", "row dropped")
    r.keep &= ~no_score
    acts = r.result()
    tables["activities"] = acts.sort_values(["date", "_line"], kind="stable").reset_index(drop=True)

    # deals
    r = _Rows("deals.csv", raw["deals.csv"], check)
    r.required_text("deal_id")
    r.required_text("account_id")
    r.known("account_id", account_ids, "account_id")
    r.unique(["deal_id"], "deal_id")
    r.date("opened_on", required=False)
    r.date("decision_on", required=False)
    r.number("size", required=True)
    r.choice("status", DEAL_STATUSES)
    r.number("margin", required=False)
    f = r.frame
    undated = (f["status"].isin(["won", "lost"]) & f["decision_on"].isna()).to_numpy()
    r._report(undated, "decision_on", lambda v: "a decided deal without a decision date", "row dropped")
    r.keep &= ~undated
    tables["deals"] = r.result()

    # complaints
    r = _Rows("complaints.csv", raw["complaints.csv"], check)
    r.required_text("account_id")
    r.known("account_id", account_ids, "account_id")
    r.date("opened_on", required=True)
    r.date("closed_on", required=False)
    f = r.frame
    early = (f["closed_on"] < f["opened_on"]).to_numpy()
    r._report(early, "closed_on", lambda v: "closed before it was opened", "repaired: left empty")
    f.loc[early, "closed_on"] = pd.NaT
    tables["complaints"] = r.result()

    quality = pd.DataFrame(check.rows, columns=["file", "line", "column", "problem", "action"])
    quality["line"] = quality["line"].astype("Int64")
    return CRM(tables, quality, folder=str(folder))
