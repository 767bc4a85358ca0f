"""Views: display-ready tables for the pages, one module per page (pure pandas, no streamlit, no plotly).

Owns what a page shows but not how it is drawn: headline figures, heatmap and league tables of the
overview, the region profile, the indicator view, equity and compare tables, the upload, review and
local-standards tables, the administration and methodology pages (:mod:`.analysis_common` holds
what several pages share). A page calls one function here on an ``Assessment`` (from
:mod:`assessment.scoring.analysis`) or on frames from the store, and draws the result with
``ui/``. May import every lower package (domain, catalogue, intake, store, scoring, auth, demo),
never :mod:`assessment.reports` or :mod:`assessment.commands`.
"""
