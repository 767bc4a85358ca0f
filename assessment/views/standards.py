"""The local-standards page (issue 7, page 8): the editor's table and what an edit means. Pure.

An evaluator edits the standards of their own jurisdiction in a table (``st.data_editor``). This
module builds that table from the standards in force (:func:`editor_frame`), turns the edited table
back into the standards to set (:func:`changes`), checks each one exactly as the store will
(:func:`precheck`, the same :func:`~assessment.catalogue.local_standards.check_local_standard` against the
standards that stay in force), and formats the read-only tables: standards inherited from above,
standards of the jurisdictions below, and the history.

Store semantics, which the page explains: nothing is deleted; saving a row sets a new standard for
its period, which supersedes the overlapping part of the old one (the rest of the old period keeps
its threshold). So an existing row's indicator cannot be changed: add a row instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from assessment.catalogue.local_standards import check_local_standard
from assessment.catalogue.regions import problem
from assessment.domain.errors import Problem
from assessment.domain.i18n import t
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.views.analysis_common import units_text
from assessment.views.upload import column_headers, floor_text, time_text

EDITABLE = ("indicator_code", "threshold", "effective_from", "effective_to", "set_by", "note")
EDITOR_COLUMNS = ("indicator_code", "unit", "national_floor", *EDITABLE[1:])
TABLE_COLUMNS = ("jurisdiction", "indicator", "threshold", "unit", "period", "set_by", "note")
HISTORY_COLUMNS = (
    "set_at",
    "jurisdiction",
    "indicator",
    "threshold",
    "period",
    "set_by",
    "entered_by",
    "state",
)
YEARS = (1900, 2100)


@dataclass(frozen=True)
class RowChange:
    """One edited or added row of the editor: the standard to set, or why it cannot be.

    >>> row = RowChange(3, "S05.1", None, problems=(Problem("x", "太低", "too low"),))
    >>> row.ok, row.messages("en"), row.messages("zh")
    (False, ['Row 3 (S05.1): too low'], ['第 3 行（S05.1）：太低'])
    """

    row: int  # 1-based position in the editor, as the evaluator sees it
    indicator_code: str
    standard: LocalStandard | None
    before: LocalStandard | None = None  # the row's standard before the edit (None: a new row)
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when nothing blocks saving this row (warnings allowed)."""
        return self.standard is not None and not any(p.severity == "error" for p in self.problems)

    def messages(self, lang: str) -> list[str]:
        """Each problem as one line naming the row: ``第 3 行（S05.1）：…``."""
        where = t("standards.row_label", lang, row=self.row, indicator=self.indicator_code or "?")
        return [f"{where}{p.message_zh if lang == 'zh' else p.message_en}" for p in self.problems]


def _period_text(start: pd.Series, end: pd.Series) -> pd.Series:
    end_text = end.astype("Int64").astype("string").fillna("")
    return (start.astype("Int64").astype("string") + "–" + end_text).astype("string")


def raised_text(ind: pd.DataFrame, edition: Edition) -> pd.Series:
    """The floor texts of ``ind`` with "> old*" where ``edition`` raised a floor to an unknown figure
    (known only to exceed the earlier edition's)."""
    from assessment.catalogue.crosswalk import raised_unknown

    raised = raised_unknown(edition)
    old = ind["indicator_code"].map(raised)
    text = old.map(lambda x: f">{x:g}*", na_action="ignore").astype("string")
    return text.fillna(ind["floor_text"]).astype("string")


def editor_frame(
    standards: Sequence[LocalStandard], jurisdiction: str, edition: Edition, lang: str = "zh"
) -> pd.DataFrame:
    """The editor's table: the standards ``jurisdiction`` set that are in force, in catalogue order
    then by start year. Machine column names (EDITOR_COLUMNS; the page labels them); the unit and
    the national floor (``*`` = unconfirmed) are read-only context."""
    from assessment.catalogue.local_standards import standards_frame

    own = [s for s in standards if s.jurisdiction_code == jurisdiction]
    frame = standards_frame(own)
    ind = edition.indicator_frame().assign(_order=lambda d: np.arange(len(d)))
    ind = ind.assign(floor_text=floor_text(ind["national_floor"], ind["floor_confirmed"]))
    ind["floor_text"] = raised_text(ind, edition)
    ind = ind[["indicator_code", "unit", "floor_text", "_order"]]
    merged = frame.merge(ind, on="indicator_code", how="left").sort_values(
        ["_order", "effective_from"], ignore_index=True
    )
    return pd.DataFrame(
        {
            "indicator_code": merged["indicator_code"].astype("string"),
            "unit": units_text(merged["unit"], lang).astype("string"),
            "national_floor": merged["floor_text"].astype("string"),
            "threshold": merged["threshold"].astype("float64"),
            "effective_from": merged["effective_from"].astype("Int64"),
            "effective_to": merged["effective_to"].astype("Int64"),
            "set_by": merged["set_by"].astype("string"),
            "note": merged["note"].astype("string"),
        }
    )


