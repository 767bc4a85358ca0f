"""The domain: the words every other package speaks, and nothing else.

Owns the frozen dataclasses of the domain model (:mod:`.model`: regions and the region tree,
editions, aspects, categories, items, indicators, local standards), the one error type with its
zh/en problems (:mod:`.errors`), the translation lookup over ``assessment/locales/`` (:mod:`.i18n`)
and the pure access rules (:mod:`.access`: who may do what where, given a user and the region tree).
Lowest stage of the data flow: it may import the standard library and pandas but no other package
of ``assessment``, so that every other package can import it.
"""
