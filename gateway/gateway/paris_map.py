"""The map of Paris drawn server-side as SVG: the 20 arrondissements from the City's open data, projected
(Web Mercator), simplified (Douglas–Peucker) and cached once per process.

The participatory budget votes by sector: Paris Centre (the 1er to the 4e, merged in 2020), then the 5e to
the 20e. The map keeps the four polygons of Paris Centre and groups them under one sector, so that a count
or a link concerns the sector the budget knows.
"""
import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

GEOJSON = Path(__file__).parent / "data" / "arrondissements.geojson"
WIDTH = 1000  # SVG user units; the height follows the shape of Paris
MARGIN = 10
TOLERANCE = 0.6  # simplification, in SVG units (well under a pixel at the size the page shows the map)
PARIS_CENTRE = "paris-centre"


@dataclass(frozen=True)
class Area:
    """One voting sector on the map: its code, label, the SVG path of its polygon(s) and where its label goes."""
    sector: str
    label: str
    arrondissements: tuple
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Map:
    width: int
    height: int
    areas: tuple  # in the order of the sectors: Paris Centre, then the 5e to the 20e


def sector_of(arrondissement: int) -> str:
    return PARIS_CENTRE if arrondissement <= 4 else f"paris-{arrondissement}"


def sector_label(sector: str) -> str:
    if sector == PARIS_CENTRE:
        return "Paris Centre"
    number = int(sector.rsplit("-", 1)[1])
    return f"{number}e arrondissement"


def _mercator(lon: float, lat: float) -> tuple:
    return math.radians(lon), -math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _rings(geometry: dict) -> list:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [ring for polygon in polygons for ring in polygon]


def _radial(points: list, tolerance: float) -> list:
    """Drops the points closer than `tolerance` to the last one kept: cheap, and it makes Douglas–Peucker fast."""
    kept = [points[0]]
    for point in points[1:-1]:
        if math.hypot(point[0] - kept[-1][0], point[1] - kept[-1][1]) > tolerance:
            kept.append(point)
    kept.append(points[-1])
    return kept


def _simplify(points: list, tolerance: float) -> list:
    """Douglas–Peucker (after a radial pass), iterative (no recursion limit on long rings)."""
    if len(points) < 3:
        return points
    points = _radial(points, tolerance)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm if norm else math.hypot(px - x1, py - y1)
            if distance > farthest:
                farthest, index = distance, i
        if index is not None and farthest > tolerance:
            keep[index] = True
            stack.extend(((first, index), (index, last)))
    return [point for point, kept in zip(points, keep) if kept]


def _area_and_centroid(ring: list) -> tuple:
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    area /= 2
    if not area:
        return 0.0, ring[0]
    return abs(area), (cx / (6 * area), cy / (6 * area))


def _path(rings: list) -> str:
    return " ".join("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in ring) + " Z" for ring in rings)


@functools.lru_cache(maxsize=1)
def paris_map() -> Map:
    """The projected, simplified map (read from the GeoJSON once per process)."""
    features = json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]
    projected = {int(f["properties"]["c_ar"]): [[_mercator(lon, lat) for lon, lat, *_ in ring]
                                                 for ring in _rings(f["geometry"])] for f in features}
    xs = [x for rings in projected.values() for ring in rings for x, _ in ring]
    ys = [y for rings in projected.values() for ring in rings for _, y in ring]
    left, top = min(xs), min(ys)
    scale = (WIDTH - 2 * MARGIN) / (max(xs) - left)
    height = round((max(ys) - top) * scale + 2 * MARGIN)

    def to_svg(point):
        return (point[0] - left) * scale + MARGIN, (point[1] - top) * scale + MARGIN

    by_sector = {}
    for number in sorted(projected):
        rings = [_simplify([to_svg(p) for p in ring], TOLERANCE) for ring in projected[number]]
        by_sector.setdefault(sector_of(number), []).append((number, [ring for ring in rings if len(ring) >= 3]))
    areas = []
    for sector, members in by_sector.items():
        rings = [ring for _, member_rings in members for ring in member_rings]
        weighted = [_area_and_centroid(ring) for _, member_rings in members for ring in member_rings[:1]]
        total = sum(area for area, _ in weighted) or 1.0
        label_x = sum(area * c[0] for area, c in weighted) / total
        label_y = sum(area * c[1] for area, c in weighted) / total
        areas.append(Area(sector, sector_label(sector), tuple(n for n, _ in members), _path(rings),
                          round(label_x, 1), round(label_y, 1)))
    return Map(WIDTH, height, tuple(areas))


def level(count: int, highest: int, levels: int = 5) -> int:
    """The shade of an area (0: no project, then 1..levels-1 by share of the busiest area)."""
    if not count or not highest:
        return 0
    return min(levels - 1, 1 + math.floor((levels - 1) * count / (highest + 1)))
