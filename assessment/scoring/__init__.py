"""Scoring and analysis: values in, scores, aggregates, equity, trends and costs out (DESIGN 4).

Owns the scoring method: :mod:`.inputs` checks the frames it is given, :mod:`.indicators` scores
each region x period x indicator against the national floor and the binding local standard (with
:mod:`.stats` for intervals and inequality), :mod:`.rollup` and :mod:`.aggregation` roll scores up
the catalogue and the region tree, :mod:`.equity`, :mod:`.trends` and :mod:`.costing` answer how
unequal, how fast and how costly, and :mod:`.analysis` runs them together into one
:class:`~.analysis.Assessment` for the pages and reports. Pure pandas on frames from the store: may
import :mod:`assessment.domain` and :mod:`assessment.catalogue`, never the store, the views or the
reports.
"""
