"""Faults on request: a wrapper that makes any family's renderer misbehave as real portals do.

``spec.py`` reads a ``--faults`` SPEC against the catalogue; ``wrapper.py`` (``FaultyRenderer``)
decides which pages each fault hits; the faults themselves, by family: ``failures.py`` (answers
replaced or sent badly), ``encodings.py``, ``breakage.py`` (damaged markup), ``links.py``.
"""
