"""Building blocks of the hub's Grafana dashboards: panels, rows, variables and the dashboard itself, in Grafana's
JSON model (schemaVersion 39), so that every dashboard of catalogue.py looks and behaves the same.

Panels are laid out left to right on Grafana's 24-column grid, a new line when a panel would not fit; a row starts
a new line. Queries are PromQL with `$__rate_interval` and `$__range` only, and dashboard variables only inside
regex matchers (`label=~"$name"`), whose "All" is `.*`: tests/contract/test_grafana_dashboards.py holds them to it.
"""
from dataclasses import dataclass, field

DATASOURCE = {"type": "prometheus", "uid": "hub-prometheus"}  # provisioning/datasources/prometheus.yml
SCHEMA_VERSION = 39
COLUMNS = 24
TAG = "hub"

GREEN, AMBER, RED, BLUE = "green", "orange", "red", "blue"


@dataclass
class Query:
    expr: str
    legend: str = ""
    instant: bool = False


@dataclass
class Panel:
    """One panel: `kind` is Grafana's panel type, `queries` its PromQL, `unit` Grafana's unit id, `steps` the
    threshold steps [(value or None for the base, colour)], `width`/`height` in grid cells."""
    title: str
    kind: str
    queries: list
    description: str
    unit: str = "short"
    steps: list = field(default_factory=lambda: [(None, GREEN)])
    width: int = 6
    height: int = 8
    links: list = field(default_factory=list)
    decimals: int = None
    max: float = None


@dataclass
class Row:
    title: str


def stat(title, expr, description, unit="short", steps=None, width=4, links=(), decimals=None, height=4):
    return Panel(title, "stat", [Query(expr, instant=False)], description, unit, steps or [(None, GREEN)], width,
                 height, list(links), decimals)


def series(title, queries, description, unit="short", width=12, height=8, steps=None):
    queries = [Query(*q) if isinstance(q, tuple) else q for q in queries]
    return Panel(title, "timeseries", queries, description, unit, steps or [(None, GREEN)], width, height)


def table(title, expr, legend, description, unit="short", width=12, height=8):
    return Panel(title, "table", [Query(expr, legend, instant=True)], description, unit, [(None, GREEN)], width,
                 height)


def bars(title, expr, legend, description, unit="short", width=12, height=8, steps=None):
    return Panel(title, "bargauge", [Query(expr, legend, instant=True)], description, unit, steps or [(None, BLUE)],
                 width, height)


def variable(name, label, metric, description):
    """A multi-value variable over the values of `label` of `metric`, used as `label=~"$name"` only."""
    return {"name": name, "label": description, "type": "query", "datasource": dict(DATASOURCE),
            "query": {"qryType": 1, "query": f"label_values({metric}, {label})", "refId": "variable"},
            "definition": f"label_values({metric}, {label})", "refresh": 2, "sort": 1,
            "multi": True, "includeAll": True, "allValue": ".*",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "options": [], "hide": 0}


def _thresholds(steps):
    return {"mode": "absolute", "steps": [{"color": colour, "value": value} for value, colour in steps]}


def _targets(panel: Panel) -> list:
    targets = []
    for index, query in enumerate(panel.queries):
        target = {"datasource": dict(DATASOURCE), "refId": chr(ord("A") + index), "expr": query.expr,
                  "legendFormat": query.legend or "__auto", "range": not query.instant, "instant": query.instant}
        if panel.kind == "table":
            target["format"] = "table"
        targets.append(target)
    return targets


def _options(panel: Panel) -> dict:
    if panel.kind == "stat":
        return {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                "colorMode": "background", "graphMode": "area", "justifyMode": "auto", "orientation": "auto",
                "textMode": "auto"}
    if panel.kind == "bargauge":
        return {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                "orientation": "horizontal", "displayMode": "gradient", "showUnfilled": True}
    if panel.kind == "table":
        return {"showHeader": True, "footer": {"show": False, "reducer": ["sum"]}, "cellHeight": "sm"}
    return {"legend": {"displayMode": "table", "placement": "bottom", "showLegend": True, "calcs": ["lastNotNull",
                                                                                                      "max"]},
            "tooltip": {"mode": "multi", "sort": "desc"}}


def _field_config(panel: Panel) -> dict:
    defaults = {"unit": panel.unit, "thresholds": _thresholds(panel.steps), "color": {"mode": "thresholds"}}
    if panel.kind == "timeseries":
        defaults["color"] = {"mode": "palette-classic"}
        defaults["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
                              "spanNulls": False, "thresholdsStyle": {"mode": "off"}}
    if panel.decimals is not None:
        defaults["decimals"] = panel.decimals
    if panel.max is not None:
        defaults["max"] = panel.max
    return {"defaults": defaults, "overrides": []}


def _panel_json(panel: Panel, panel_id: int, grid: dict) -> dict:
    body = {"id": panel_id, "type": panel.kind, "title": panel.title, "description": panel.description,
            "datasource": dict(DATASOURCE), "gridPos": grid, "targets": _targets(panel),
            "fieldConfig": _field_config(panel), "options": _options(panel)}
    if panel.kind == "table":
        body["transformations"] = [{"id": "organize", "options": {"excludeByName": {"Time": True}}}]
    if panel.links:
        body["links"] = [{"title": title, "url": url} for title, url in panel.links]
    return body


def layout(items: list) -> list:
    """Panels and rows in Grafana's JSON, each placed on the grid: ids from 1, left to right, top to bottom."""
    panels, x, y, line_height = [], 0, 0, 0
    for panel_id, item in enumerate(items, start=1):
        if isinstance(item, Row):
            y, x, line_height = y + line_height, 0, 0
            panels.append({"id": panel_id, "type": "row", "title": item.title, "collapsed": False, "panels": [],
                           "gridPos": {"h": 1, "w": COLUMNS, "x": 0, "y": y}})
            y += 1
            continue
        if x + item.width > COLUMNS:
            y, x, line_height = y + line_height, 0, 0
        panels.append(_panel_json(item, panel_id, {"h": item.height, "w": item.width, "x": x, "y": y}))
        x, line_height = x + item.width, max(line_height, item.height)
    return panels


def dashboard(uid: str, title: str, description: str, items: list, tags=(), variables=(), refresh="30s",
              hours: int = 3) -> dict:
    """A whole dashboard. Every dashboard links to the others through the `hub` tag (a drop-down in the top bar)."""
    return {
        "uid": uid, "title": title, "description": description, "tags": [TAG, *tags], "timezone": "browser",
        "editable": False, "graphTooltip": 1, "schemaVersion": SCHEMA_VERSION, "version": 1, "refresh": refresh,
        "time": {"from": f"now-{hours}h", "to": "now"}, "fiscalYearStartMonth": 0, "liveNow": False,
        "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                  "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                                  "name": "Annotations & Alerts", "type": "dashboard"}]},
        "links": [{"title": "Tableaux du hub", "type": "dashboards", "tags": [TAG], "asDropdown": True,
                   "includeVars": False, "keepTime": True, "targetBlank": False, "icon": "external link",
                   "tooltip": "", "url": ""}],
        "templating": {"list": list(variables)},
        "panels": layout(items),
    }
