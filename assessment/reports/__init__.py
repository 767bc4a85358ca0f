"""Reports evaluators can send (issue 8, DESIGN section 5): workbooks and tidy exports.

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
