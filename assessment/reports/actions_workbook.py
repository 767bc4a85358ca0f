"""The actions workbook an official downloads for their own region (issue 17 point 1).

Officials may not export reports (the feedback workbook is the evaluators' to send), but they fill in
the corrective actions of their region: :func:`build_actions_workbook` gives them a workbook with only
the actions sheet of :mod:`assessment.reports.actions_sheet` (the same sheet, the same machine keys, so
either file uploads the same way), pre-filled with the region's stored actions. It needs the
``upload`` right on the region and is recorded in the audit log.
"""

from __future__ import annotations

import dataclasses

from assessment.domain.errors import DataFileError
from assessment.reports.actions_sheet import actions_sheet
from assessment.reports.context import feedback_data, report_problem
from assessment.reports.layout import Report
from assessment.reports.service import report_catalogue
from assessment.reports.tidy import suggested_filename
from assessment.store import Store

__all__ = ["build_actions_workbook"]


def build_actions_workbook(
    store: Store, actor: str, region: str, period: int, *, lang: str = "zh"
) -> tuple[str, bytes]:
    """(file name, xlsx bytes) of the actions sheet of ``region`` for ``period``; refused (AccessDenied)
    unless ``actor`` reports for the region, DataFileError when the period has no approved figures."""
    tree = store.region_tree()
    if len(tree) == 0:
        raise DataFileError([report_problem("store_empty")])
    store.authorize(actor, "upload", region)
    edition, standards = report_catalogue(store, tree, period)
    values = store.values(actor, region_codes=tree.leaf_codes(region))
    data = feedback_data(values, edition, tree, standards, region=region, period=period, lang=lang)
    data = dataclasses.replace(data, actions=store.actions(actor, region_code=region))
    report = Report(data)
    actions_sheet(report)
    content = report.book.to_bytes()
    name = suggested_filename("actions", region, period, edition.label, lang)
    store.audit(
        actor,
        "export",
        "actions_sheet",
        region,
        {"period": period, "lang": lang, "file": name},
        region_code=region,
    )
    return name, content