def _blank(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)) or str(x).strip() == ""


def _year(x: object, column: str) -> tuple[int | None, list[Problem]]:
    if _blank(x):
        return None, []
    try:
        year = float(str(x).strip())
    except ValueError:
        year = math.nan
    if not year.is_integer() or not YEARS[0] <= year <= YEARS[1]:
        return None, [problem("local_standards.bad_period", file="", column=column, value=str(x))]
    return int(year), []


def _parse(values: dict[str, object], jurisdiction: str) -> tuple[LocalStandard | None, list[Problem]]:
    """A row of the editor as a LocalStandard, or the problems that prevent reading it."""
    out: list[Problem] = []
    code = "" if _blank(values.get("indicator_code")) else str(values["indicator_code"]).strip()
    if not code:
        out.append(_own("no_indicator", "indicator_code", ""))
    raw = values.get("threshold")
    try:
        threshold = float(str(raw).strip()) if not _blank(raw) else math.nan
    except ValueError:
        threshold = math.nan
    if not math.isfinite(threshold):
        out.append(
            problem("local_standards.bad_threshold", file="", column="threshold", value=str(raw or ""))
        )
    start, bad = _year(values.get("effective_from"), "effective_from")
    out += bad
    if start is None and not bad:
        out.append(_own("no_start", "effective_from", ""))
    end, bad = _year(values.get("effective_to"), "effective_to")
    out += bad
    if out:
        return None, out
    set_by = "" if _blank(values.get("set_by")) else str(values["set_by"]).strip()
    note = "" if _blank(values.get("note")) else str(values["note"]).strip()
    return LocalStandard(jurisdiction, code, threshold, int(start or 0), end, set_by, note), []


def _own(key: str, column: str, value: str) -> Problem:
    return Problem(
        code=f"standards.{key}",
        message_zh=t(f"standards.problem.{key}", "zh"),
        message_en=t(f"standards.problem.{key}", "en"),
        column=column,
        value=value,
    )


def _same(a: object, b: object) -> bool:
    if _blank(a) and _blank(b):
        return True
    if _blank(a) or _blank(b):
        return False
    try:
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-12)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(a).strip() == str(b).strip()


def changes(original: pd.DataFrame, edited: pd.DataFrame, jurisdiction: str) -> list[RowChange]:
    """The rows of ``edited`` that differ from ``original`` (matched by index label) or are new,
    each parsed into the standard to set. Blank new rows are ignored. Problems of a row that cannot
    be read (no indicator, threshold not a number, a year that is not a year) and of an existing
    row whose indicator was changed are attached; nothing is checked against other standards here.
    """
    out: list[RowChange] = []
    records = edited.reindex(columns=list(EDITABLE)).to_dict("index")
    before_rows = original.reindex(columns=list(EDITABLE)).to_dict("index")
    for position, (label, values) in enumerate(records.items(), start=1):
        old = before_rows.get(label)
        if old is None and all(_blank(values[c]) for c in EDITABLE):
            continue
        if old is not None and all(_same(values[c], old[c]) for c in EDITABLE):
            continue
        std, problems = _parse(values, jurisdiction)
        before = _parse(old, jurisdiction)[0] if old is not None else None
        if before is not None and std is not None and std.indicator_code != before.indicator_code:
            problems = [_own("indicator_changed", "indicator_code", std.indicator_code)]
            std = None
        code = std.indicator_code if std is not None else str(values.get("indicator_code") or "")
        out.append(RowChange(position, "" if _blank(code) else code, std, before, tuple(problems)))
    return out


def _overlap(a: LocalStandard, b: LocalStandard) -> bool:
    a_to = math.inf if a.effective_to is None else a.effective_to
    b_to = math.inf if b.effective_to is None else b.effective_to
    return a.effective_from <= b_to and b.effective_from <= a_to


def precheck(
    rows: Sequence[RowChange], in_force: Sequence[LocalStandard], edition: Edition, tree: RegionTree
) -> list[RowChange]:
    """Each readable row checked as :meth:`Store.set_local_standard` will check it: against the
    standards that stay in force (those of the same jurisdiction and indicator that overlap it are
    superseded by it) and the other rows being saved. Returns new RowChanges with the problems."""
    out = []
    for row in rows:
        std = row.standard
        if std is None:
            out.append(row)
            continue
        kept = [
            o
            for o in in_force
            if not (
                o.jurisdiction_code == std.jurisdiction_code
                and o.indicator_code == std.indicator_code
                and _overlap(o, std)
            )
        ]
        others = kept + [r.standard for r in rows if r is not row and r.standard is not None]
        found = check_local_standard(std, others, edition, tree)
        out.append(replace(row, problems=row.problems + tuple(found)))
    return out


