"""Rebuild geodata/airfields.csv from the hand-kept treaty facts below plus airport positions.

Treaty facts (roles, coordinates as printed in Annex E, maximum flight distances, years and
sources) are kept by hand in ``FACTS``; every value names its source and anything not found is
left empty with a note. Positions (``lon``, ``lat``) are the airport reference points looked up
at build time in the ``airportsdata`` package (MIT); Kubinka (UUMB) is not in airportsdata and
its OurAirports record (public domain) is hard-coded in ``OURAIRPORTS``.

Treaty text used: the English text of the Treaty on Open Skies (Helsinki, 24 March 1992) with
its annexes in the Dutch treaty database (BWBV0001051), mirrored at
github.com/statengeneraal/laws-markdown, path verdrag/treaty/on/open/skies/BWBV0001051/README.md.
The same file carries the Dutch text, used where the English one is garbled or differs.

Usage (from the repository root)::

    python scripts/build_airfields.py            # write geodata/airfields.csv
    python scripts/build_airfields.py --check    # exit 1 if the file on disk is out of date

The file is written atomically (temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import io
import logging
import re
import sys
from pathlib import Path

import airportsdata

logger = logging.getLogger("build_airfields")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "geodata" / "airfields.csv"

COLUMNS = [
    "icao",
    "name",
    "party",
    "group",
    "roles",
    "lon",
    "lat",
    "position_source",
    "annex_e_printed",
    "annex_e_lon",
    "annex_e_lat",
    "mfd_1992_km",
    "mfd_practice_km",
    "mfd_practice_year",
    "mfd_source",
    "designated_from",
    "designated_until",
    "source",
    "notes",
]
ROLES = ("POE", "POX", "OSA", "REFUEL", "CANDIDATE")

# Kubinka is a military airfield missing from airportsdata: OurAirports (public domain),
# ident RU-0764, gps_code UUMB. Values as (lon, lat, source).
OURAIRPORTS = {
    "UUMB": (36.650002, 55.611695, "OurAirports RU-0764 (public domain)"),
}

ANNEX_A = "Annex A Sec. III (1992)"
ANNEX_E = "Annex E App. 1 Sec. II (1992)"
RUS_END = "Russia's withdrawal took effect in Dec 2021 (treaty-facts.md)."
CANDIDATE_SOURCE = (
    "treaty-facts.md §2: candidate Minsk POE/OSA study; not designated in any public source"
)
CANDIDATE_NOTE = (
    "Not a treaty airfield: a study candidate for a Belarusian POE/OSA. Its maximum flight "
    "distance is a study parameter (5,500 km, the group's Kubinka value, as first case)."
)

# Hand-kept treaty facts, one dict per airfield. Keys not given are empty.
# mfd_practice_year is the earliest year for which the practice value was found reported.
FACTS: list[dict[str, object]] = [
    # ---------------------------------------------------- Belarus-Russia group (1992 list)
    {
        "icao": "UUMB",
        "name": "Kubinka",
        "party": "RUS",
        "group": "BLR+RUS",
        "roles": "POE;POX;OSA",
        "annex_e_printed": "N55-36-30 E036-39-10",
        "mfd_1992_km": 5000,
        "mfd_practice_km": 5500,
        "mfd_practice_year": 2013,
        "mfd_source": f"1992: {ANNEX_A}; practice: rg.ru 2013-03-25, sputniknews 2017-09-29",
        "designated_from": 2002,
        "designated_until": 2021,
        "source": f"{ANNEX_E} (POE/POX and OSA, inspection yes); {ANNEX_A}",
        "notes": (
            "Position from OurAirports (UUMB is not in airportsdata). Every announced foreign "
            "mission over Belarus and Russia found for 2009-2020 started here. Kaliningrad "
            "(RUS-KGD) sub-limit 500 km within the total: see treaty.yaml. " + RUS_END
        ),
    },
    {
        "icao": "UIUU",
        "name": "Ulan-Ude",
        "party": "RUS",
        "group": "BLR+RUS",
        "roles": "POE;POX;OSA",
        "annex_e_printed": "N51-48-00 E107-27-00",
        "mfd_1992_km": 5000,
        "mfd_source": f"1992: {ANNEX_A}; practice value not found",
        "designated_from": 2002,
        "designated_until": 2021,
        "source": f"{ANNEX_E} (POE/POX and OSA, inspection yes); {ANNEX_A}",
        "notes": RUS_END,
    },
    {
        "icao": "UHMM",
        "name": "Magadan",
        "party": "RUS",
        "group": "BLR+RUS",
        "roles": "OSA",
        "annex_e_printed": "N59-54-06 E150-03-01",
        "mfd_1992_km": 6500,
        "mfd_source": f"1992: {ANNEX_A}; practice value not found",
        "designated_from": 2002,
        "designated_until": 2021,
        "source": f"{ANNEX_E} (OSA, inspection no); {ANNEX_A}",
        "notes": (
            "The printed point lies far west of Sokol airport (UHMM, Magadan's airport, used "
            "here for flying); the text does not say which Magadan airfield it means. " + RUS_END
        ),
    },
    {
        "icao": "UUYW",
        "name": "Vorkuta",
        "party": "RUS",
        "group": "BLR+RUS",
        "roles": "OSA",
        "annex_e_printed": "N67-29-00 E063-59-00",
        "mfd_1992_km": 6500,
        "mfd_source": (
            f"1992: {ANNEX_A}, English text 6,500 km; the Dutch text of the same database "
            "(Bijlage A Afd. III) prints 5,000 km; practice value not found"
        ),
        "designated_from": 2002,
        "designated_until": 2021,
        "source": f"{ANNEX_E} (OSA, inspection no); {ANNEX_A}",
        "notes": "1992 distance differs between the English (6,500) and Dutch (5,000) texts. "
        + RUS_END,
    },
    # ---------------------------------------------------------------------------- Poland
    {
        "icao": "EPWA",
        "name": "Warszawa-Okęcie (Warsaw Chopin)",
        "party": "POL",
        "group": "POL",
        "roles": "POE;POX;OSA",
        "annex_e_printed": "N52-13-10 E021-01-10",
        "mfd_1992_km": 1400,
        "mfd_practice_km": 1400,
        "mfd_practice_year": 2017,
        "mfd_source": (
            f"1992: {ANNEX_A}; practice: 1,400 km, Russian MoD (S. Ryzhkov) for the flight "
            "of 3-7 Apr 2017 (sputniknews.com 2017-04-03); again for 21-25 Oct 2019 "
            "(Krasnaya Zvezda via tellerreport.com 2019-10-20)"
        ),
        "designated_from": 2002,
        "source": f"{ANNEX_E} (POE/POX and OSA, inspection yes); {ANNEX_A}",
        "notes": (
            "The printed point is several km from the EPWA reference point. No refuelling "
            "airfield designated in the 1992 list."
        ),
    },
    # --------------------------------------------------------------- Lithuania, Latvia
    {
        "icao": "EYSA",
        "name": "Šiauliai",
        "party": "LTU",
        "group": "LTU",
        "roles": "OSA",
        "mfd_practice_km": 715,
        "mfd_practice_year": 2014,
        "mfd_source": "practice: TASS 2014 (treaty-facts.md §1); no 1992 value (acceded later)",
        "source": "treaty-facts.md §1 (practice); not in the 1992 annexes",
        "notes": (
            "Lithuania acceded after 2002: its Annex E designation (roles, printed coordinates, "
            "date) was not found. OSA role from practice reporting; POE/POX not confirmed."
        ),
    },
    {
        "icao": "EVRA",
        "name": "Riga",
        "party": "LVA",
        "group": "LVA",
        "roles": "OSA",
        "mfd_practice_km": 800,
        "mfd_practice_year": 2014,
        "mfd_source": "practice: TASS 2014 and 2019 (treaty-facts.md §1); no 1992 value",
        "source": "treaty-facts.md §1 (practice); not in the 1992 annexes",
        "notes": (
            "Latvia acceded after 2002: its Annex E designation (roles, printed coordinates, "
            "date) was not found. OSA role from practice reporting; POE/POX not confirmed."
        ),
    },
    # ---------------------------------------------------------------------------- Ukraine
    {
        "icao": "UKBB",
        "name": "Boryspil (Kyiv)",
        "party": "UKR",
        "group": "UKR",
        "roles": "POE;POX;OSA",
        "annex_e_printed": "N50-20-07 E030-53-07",
        "mfd_1992_km": 2100,
        "mfd_source": f"1992: {ANNEX_A}; practice value not found",
        "designated_from": 2002,
        "source": f"{ANNEX_E} (Borispol/Kiev: POE/POX and OSA, inspection yes); {ANNEX_A}",
    },
    {
        "icao": "UKLL",
        "name": "Lviv",
        "party": "UKR",
        "group": "UKR",
        "roles": "REFUEL",
        "annex_e_printed": "N49-48-07 E023-57-03",
        "designated_from": 2002,
        "source": f"{ANNEX_E} (Lvov: refuelling airfield)",
    },
    {
        "icao": "UKOO",
        "name": "Odesa",
        "party": "UKR",
        "group": "UKR",
        "roles": "REFUEL",
        "annex_e_printed": "N46-25-06 E030-40-07",
        "designated_from": 2002,
        "source": f"{ANNEX_E} (Odessa: refuelling airfield)",
    },
    # ---------------------------------------------------------------------------- Germany
    {
        "icao": "EDDK",
        "name": "Köln/Bonn",
        "party": "DEU",
        "group": "DEU",
        "roles": "POE;POX;OSA",
        "annex_e_printed": "N50-52-02 E007-08-37",
        "mfd_practice_km": 1300,
        "mfd_practice_year": 2019,
        "mfd_source": (
            "practice: 1,300 km, Russian MoD for the flights from Koeln/Bonn of 25 Feb-1 Mar "
            "2019 (de.sputniknews.com 2019-02-25) and 2-6 Mar 2020 (TASS via "
            "armyrecognition.com 2020)"
        ),
        "designated_from": 2002,
        "source": f"{ANNEX_E} (POE/POX, inspection yes); OSA role: practice 2019-2020",
        "notes": (
            "The 1992 list has Köln/Bonn as point of entry/exit only (OSAs: Wunstorf, "
            "Landsberg/Lech); by 2019 flights started here. Date of that Annex E change not "
            "found, so designated_from is the POE designation."
        ),
    },
    {
        "icao": "ETNW",
        "name": "Wunstorf",
        "party": "DEU",
        "group": "DEU",
        "roles": "OSA",
        "annex_e_printed": "N52-27-48 E009-25-70",
        "mfd_1992_km": 1200,
        "mfd_source": f"1992: {ANNEX_A}",
        "designated_from": 2002,
        "source": f"{ANNEX_E} (OSA, inspection no); {ANNEX_A}",
        "notes": (
            "Printed as 'Wunstorf (EDNW)'; EDNW is now Weisenhorn, Wunstorf is ETNW. The "
            "printed longitude is invalid as degrees-minutes-seconds (Dutch text 'E 009-25-70', "
            "English 'E 009-2570'), so annex_e_lon/lat are left empty; read as degrees and "
            "decimal minutes (9 deg 25.70 min) it would be 9.4283 E. Replaced in practice by "
            "Köln/Bonn by 2019; end of designation not found."
        ),
    },
    {
        "icao": "ETSA",
        "name": "Landsberg/Lech",
        "party": "DEU",
        "group": "DEU",
        "roles": "OSA",
        "annex_e_printed": "N48-04-28 E010-54-42",
        "mfd_1992_km": 1200,
        "mfd_source": f"1992: {ANNEX_A}",
        "designated_from": 2002,
        "source": f"{ANNEX_E} (OSA, inspection no); {ANNEX_A}",
        "notes": (
            "Printed as 'Landsberg/Lech (EDSA)'; EDSA is now Albstadt-Degerfeld, Landsberg-Lech "
            "is ETSA. English text prints 'N 48-4-28'. Replaced in practice by Köln/Bonn by "
            "2019; end of designation not found."
        ),
    },
    # ------------------------------------------------- Belarus: candidate airfields (study)
    *(
        {
            "icao": icao,
            "name": name,
            "party": "BLR",
            "group": "BLR+RUS",
            "roles": "CANDIDATE",
            "source": CANDIDATE_SOURCE,
            "notes": CANDIDATE_NOTE,
        }
        for icao, name in [
            ("UMMS", "Minsk National"),
            ("UMLI", "Machulishchi"),
            ("UMMA", "Baranovichi"),
            ("UMDD", "Lida"),
            ("UMNB", "Bobruisk"),
            ("UMMO", "Osovtsy"),
            ("UMII", "Vitebsk"),
            ("UMGG", "Gomel"),
            ("UMBB", "Brest"),
            ("UMMG", "Grodno"),
            ("UMOO", "Mogilev"),
        ]
    ),
]

_DMS = re.compile(r"^([NS])(\d{1,2})-(\d{1,2})-(\d{1,2}) ([EW])(\d{1,3})-(\d{1,2})-(\d{1,2})$")


def parse_printed(text: str) -> tuple[float, float] | None:
    """Decimal (lon, lat) of a point printed as ``N55-36-30 E036-39-10``.

    Returns None when a minute or second field is 60 or more (a misprint in the source).
    """
    m = _DMS.match(text)
    if m is None:
        msg = f"annex_e_printed {text!r} is not of the form 'N55-36-30 E036-39-10'"
        raise ValueError(msg)
    hy, d1, m1, s1, hx, d2, m2, s2 = m.groups()
    if max(int(m1), int(s1), int(m2), int(s2)) >= 60:
        return None
    lat = int(d1) + int(m1) / 60 + int(s1) / 3600
    lon = int(d2) + int(m2) / 60 + int(s2) / 3600
    return (-lon if hx == "W" else lon, -lat if hy == "S" else lat)


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def build_rows() -> list[dict[str, str]]:
    """Rows of the airfield table, positions looked up in airportsdata."""
    airports = airportsdata.load("ICAO")
    version = importlib.metadata.version("airportsdata")
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for fact in FACTS:
        icao = str(fact["icao"])
        if icao in seen:
            msg = f"duplicate icao {icao!r} in FACTS"
            raise ValueError(msg)
        seen.add(icao)
        bad = set(str(fact["roles"]).split(";")) - set(ROLES)
        if bad:
            msg = f"{icao}: unknown roles {sorted(bad)}; accepted: {', '.join(ROLES)}"
            raise ValueError(msg)
        if icao in airports:
            rec = airports[icao]
            lon, lat = float(rec["lon"]), float(rec["lat"])
            position_source = f"airportsdata {version} (MIT)"
        elif icao in OURAIRPORTS:
            lon, lat, position_source = OURAIRPORTS[icao]
        else:
            msg = f"{icao}: not in airportsdata {version} and no hard-coded position"
            raise KeyError(msg)
        printed = str(fact.get("annex_e_printed", ""))
        point = parse_printed(printed) if printed else None
        row = {col: _fmt(fact.get(col)) for col in COLUMNS}
        row.update(
            lon=_fmt(lon),
            lat=_fmt(lat),
            position_source=position_source,
            annex_e_lon=_fmt(point[0]) if point else "",
            annex_e_lat=_fmt(point[1]) if point else "",
        )
        rows.append(row)
    return rows


def render(rows: list[dict[str, str]]) -> str:
    """CSV text of the rows (UTF-8, LF line ends, header first)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, with openskies' one writer."""
    from openskies._files import write_bytes

    write_bytes(text.encode("utf-8"), path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output CSV path")
    parser.add_argument(
        "--check", action="store_true", help="only compare with the file on disk; exit 1 if stale"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = build_rows()
    text = render(rows)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            logger.error("%s is out of date: run python scripts/build_airfields.py", args.out)
            return 1
        logger.info("%s is up to date (%d airfields)", args.out, len(rows))
        return 0
    write_atomic(args.out, text)
    logger.info("wrote %s (%d airfields)", args.out, len(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
