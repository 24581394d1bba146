"""The exercise page (openskies.report.exercise) of ``openskies exercise``, in headless Chromium."""

from __future__ import annotations

import pytest
from _report_order import assert_in_order
from typer.testing import CliRunner

from openskies.cli import app


@pytest.mark.browser
def test_exercise_html_renders_offline(tmp_path, chromium, browser_artifacts_dir) -> None:
    from openskies import _geodata

    out = tmp_path / "out"
    cfg = _geodata.configs_dir() / "zapad-2021.yaml"
    r = CliRunner().invoke(app, ["exercise", str(cfg), "-o", str(out)])
    assert r.exit_code == 0, r.output
    res = chromium.render(out / "exercise.html", screenshot=browser_artifacts_dir / "exercise.png")
    assert res.console_errors == []
    assert res.requests == []
    # Belarus outline + 4 discs + 2 routes + 2 entry points + home base
    assert res.count_class("leaflet-interactive") >= 10
    # the answer first (generated from the tables), then the figure, the map, the tables
    dom = res.dom
    assert_in_order(
        dom,
        'id="answer"',
        'id="fig-time"',
        'class="folium-map',
        'id="tab-obligations"',
        'id="tab-time"',
    )
    import pandas as pd

    summary = pd.read_csv(out / "time_to_image.csv")
    answer = dom[dom.index('id="answer"') : dom.index('id="fig-time"')]
    for label in summary.loc[summary["imageable"], "label"]:
        assert label in answer
    hours = summary.loc[summary["imageable"], "hours_to_image"].min()
    assert f"{hours:.1f} h after the trigger" in answer
