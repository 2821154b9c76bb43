"""Insights for editors and team leads (README "Insights"): figures of a period from the
conversation and ticket stores (:mod:`.figures`), the questions the FAQ could not answer,
clustered (:mod:`.unanswered`), charts (:mod:`.charts`), ``faqbot report`` and
``faqbot demo history`` (:mod:`.cli`, :mod:`.demo`)."""
