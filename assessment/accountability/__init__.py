"""Accountability: corrective actions tied to the gaps, judged by the next periods' figures (issue 17).

This package joins the store (the actions the officials record and the evaluators review) with the
scores (the gaps the approved figures show, and what later figures say of each action). It owns
:mod:`.service` (record an action after finding its gap in the scores the actor may see; the
register of one jurisdiction and period: gaps with and without an action, plans to review, actions
due and overdue, escalations, the share of last period's gaps that closed, early warnings) and
:mod:`.sheet` (the actions sheet of the feedback workbook read back, every problem at its cell).
It may import domain, catalogue, intake, store and scoring (layer 5, beside ``demo``); views,
reports and commands import it.
"""
