"""Former home of :mod:`openskies.ranking` (kept so ``openskies._ranking.X`` keeps working).

The module object is :mod:`openskies.ranking` itself, so every name (and a monkeypatch) is
shared; the report functions of a ranking live in :mod:`openskies.report.ranking`.
"""

from __future__ import annotations

import sys

from . import ranking

sys.modules[__name__] = ranking
