"""CLI command ``openskies serve``: the planner's workbench (:mod:`openskies.serve`)."""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import app, err_console, fail, styled


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback unless asked).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port; 0 picks a free one.")] = 8765,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open the page in a browser.")
    ] = False,
) -> None:
    """Start the workbench, a local offline web app to draw, check and export flights.

    Prints the page's URL with a token made at this launch (valid until the server
    stops) on one line; every request needs the token.
    """
    try:
        from ..serve import Workbench, is_loopback
    except ImportError as exc:  # pragma: no cover - fastapi/uvicorn are dependencies
        raise fail(f"the workbench needs fastapi and uvicorn: {exc}") from None
    if not 0 <= port <= 65535:
        raise fail(f"--port {port} is not a TCP port: give 0 to 65535 (0 picks a free one)")
    try:
        wb = Workbench(host=host, port=port)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    if not is_loopback(wb.host):
        err_console.print(
            styled(
                ("warning:", "bold yellow"),
                f" listening on {wb.host}: other machines that reach it "
                "can connect (the token still guards every request)",
            )
        )
    typer.echo(wb.url)
    if not no_browser:
        wb.open_browser_when_ready()
    try:
        wb.run()
    finally:
        wb.socket.close()
