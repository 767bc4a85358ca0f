"""Reports evaluators can send (issue 8, DESIGN section 5): workbooks and tidy exports.

Owns what leaves the building: the evaluation and feedback workbooks (:mod:`.context` gathers the
data, :mod:`.evaluation` and :mod:`.feedback` lay out their sheets with the shared column groups of
:mod:`.columns` and the sheet helpers of :mod:`.layout`, :mod:`.writer` and :mod:`.sheetxml` write
them fast), the print-ready PDFs (:mod:`.pdf_report` the evaluation report, :mod:`.pdf_letter`
the feedback letter to a region, from the same tables, through :mod:`.pdf` (HTML + CSS to PDF with
WeasyPrint) and :mod:`.pdf_charts` (matplotlib SVG)) and the tidy exports (:mod:`.tidy`);
:mod:`.service` loads what a report needs through the store for the acting user and audits
every export, for the page and the ``report`` command alike. May import every lower package
(domain, catalogue, intake, store, scoring, auth, demo), never :mod:`assessment.views`
or :mod:`assessment.commands`.

* :func:`evaluation_workbook`: the evaluation report of a jurisdiction for a period (.xlsx bytes);
* :func:`feedback_workbook`: the feedback workbook of one region for its officials;
* :func:`tidy_export` with :func:`export_frame`: scores, equity or trends as csv or parquet bytes;
* :func:`suggested_filename`: a file name carrying the region, period and edition id.

Functions take plain data (values frame, edition, tree, local standards, completeness frame) and
return bytes: the pages wire them to download buttons, the ``report`` and ``export`` commands write
them to files. Styling and the status palette live in :mod:`assessment.reports.workbook`.
"""

from assessment.reports.evaluation import evaluation_workbook
from assessment.reports.feedback import feedback_workbook
from assessment.reports.tidy import EXPORTS, FORMATS, export_frame, suggested_filename, tidy_export
from assessment.reports.workbook import STATUS_COLOURS, safe_text

__all__ = [
    "EXPORTS",
    "FORMATS",
    "STATUS_COLOURS",
    "evaluation_workbook",
    "export_frame",
    "feedback_workbook",
    "safe_text",
    "suggested_filename",
    "tidy_export",
]
