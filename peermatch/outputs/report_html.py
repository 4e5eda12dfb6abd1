"""The HTML programme report: one self-contained file a coordinator can email to their director.

The charts are inline SVG that this module writes itself, not matplotlib images: matplotlib would be a heavy
dependency (tens of megabytes with its fonts) for three simple charts, whereas inline SVG keeps the report a single
small text file that opens offline in any browser, scales and prints sharply, keeps its text selectable and
searchable, and comes out byte-for-byte the same for the same history, so its structure can be tested against a
golden file.  Styles are inline too, and a Content-Security-Policy forbids the page to fetch anything at all.

Profession names and round labels are user data: every piece of text goes through :func:`html.escape`.  The report
holds counts, professions and round labels only, never ids, names or emails.
"""

from __future__ import annotations

import re
from html import escape

from peermatch.outputs.report import Coverage, notes

TITLE = "Peer-learning programme report"
MET, NOT_MET, AWAITING = "#2171b5", "#e6550d", "#bdbdbd"  # blue and orange stay apart for colour-blind readers
_LOW, _HIGH = (0xF7, 0xFB, 0xFF), (0x08, 0x30, 0x6B)  # the heat map runs from near-white to dark blue
_CELL = 36
_CHAR = 7.2  # the width of a character of 12px sans-serif, near enough to lay out labels
_LABEL_CHARS = 28
_BACKTICKS = re.compile(r"`([^`]+)`")

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1b1b1b;
       margin: 0; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.2em; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta, figcaption, .legend { color: #555; font-size: 0.9em; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin: 0; }
.figures div { border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; }
.figures dt { color: #555; font-size: 0.9em; }
.figures dd { margin: 0; font-size: 1.5em; font-weight: 600; }
.figures dd small { font-size: 0.6em; font-weight: 400; color: #555; display: block; }
figure { margin: 0; overflow-x: auto; }
svg { max-width: 100%; height: auto; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
table { border-collapse: collapse; margin-top: 12px; font-size: 0.9em; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.upcoming { color: #777; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; vertical-align: -0.1em; margin: 0 4px 0 12px; }
@media print { main { padding: 0; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
"""


def coverage_html(report: Coverage, *, version: str) -> str:
    """The whole report as one HTML document."""
    upcoming = len(report.rounds) - report.rounds_held
    roster = f" and the roster {_code(report.roster)}" if report.roster else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing to fetch: the page is whole, and a browser must not go looking for anything.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{escape(TITLE)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{escape(TITLE)}</h1>",
        f'<p class="meta">From the history {_code(report.history)}{roster}, as of '
        f"{escape(report.as_of.replace('T', ' '))}. Made by peermatch {escape(version)}.</p>",
        '<section id="figures">',
        "<h2>At a glance</h2>",
        '<dl class="figures">',
        _figure("Rounds held", str(report.rounds_held), f"{upcoming} to come" if upcoming else ""),
        _figure("Conversations planned", str(report.conversations),
                f"{report.met} took place, {report.not_met} did not, {report.awaiting} without feedback"),
        _figure("People brought together", str(report.people_reached), f"of {report.people} in the history"),
        _figure("Pairings across professions", f"{report.across_share:.0%}",
                f"{report.pairings_across_professions} of {report.pairings} pairs of people"),
        "</dl>",
        "</section>",
    ]
    if report.rounds:
        parts += _rounds_section(report)
    if report.professions_met:
        parts += _distribution_section(report)
    parts += _matrix_section(report)
    parts += ['<section id="notes">', "<h2>About these figures</h2>", "<ul>"]
    parts += [f"<li>{_quoted_code(escape(note))}</li>" for note in notes(report)]
    parts += ["<li>A group counts every pair of its members in the pairings and the matrix: a group of three is "
              "three pairs of people, a table of five is ten.</li>",
              "<li>This report holds counts, professions and round labels only: no names, emails or ids.</li>",
              "</ul>", "</section>", "</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


def _quoted_code(text: str) -> str:
    """`command` in a note (already escaped) as <code>command</code>."""
    return _BACKTICKS.sub(r"<code>\1</code>", text)


def _figure(label: str, value: str, detail: str) -> str:
    small = f"<small>{escape(detail)}</small>" if detail else ""
    return f"<div><dt>{escape(label)}</dt><dd>{escape(value)}{small}</dd></div>"


def _n(value: float) -> str:
    """A coordinate with at most one decimal, written the same way every time."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _legend(*entries: tuple[str, str]) -> str:
    swatches = "".join(f'<span class="swatch" style="background:{colour}"></span>{escape(label)}'
                       for colour, label in entries)
    return f'<p class="legend">{swatches}</p>'


# -- rounds ---------------------------------------------------------------------------------------------------------


def _rounds_section(report: Coverage) -> list[str]:
    rows = []
    for r in report.rounds:
        when = escape(r.date) + (" (to come)" if r.upcoming else "")
        marked = ' class="upcoming"' if r.upcoming else ""
        rows.append(f'<tr{marked}><td>{escape(r.label)}</td><td>{when}</td>'
                    f"<td>{r.groups}</td><td>{r.people}</td><td>{r.met}</td><td>{r.not_met}</td>"
                    f"<td>{r.awaiting}</td></tr>")
    return ['<section id="rounds">', "<h2>Rounds</h2>", "<figure>", _rounds_chart(report),
            "<figcaption>Conversations per round, by feedback; rounds still to come are paler.</figcaption>",
            "</figure>",
            _legend((MET, "took place"), (NOT_MET, "did not take place"), (AWAITING, "no feedback yet")),
            "<table>",
            "<thead><tr><th>Round</th><th>Date</th><th>Groups</th><th>People</th><th>Met</th><th>Not met</th>"
            "<th>No feedback</th></tr></thead>",
            "<tbody>", *rows, "</tbody>", "</table>", "</section>"]


def _rounds_chart(report: Coverage) -> str:
    """Stacked bars, one per round: took place, did not, no feedback; labels slanted below."""
    count = len(report.rounds)
    step = max(18.0, min(64.0, 760 / count))
    bar = step * 0.7
    top, plot = 16.0, 180.0
    # Labels slant down to the left at 45°: as far across, and as far down, as their length times √½.
    label_room = min(_LABEL_CHARS, max(len(r.label) for r in report.rounds)) * _CHAR * 0.72 + 16
    left = max(44.0, label_room - step / 2)
    width, height = left + step * count + 12, top + plot + label_room
    most = max((r.groups for r in report.rounds), default=0) or 1
    scale = plot / most
    base = top + plot
    parts = [f'<svg id="rounds-chart" xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
             f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" aria-label="Conversations per round">',
             f'<line x1="{_n(left)}" y1="{_n(base)}" x2="{_n(width - 8)}" y2="{_n(base)}" stroke="#999"/>',
             f'<text x="{_n(left - 6)}" y="{_n(base + 4)}" font-size="11" text-anchor="end">0</text>',
             f'<text x="{_n(left - 6)}" y="{_n(top + 4)}" font-size="11" text-anchor="end">{most}</text>',
             f'<line x1="{_n(left)}" y1="{_n(top)}" x2="{_n(width - 8)}" y2="{_n(top)}" stroke="#eee"/>']
    for k, r in enumerate(report.rounds):
        x = left + step * k + (step - bar) / 2
        y = base
        opacity = ' opacity="0.45"' if r.upcoming else ""
        parts.append(f'<g class="round"{opacity}>')
        parts.append(f"<title>{escape(r.label)} ({escape(r.date)}): {r.groups} conversations, {r.met} took "
                     f"place, {r.not_met} did not, {r.awaiting} without feedback</title>")
        for value, colour in ((r.met, MET), (r.not_met, NOT_MET), (r.awaiting, AWAITING)):
            if value:
                y -= value * scale
                parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(bar)}" height="{_n(value * scale)}" '
                             f'fill="{colour}"/>')
        parts.append(f'<text x="{_n(x + bar / 2)}" y="{_n(y - 4)}" font-size="11" text-anchor="middle">'
                     f"{r.groups}</text>")
        label_x, label_y = x + bar / 2, base + 12
        parts.append(f'<text x="{_n(label_x)}" y="{_n(label_y)}" font-size="11" text-anchor="end" '
                     f'transform="rotate(-45 {_n(label_x)} {_n(label_y)})">{escape(_short(r.label, _LABEL_CHARS))}'
                     "</text>")
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


# -- distinct professions met ---------------------------------------------------------------------------------------


def _distribution_section(report: Coverage) -> list[str]:
    counts = report.professions_met
    step, bar, left, top, plot = 48.0, 34.0, 16.0, 20.0, 140.0
    width, height = left * 2 + step * len(counts), top + plot + 40
    scale = plot / (max(counts) or 1)
    base = top + plot
    parts = [f'<svg id="professions-met-chart" xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" '
             f'height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
             'aria-label="People by the number of distinct professions they met">',
             f'<line x1="{_n(left)}" y1="{_n(base)}" x2="{_n(width - left)}" y2="{_n(base)}" stroke="#999"/>']
    for k, count in enumerate(counts):
        x = left + step * k + (step - bar) / 2
        parts.append(f'<g class="bar"><title>{count} {"person" if count == 1 else "people"} met {k} '
                     f'profession{"" if k == 1 else "s"}</title>')
        parts.append(f'<rect x="{_n(x)}" y="{_n(base - count * scale)}" width="{_n(bar)}" '
                     f'height="{_n(count * scale)}" fill="{MET}"/>')
        parts.append(f'<text x="{_n(x + bar / 2)}" y="{_n(base - count * scale - 4)}" font-size="11" '
                     f'text-anchor="middle">{count}</text>')
        parts.append(f'<text x="{_n(x + bar / 2)}" y="{_n(base + 16)}" font-size="12" text-anchor="middle">{k}'
                     "</text></g>")
    parts.append(f'<text x="{_n(width / 2)}" y="{_n(base + 34)}" font-size="12" text-anchor="middle">'
                 "distinct professions met</text>")
    parts.append("</svg>")
    return ['<section id="professions-met">', "<h2>Distinct professions each person met</h2>", "<figure>",
            "\n".join(parts), "<figcaption>How many people met people of 0, 1, 2, … different professions "
            "(everyone in the history, including anyone not yet in a conversation).</figcaption>", "</figure>",
            "</section>"]


# -- profession × profession ----------------------------------------------------------------------------------------


def _heat(count: int, most: int) -> tuple[str, str]:
    """The fill of a cell and the colour its number is written in."""
    if count <= 0:
        return "#ffffff", "#999999"
    share = count / most
    fill = "#" + "".join(f"{round(low + (high - low) * share):02x}" for low, high in zip(_LOW, _HIGH, strict=True))
    return fill, "#ffffff" if share > 0.5 else "#1b1b1b"


def _matrix_section(report: Coverage) -> list[str]:
    head = ['<section id="matrix">', "<h2>Conversations between professions</h2>"]
    if not report.professions:
        return [*head, "<p>No conversations yet.</p>", "</section>"]
    return [*head, "<figure>", _heat_map(report),
            "<figcaption>Each cell counts the pairs of people from the two professions who were brought together; "
            "the diagonal is pairs within one profession. Darker is more.</figcaption>", "</figure>", "</section>"]


def _heat_map(report: Coverage) -> str:
    names = report.professions
    longest = min(_LABEL_CHARS, max(len(name) for name in names)) * _CHAR
    size = len(names) * _CELL
    # Column labels are slanted at 45°, so they need as much height as the longest label is long, times √½.
    left, top = longest + 12, longest * 0.72 + 16
    width, height = left + size + longest * 0.72 + 8, top + size + 8
    most = max((max(row) for row in report.matrix), default=0)
    parts = [f'<svg id="profession-matrix" xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" '
             f'height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
             'aria-label="Conversations between professions">']
    for k, name in enumerate(names):
        label = escape(_short(name, _LABEL_CHARS))
        y = top + _CELL * k + _CELL / 2 + 4
        parts.append(f'<text class="row-label" x="{_n(left - 8)}" y="{_n(y)}" font-size="12" '
                     f'text-anchor="end"><title>{escape(name)}</title>{label}</text>')
        x = left + _CELL * k + _CELL / 2
        y = top - 6
        parts.append(f'<text class="column-label" x="{_n(x)}" y="{_n(y)}" font-size="12" '
                     f'transform="rotate(-45 {_n(x)} {_n(y)})"><title>{escape(name)}</title>{label}</text>')
    for i, row in enumerate(report.matrix):
        for j, count in enumerate(row):
            fill, ink = _heat(count, most)
            x, y = left + _CELL * j, top + _CELL * i
            parts.append(f'<g class="cell"><title>{escape(names[i])} × {escape(names[j])}: {count}</title>'
                         f'<rect x="{_n(x)}" y="{_n(y)}" width="{_CELL}" height="{_CELL}" fill="{fill}" '
                         'stroke="#dddddd"/>'
                         f'<text x="{_n(x + _CELL / 2)}" y="{_n(y + _CELL / 2 + 4)}" font-size="12" '
                         f'text-anchor="middle" fill="{ink}">{count if count else "·"}</text></g>')
    parts.append("</svg>")
    return "\n".join(parts)
