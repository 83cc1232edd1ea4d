"""Plotly figures built from scoring results; readable on screen and in black and white."""
from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from ikm.method import DEFAULT_METHOD, Method
from ikm.periods import Period
from ikm.profile import FIELDS
from ikm.scoring import Result

GREEN, ORANGE, GREY = "#2f7d4f", "#d9822b", "#8a9a93"
# Room on the right for the value written after the longest bar.
BAR_MARGIN = {"l": 10, "r": 80, "t": 50, "b": 40}
BAND_COLOURS = {"A": "#d8efe1", "B": "#eef5dc", "C": "#fbf0d9", "D": "#f9e0dc"}
# The three aspects the office watches day to day.
FOCUS = {"U7": "keramahan", "U3": "kecepatan", "U9": "sarana"}
FOCUS_EN = {"U7": "friendliness", "U3": "speed", "U9": "facilities"}


def focus_words(lang: str = "id") -> dict[str, str]:
    """Return the day-to-day names of the three aspects the office watches."""
    return FOCUS_EN if lang == "en" else FOCUS


def to_json(fig: go.Figure) -> str:
    """Return a figure as JSON safe to place inside a <script> element of a page."""
    return fig.to_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _layout(title: str, height: int, **extra: Any) -> go.Layout:
    settings: dict[str, Any] = {
        "template": "none", "title": {"text": title, "x": 0, "font": {"size": 16}},
        "height": height, "margin": {"l": 10, "r": 20, "t": 50, "b": 40},
        "font": {"family": "system-ui, Arial", "size": 13, "color": "#1d2a24"},
        "showlegend": False,
    }
    for axis in ("xaxis", "yaxis"):
        extra[axis] = {"automargin": True, **extra.get(axis, {})}
    return go.Layout(**{**settings, **extra})


def _grade_lines(method: Method) -> list[dict]:
    # Dashed lines at the lower bound of each grade, labelled, so print needs no colour.
    return [{"type": "line", "x0": float(b.lower), "x1": float(b.lower), "yref": "paper",
             "y0": 0, "y1": 1, "line": {"color": GREY, "width": 1, "dash": "dot"}}
            for b in method.grades[:-1]]


def unsur_label(code: str, name: str, lang: str = "id") -> str:
    focus = focus_words(lang).get(code)
    return f"{code} {name}" + (f" ({focus})" if focus else "")


def unsur_bars(result: Result, title: str, lang: str = "id", lowest_first: bool = False
               ) -> go.Figure:
    """Each unsur's value on the IKM scale (NRR x 25); the lowest stands out."""
    answered = result.lowest() if lowest_first else [u for u in result.unsur if u.n]
    lowest = result.lowest()[0].code if answered else None
    labels = [unsur_label(u.code, u.name_en if lang == "en" else u.name, lang) for u in answered]
    values = [float(u.ikm) for u in answered]
    fig = go.Figure(layout=_layout(title, 90 + 42 * max(len(answered), 1),
                                   margin=BAR_MARGIN,
                                   xaxis={"range": [25, 100], "title": "NRR x 25"},
                                   yaxis={"autorange": "reversed", "automargin": True},
                                   shapes=_grade_lines(result.method)))
    fig.add_bar(
        x=values, y=labels, orientation="h",
        marker={"color": [ORANGE if u.code == lowest else GREEN for u in answered],
                "pattern": {"shape": ["x" if u.code == lowest else "" for u in answered],
                            "fgcolor": "#ffffff"}},
        text=[f"{v:.2f} ({u.grade})" for v, u in zip(values, answered)],
        textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{x:.2f}<extra></extra>")
    return fig


def trend(months: list[tuple[Period, Result | None]], title: str, lang: str = "id",
          method: Method = DEFAULT_METHOD) -> go.Figure:
    """The IKM month by month over the grade bands."""
    shapes, notes = [], []
    for band in method.grades:
        shapes.append({"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "y0": float(band.lower),
                       "y1": float(band.upper) + 0.01, "fillcolor": BAND_COLOURS[band.mutu],
                       "line": {"width": 0}, "layer": "below"})
        notes.append({"xref": "paper", "x": 1.0, "xanchor": "left", "y": float(band.lower),
                      "yanchor": "bottom", "text": f" {band.mutu}", "showarrow": False,
                      "font": {"size": 13, "color": "#3f5149"}})
    fig = go.Figure(layout=_layout(
        title, 360, shapes=shapes, annotations=notes,
        yaxis={"range": [25, 100.5], "title": "IKM", "dtick": 25},
        xaxis={"type": "category"}, margin={"l": 50, "r": 30, "t": 50, "b": 60}))
    fig.add_scatter(
        x=[p.short_label(lang) for p, _ in months],
        y=[float(r.ikm) if r and r.ikm is not None else None for _, r in months],
        mode="lines+markers+text", connectgaps=False,
        text=[f"{r.ikm}" if r and r.ikm is not None else "" for _, r in months],
        textposition="top center", line={"color": "#0d5c46", "width": 3},
        marker={"size": 9, "symbol": "circle", "color": "#0d5c46"},
        hovertemplate="%{x}: %{y:.2f}<extra></extra>")
    return fig


def services(rows: list[tuple[dict[str, Any], Result]], title: str, lang: str = "id"
             ) -> go.Figure:
    """The IKM of each service, with its number of respondents."""
    rows = [(s, r) for s, r in rows if r.ikm is not None]
    names = [(s.get("name_en") if lang == "en" and s.get("name_en") else s["name"])
             for s, _ in rows]
    fig = go.Figure(layout=_layout(title, 90 + 40 * max(len(rows), 1),
                                   margin={**BAR_MARGIN, "r": 120},
                                   xaxis={"range": [25, 100], "title": "IKM"},
                                   yaxis={"autorange": "reversed", "automargin": True},
                                   shapes=_grade_lines(DEFAULT_METHOD)))
    fig.add_bar(x=[float(r.ikm) for _, r in rows], y=names, orientation="h",
                marker={"color": GREEN},
                text=[f"{r.ikm} ({r.grade}, n={r.respondents})" for _, r in rows],
                textposition="outside", cliponaxis=False,
                hovertemplate="%{y}: %{x:.2f}<extra></extra>")
    return fig


def profile(counts: dict[str, dict[str | None, int]], lang: str = "id") -> list[go.Figure]:
    """One small bar chart per profile field, 'not given' last."""
    not_given = "Not given" if lang == "en" else "Tidak diisi"
    figures = []
    for f in FIELDS:
        found = counts.get(f.key, {})
        labels = [f.label(c, lang) for c in f.codes] + [not_given]
        values = [found.get(c, 0) for c in f.codes] + [found.get(None, 0)]
        fig = go.Figure(layout=_layout(f.title_en if lang == "en" else f.title, 260,
                                       yaxis={"rangemode": "tozero"},
                                       xaxis={"automargin": True}))
        fig.add_bar(x=labels, y=values, marker={"color": [GREEN] * len(f.codes) + [GREY]},
                    text=values, textposition="outside", cliponaxis=False)
        figures.append(fig)
    return figures
