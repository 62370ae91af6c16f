"""Item pipelines, one per module, each with one job.

Order (see ``civicnews.settings.ITEM_PIPELINES``): normalise text, parse the
date, validate, store.
"""