def _standards_table(
    standards: Sequence[LocalStandard], codes: Sequence[str], tree: RegionTree, edition: Edition, lang: str
) -> pd.DataFrame:
    from assessment.catalogue.local_standards import standards_frame

    order = {c: i for i, c in enumerate(codes)}
    chosen = [s for s in standards if s.jurisdiction_code in order]
    frame = standards_frame(chosen)
    ind_order = {ind.code: i for i, ind in enumerate(edition.indicators)}
    frame = frame.assign(
        _j=frame["jurisdiction_code"].map(order), _i=frame["indicator_code"].map(ind_order)
    ).sort_values(["_j", "_i", "effective_from"], ignore_index=True)
    names = {r.code: (r.name_zh if lang == "zh" else r.name_en) for r in tree}
    by_code = edition.indicator_by_code
    ind_names = {c: f"{c} {i.name_zh if lang == 'zh' else i.name_en}" for c, i in by_code.items()}
    units = {c: i.unit for c, i in by_code.items()}
    out = pd.DataFrame(
        {
            "jurisdiction": frame["jurisdiction_code"].map(names).fillna(frame["jurisdiction_code"]),
            "indicator": frame["indicator_code"].map(ind_names).fillna(frame["indicator_code"]),
            "threshold": frame["threshold"],
            "unit": units_text(frame["indicator_code"].map(units), lang),
            "period": _period_text(frame["effective_from"], frame["effective_to"]),
            "set_by": frame["set_by"],
            "note": frame["note"],
        }
    ).astype({c: "string" for c in ("jurisdiction", "indicator", "unit", "set_by", "note")})
    return out.rename(columns=column_headers("standards.col", TABLE_COLUMNS, lang))


def inherited_table(
    standards: Sequence[LocalStandard], tree: RegionTree, jurisdiction: str, edition: Edition, lang: str
) -> pd.DataFrame:
    """Standards in force set by the jurisdictions above ``jurisdiction`` (parent first)."""
    codes = [a.code for a in tree.ancestors(jurisdiction)]
    return _standards_table(standards, codes, tree, edition, lang)


def below_table(
    standards: Sequence[LocalStandard], tree: RegionTree, jurisdiction: str, edition: Edition, lang: str
) -> pd.DataFrame:
    """Standards in force set by the jurisdictions below ``jurisdiction`` (tree order)."""
    codes = [r.code for r in tree.descendants(jurisdiction)]
    return _standards_table(standards, codes, tree, edition, lang)


def history_table(
    history: pd.DataFrame, tree: RegionTree, jurisdiction: str, edition: Edition, lang: str
) -> pd.DataFrame:
    """Every standard ever set by ``jurisdiction``, its ancestors or the jurisdictions below it
    (:meth:`Store.local_standard_history`), newest first, with whether it is still in force."""
    related = {jurisdiction} | {a.code for a in tree.ancestors(jurisdiction)}
    related |= {r.code for r in tree.descendants(jurisdiction)}
    h = history.loc[history["jurisdiction_code"].astype(str).isin(related)]
    h = h.sort_values("id", ascending=False, ignore_index=True)
    names = {r.code: (r.name_zh if lang == "zh" else r.name_en) for r in tree}
    by_code = edition.indicator_by_code
    ind_names = {c: f"{c} {i.name_zh if lang == 'zh' else i.name_en}" for c, i in by_code.items()}
    in_force = h["in_force"].astype(bool)
    superseded = t("standards.state.superseded", lang) + " " + time_text(h["superseded_at"])
    out = pd.DataFrame(
        {
            "set_at": time_text(h["set_at"]),
            "jurisdiction": h["jurisdiction_code"].astype(str).map(names).fillna("").astype("string"),
            "indicator": h["indicator_code"].astype(str).map(ind_names).fillna("").astype("string"),
            "threshold": h["threshold"].astype("float64"),
            "period": _period_text(h["effective_from"], h["effective_to"]),
            "set_by": h["set_by"].astype("string").fillna(""),
            "entered_by": h["entered_by"].astype("string").fillna(""),
            "state": superseded.where(~in_force, t("standards.state.in_force", lang)).astype("string"),
        }
    )
    return out.rename(columns=column_headers("standards.history", HISTORY_COLUMNS, lang))
