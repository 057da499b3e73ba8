"""TSPLIB reader: shipped instances, optimal tours, every distance type and format, errors."""

import math

import numpy as np
import pytest

from thermo_rl.anneal.tsplib import (
    TSPLIBError,
    distance_matrix,
    known_instances,
    load_instance,
    parse_tour,
    parse_tsplib,
    read_tour,
    read_tsplib,
)

# name: (dimension, optimum, first coords, last coords) as in the TSPLIB 95 files
SHIPPED = {
    "eil51": (51, 426, (37, 52), (30, 40)),
    "berlin52": (52, 7542, (565, 575), (1740, 245)),
    "st70": (70, 675, (64, 96), (84, 94)),
    "pr76": (76, 108159, (3600, 2300), (200, 800)),
    "kroA100": (100, 21282, (1380, 939), (3950, 1558)),
    "att48": (48, 10628, (6734, 1453), (3023, 1942)),
    "ulysses16": (16, 6859, (38.24, 20.42), (39.36, 19.56)),
}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_instance_and_optimal_tour(name):
    dim, opt, first, last = SHIPPED[name]
    inst = load_instance(name)
    assert inst.dimension == dim and inst.optimum == opt
    np.testing.assert_array_equal(inst.coords[0], first)
    np.testing.assert_array_equal(inst.coords[-1], last)
    # the published optimal tour evaluates exactly to the known optimum: the strongest
    # check of the distance function (EUC_2D nint, ATT pseudo-Euclidean, GEO)
    assert inst.opt_tour is not None
    assert inst.tour_length(inst.opt_tour) == opt
    assert inst.gap(opt) == 0.0


def test_known_instances_listed():
    names = known_instances()
    for n in ("eil51", "berlin52", "st70", "pr76", "kroA100", "gr17"):
        assert n in names
    assert load_instance("gr17").edge_weight_format == "LOWER_DIAG_ROW"


def _coords_file(ewt, coords, extra=""):
    lines = [f"NAME : t{len(coords)}", "TYPE : TSP", f"DIMENSION : {len(coords)}",
             f"EDGE_WEIGHT_TYPE : {ewt}", extra, "NODE_COORD_SECTION"]
    lines += [f"{i + 1} " + " ".join(str(v) for v in c) for i, c in enumerate(coords)]
    return "\n".join(lines + ["EOF"])


FIVE = [(0, 0), (3, 4), (0, 2.5), (10, 0), (1, 1)]


def test_euc_2d_nint_by_hand():
    d = parse_tsplib(_coords_file("EUC_2D", FIVE)).distances
    assert d[0, 1] == 5          # 3-4-5
    assert d[0, 2] == 3          # 2.5 rounds up (nint = (int)(x + 0.5))
    assert d[0, 4] == 1          # sqrt 2 = 1.414 -> 1
    assert d[1, 3] == 8          # sqrt(49 + 16) = 8.06 -> 8
    assert d[2, 4] == 2          # sqrt(1 + 2.25) = 1.80 -> 2
    np.testing.assert_array_equal(d, d.T)


def test_ceil_2d_by_hand():
    d = parse_tsplib(_coords_file("CEIL_2D", FIVE)).distances
    assert d[0, 1] == 5 and d[0, 4] == 2 and d[1, 3] == 9 and d[0, 2] == 3


def test_att_by_hand():
    # r = sqrt((dx^2 + dy^2) / 10); t = nint(r); d = t + 1 if t < r else t
    d = parse_tsplib(_coords_file("ATT", FIVE)).distances
    assert d[0, 1] == 2          # r = sqrt(2.5) = 1.58, t = 2 >= r -> 2
    assert d[0, 3] == 4          # r = sqrt(10) = 3.16, t = 3 < r -> 4
    assert d[0, 4] == 1          # r = sqrt(0.2) = 0.447, t = 0 < r -> 1
    assert d[1, 3] == 3          # r = sqrt(6.5) = 2.55, t = 3 >= r -> 3


