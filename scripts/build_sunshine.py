"""Rebuild geodata/sunshine_blr.csv: monthly sunshine of six Belarusian stations (DWD CLIMAT).

Reads the DWD Climate Data Center data set "Monthly CLIMAT reports from stations worldwide"
(version "first check"), raw files ``CLIMAT_RAW_YYYYMM.txt`` (one row per station,
``;``-separated, positional fields as in DWD's ``readme_RAW_CLIMATs_eng.txt``), from
``opendata.dwd.de/climate_environment/CDC/observations_global/CLIMAT/monthly/raw/``. The files
used for the bundled table are the 222 months 2003-03 to 2021-08 mirrored in the GitHub
repository tacitvenom/climate-analysis, commit af6f92e57e6a37a360f5e3b67453c03517738241,
folder ``raw_data/data_files/``. Licence: DWD open data, CC BY 4.0; attribution "Datenbasis:
Deutscher Wetterdienst, eigene Bearbeitung" (the table is derived data). The reports are
national data exchanged under WMO Resolution 40.

For each station and month it writes:

- ``sun_h_1961_1990``: the 1961-1990 sunshine normal the station reports in CLIMAT Section 2
  (group 7, S1); empty where the station reports none (Verkhnedvinsk);
- ``sun_h_2004_2020_mean`` and ``_sd``: mean and standard deviation of the monthly sunshine
  totals reported for 2004-2020 (Section 1, group 7, S1), each month scaled by
  ``n_days / (n_days - mS)`` (mS = days missing for sunshine, Section 1 group 9); months with
  mS > 3 are dropped; ``n_years`` is the number of years kept;
- ``possible_h``: the astronomically possible sunshine N, the sum over the days of a 2010 month
  of the sunrise-to-sunset length (sun's centre at -0.833 deg, Spencer 1971 declination);
- ``rel_sun_*``: relative sunshine S / N (``nan`` where there is no normal).

Usage (from the repository root; no network)::

    # the raw files, e.g. from the mirror above:
    #   for f in $(git ls-tree -r --name-only HEAD raw_data/data_files/ | grep CLIMAT_RAW_); do
    #     git show HEAD:$f > /tmp/climat/$(basename $f); done
    python scripts/build_sunshine.py /tmp/climat            # write geodata/sunshine_blr.csv
    python scripts/build_sunshine.py /tmp/climat --check    # exit 1 if the file is stale

The file is written atomically (temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import argparse
import calendar
import collections
import datetime as dt
import math
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "geodata" / "sunshine_blr.csv"

# WMO index: (name, lat, lon, elevation m) from DWD stations_list_CLIMAT_data.txt.
# Only these six Belarusian stations report sunshine (S1) in CLIMAT.
STATIONS = {
    "26554": ("Verkhnedvinsk", 55.82, 27.94, 132),
    "26850": ("Minsk", 53.93, 27.63, 224),
    "33008": ("Brest", 52.12, 23.69, 146),
    "33019": ("Pinsk", 52.12, 26.11, 142),
    "33038": ("Vasilevichi", 52.25, 29.84, 142),
    "33041": ("Gomel", 52.40, 30.96, 126),
}
YEARS = range(2004, 2021)
MAX_MISSING_DAYS = 3
HEADER = (
    "wmo,station,lat,lon,elev_m,month,sun_h_1961_1990,sun_h_2004_2020_mean,"
    "sun_h_2004_2020_sd,n_years,possible_h,rel_sun_1961_1990,rel_sun_2004_2020"
)


def _decl(doy: int) -> float:
    g = 2 * math.pi / 365 * (doy - 1)
    return (
        0.006918
        - 0.399912 * math.cos(g)
        + 0.070257 * math.sin(g)
        - 0.006758 * math.cos(2 * g)
        + 0.000907 * math.sin(2 * g)
        - 0.002697 * math.cos(3 * g)
        + 0.00148 * math.sin(3 * g)
    )


def possible_hours(lat: float, month: int, year: int = 2010) -> float:
    """Astronomically possible sunshine (h) of a month: sum of sunrise-to-sunset lengths."""
    la, h0 = math.radians(lat), math.radians(-0.833)
    total = 0.0
    for d in range(1, calendar.monthrange(year, month)[1] + 1):
        de = _decl(dt.date(year, month, d).timetuple().tm_yday)
        c = (math.sin(h0) - math.sin(la) * math.sin(de)) / (math.cos(la) * math.cos(de))
        total += 24 / math.pi * math.acos(max(-1.0, min(1.0, c)))
    return total


def build(folder: Path) -> str:
    """The CSV text computed from a folder of CLIMAT_RAW_*.txt files."""
    act: dict[str, dict[tuple[int, int], tuple[int, int]]] = collections.defaultdict(dict)
    norm = {}
    files = sorted(folder.glob("CLIMAT_RAW_*.txt"))
    if not files:
        msg = f"no CLIMAT_RAW_*.txt files in {folder}"
        raise SystemExit(msg)
    for f in files:
        for line in f.read_text(errors="replace").splitlines():
            r = line.split(";")
            if len(r) < 57 or r[2] not in STATIONS or not r[0].isdigit():
                continue
            y, m, s = int(r[0]), int(r[1]), r[2]
            if r[22] == "7" and r[23].strip():  # Section 1 group 7: S1, ps
                ms = int(r[33]) if r[33].strip() else 0  # group 9: mS
                act[s][(y, m)] = (int(r[23]), ms)
            if r[34] == "0" and r[55] == "7" and r[56].strip():  # Section 2 normal S1
                norm[(s, m)] = (r[35], r[36], int(r[56]))
    lines = [HEADER]
    for s, (name, lat, lon, el) in STATIONS.items():
        for m in range(1, 13):
            vals = []
            for (y, mm), (sun, ms) in act[s].items():
                if mm == m and y in YEARS and ms <= MAX_MISSING_DAYS:
                    nd = calendar.monthrange(y, m)[1]
                    vals.append(sun * nd / (nd - ms))
            n_h = possible_hours(lat, m)
            nv = norm.get((s, m))
            normal = nv[2] if nv else None
            rel_n = f"{normal / n_h:.3f}" if normal is not None else "nan"
            mean, sd = statistics.mean(vals), statistics.stdev(vals)
            lines.append(
                f"{s},{name},{lat},{lon},{el},{m},{'' if normal is None else normal},"
                f"{mean:.1f},{sd:.1f},{len(vals)},{n_h:.1f},{rel_n},{mean / n_h:.3f}"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder holding the CLIMAT_RAW_*.txt files")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output CSV (default {OUT})")
    parser.add_argument(
        "--check", action="store_true", help="only compare with the file on disk; exit 1 if stale"
    )
    args = parser.parse_args(argv)
    text = build(args.folder)
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'STALE'}")
        return 0 if same else 1
    fd, tmp = tempfile.mkstemp(dir=args.out.parent, prefix=".sunshine-", suffix=".csv")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    os.replace(tmp, args.out)
    print(f"wrote {args.out} ({text.count(chr(10)) - 1} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
