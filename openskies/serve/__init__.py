"""The planner's workbench: a local, offline web app to draw, check and export flights.

``openskies serve`` starts it; from Python::

    from openskies.serve import Workbench
    wb = Workbench(port=0)      # binds 127.0.0.1 on a free port, makes a token
    print(wb.url)               # http://127.0.0.1:PORT/?token=...
    wb.run()                    # until Ctrl-C

The API (``/openapi.json``, rendered at ``/docs``) is what the page uses; scripts
may call it with ``Authorization: Bearer <token>``. See ``docs/workbench.md``.
"""

from __future__ import annotations

from ._server import DEFAULT_HOST, DEFAULT_PORT, Workbench, is_loopback
from .app import create_app

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "Workbench", "create_app", "is_loopback"]
