"""Intake: the files an official exchanges, from bytes to checked values (DESIGN 2 and 5).

Owns the template out (:mod:`.template`, :mod:`.workbook_layout`, :mod:`.xlsx_write`), the upload in
(:mod:`.ingest` is the entry point: :mod:`.safety` inspects the bytes before parsing,
:mod:`.xlsx_reader` and :mod:`.upload_tables` read the sheets or the batch file, :mod:`.numbers` and
:mod:`.cleaning` turn cells into numbers, :mod:`.validation` and :mod:`.plausibility` check them,
:mod:`.upload_problems` phrases every problem at its cell) and the annotated copy back
(:mod:`.annotate`). It takes ``bytes`` and returns frozen results; it stores nothing. May import
:mod:`assessment.domain` and :mod:`assessment.catalogue` only.
An edition's catalogue as a workbook, out and back in as a new revision: :mod:`.edition_workbook`.
"""
