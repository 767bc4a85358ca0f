"""What an ``insufficient_data`` aggregate row still says (issue 19 point 4). Pure pandas.

A row with too little data has no score and no rank, but coverage must never hide a failure: where
indicators under it are below the national floor, the pages say so beside the status
("数据不足（其中 7 项低于底线）"). :func:`status_note` gives that note per row, :func:`status_text` the
status with the note for a headline.
"""

from __future__ import annotations

import pandas as pd

from assessment.domain.i18n import t

__all__ = ["status_note", "status_text"]

INSUFFICIENT = "insufficient_data"


def status_note(frame: pd.DataFrame, lang: str) -> pd.Series:
    """Per row of an aggregate frame (``status`` and ``n_below_floor``): "7 below the floor" on an
    ``insufficient_data`` row with indicators below the floor, "" elsewhere."""
    n = pd.to_numeric(frame["n_below_floor"], errors="coerce").fillna(0).astype("int64")
    hit = (frame["status"].astype("string") == INSUFFICIENT).fillna(False).to_numpy() & (n > 0).to_numpy()
    notes = [t("coverage.status_note", lang, n=int(k)) if h else "" for h, k in zip(hit, n, strict=True)]
    return pd.Series(notes, index=frame.index, dtype="string")


def status_text(status: str, n_below_floor: int, lang: str) -> str:
    """The headline status in ``lang``: "数据不足（其中 7 项低于底线）" for an insufficient row with
    indicators below the floor, the plain status label otherwise."""
    if status == INSUFFICIENT and n_below_floor > 0:
        return t("coverage.status_text", lang, n=int(n_below_floor))
    return t(f"status.{status}", lang)