def _geo_reference(a, b):
    """TSPLIB 95 GEO written out independently with math (PI = 3.141592, RRR = 6378.388)."""
    def rad(x):
        deg = int(x)
        return 3.141592 * (deg + 5.0 * (x - deg) / 3.0) / 180.0
    lat1, lon1, lat2, lon2 = rad(a[0]), rad(a[1]), rad(b[0]), rad(b[1])
    q1 = math.cos(lon1 - lon2)
    q2 = math.cos(lat1 - lat2)
    q3 = math.cos(lat1 + lat2)
    return int(6378.388 * math.acos(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3)) + 1.0)


def test_geo_by_hand_and_formula():
    pts = [(38.24, 20.42), (39.57, 26.15), (36.08, -5.21), (0.0, 0.0), (0.0, 1.0)]
    d = parse_tsplib(_coords_file("GEO", pts)).distances
    for i in range(5):
        for j in range(5):
            if i != j:
                assert d[i, j] == _geo_reference(pts[i], pts[j])
    # one degree of longitude on the equator: 6378.388 * 3.141592/180 = 111.32 -> 112
    assert d[3, 4] == 112
    # minutes: 0.30 means 30' = 0.5 degree
    d2 = distance_matrix(np.array([[0.0, 0.0], [0.0, 0.30]]), "GEO")
    assert d2[0, 1] == int(6378.388 * 0.5 * 3.141592 / 180 + 1)


def test_euc_3d_and_man_max():
    pts = [(0, 0, 0), (1, 2, 2), (3, 0, 4), (0, 0, 1), (1, 1, 1)]
    assert parse_tsplib(_coords_file("EUC_3D", pts)).distances[0, 1] == 3
    assert parse_tsplib(_coords_file("MAN_3D", pts)).distances[0, 2] == 7
    assert parse_tsplib(_coords_file("MAX_2D", FIVE)).distances[1, 3] == 7
    assert parse_tsplib(_coords_file("MAN_2D", FIVE)).distances[0, 1] == 7


M = np.array([[0, 1, 2, 3, 4],
              [1, 0, 5, 6, 7],
              [2, 5, 0, 8, 9],
              [3, 6, 8, 0, 10],
              [4, 7, 9, 10, 0]])


def _explicit(fmt, values):
    return "\n".join(["NAME: m5", "TYPE: TSP", "DIMENSION: 5", "EDGE_WEIGHT_TYPE: EXPLICIT",
                      f"EDGE_WEIGHT_FORMAT: {fmt}", "EDGE_WEIGHT_SECTION",
                      " ".join(str(int(v)) for v in values), "EOF"])


def _entries(fmt):
    """Entries in TSPLIB order, written independently of the reader."""
    n = 5
    if fmt == "FULL_MATRIX":
        return M.ravel()
    upper = fmt.startswith("UPPER")
    diag = "DIAG" in fmt
    out = []
    for a in range(n):
        if fmt.endswith("_COL"):      # column a: rows above (UPPER) or below (LOWER) it
            cells = [(r, a) for r in (range(a + 1) if upper else range(a, n))]
        else:                          # row a: columns right (UPPER) or left (LOWER) of it
            cells = [(a, c) for c in (range(a, n) if upper else range(a + 1))]
        out += [M[i, j] for i, j in cells if diag or i != j]
    return out


@pytest.mark.parametrize("fmt", ["FULL_MATRIX", "UPPER_ROW", "LOWER_ROW", "UPPER_DIAG_ROW",
                                 "LOWER_DIAG_ROW", "UPPER_COL", "LOWER_COL", "UPPER_DIAG_COL",
                                 "LOWER_DIAG_COL"])
def test_explicit_formats(fmt):
    inst = parse_tsplib(_explicit(fmt, _entries(fmt)))
    np.testing.assert_array_equal(inst.distances, M)


def test_explicit_lower_diag_row_literal():
    # the TSPLIB layout of LOWER_DIAG_ROW written out by hand (as in gr17)
    text = _explicit("LOWER_DIAG_ROW", [0, 1, 0, 2, 5, 0, 3, 6, 8, 0, 4, 7, 9, 10, 0])
    np.testing.assert_array_equal(parse_tsplib(text).distances, M)
    text = _explicit("UPPER_ROW", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    np.testing.assert_array_equal(parse_tsplib(text).distances, M)


def test_gr17_optimum_found():
    from thermo_rl.anneal import TSP, anneal

    inst = load_instance("gr17")
    res = anneal(TSP(inst), sweeps=2000, runs=4, seed=0, progress=False)
    assert res.best_energy == 2085 == inst.optimum


def test_tour_files(tmp_path):
    text = "NAME : x.opt.tour\nTYPE : TOUR\nDIMENSION : 5\nTOUR_SECTION\n1\n3\n2\n5\n4\n-1\nEOF\n"
    np.testing.assert_array_equal(parse_tour(text), [0, 2, 1, 4, 3])
    p = tmp_path / "x.tour"
    p.write_text(text)
    np.testing.assert_array_equal(read_tour(p), [0, 2, 1, 4, 3])
    with pytest.raises(TSPLIBError, match="exactly once"):
        parse_tour(text.replace("\n5\n", "\n1\n"))
    with pytest.raises(TSPLIBError, match="TOUR_SECTION"):
        parse_tour("NAME: x\nDIMENSION: 5\nEOF\n")


def test_read_file_and_errors(tmp_path):
    p = tmp_path / "five.tsp"
    p.write_text(_coords_file("EUC_2D", FIVE))
    assert read_tsplib(p).dimension == 5
    assert load_instance(str(p)).name == "t5"
    with pytest.raises(FileNotFoundError):
        read_tsplib(tmp_path / "missing.tsp")
    with pytest.raises(ValueError, match="unknown TSP instance"):
        load_instance("eil52")


BAD = {
    "missing DIMENSION": ("NAME: x\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\nEOF",
                          "DIMENSION"),
    "too small": (_coords_file("EUC_2D", FIVE[:3]).replace("DIMENSION : 3", "DIMENSION : 3"),
                  "too small"),
    "wrong count": (_coords_file("EUC_2D", FIVE).replace("DIMENSION : 5", "DIMENSION : 6"),
                    "NODE_COORD_SECTION"),
    "nan": (_coords_file("EUC_2D", FIVE).replace("10 0", "nan 0"), "non-finite"),
    "inf": (_coords_file("EUC_2D", FIVE).replace("10 0", "inf 0"), "non-finite"),
    "text": (_coords_file("EUC_2D", FIVE).replace("10 0", "ten 0"), "only numbers"),
    "duplicate id": (_coords_file("EUC_2D", FIVE).replace("\n2 3 4", "\n1 3 4"), "node ids"),
    "unknown type": (_coords_file("XRAY1", FIVE), "unsupported EDGE_WEIGHT_TYPE"),
    "no format": (_explicit("FULL_MATRIX", M.ravel()).replace(
        "EDGE_WEIGHT_FORMAT: FULL_MATRIX\n", ""), "EDGE_WEIGHT_FORMAT"),
    "short matrix": (_explicit("UPPER_ROW", range(1, 10)), "needs 10 numbers"),
    "asymmetric": (_explicit("FULL_MATRIX", np.arange(25)), "not symmetric"),
    "atsp": (_coords_file("EUC_2D", FIVE).replace("TYPE : TSP", "TYPE : ATSP"), "ATSP"),
    "no coords": ("NAME: x\nDIMENSION: 5\nEDGE_WEIGHT_TYPE: EUC_2D\nEOF", "NODE_COORD"),
    "garbage line": ("NAME: x\nDIMENSION: 5\nhello world\nEOF", "KEY : value"),
    "bad dimension": ("NAME: x\nDIMENSION: five\nEOF", "integer"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_files_raise_clear_errors(case):
    text, match = BAD[case]
    with pytest.raises(TSPLIBError, match=match):
        parse_tsplib(text)
