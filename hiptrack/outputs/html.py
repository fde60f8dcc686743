"""Shared HTML pieces for the self-contained report pages: escaping, the page shell, tables.

Pages never load anything: CSS is inline, plots are inline SVG, pictures are ``data:`` URIs, and
a Content-Security-Policy meta tag (``default-src 'none'``) makes any network load fail by
construction. **Every** string that did not come from this code goes through :func:`esc`.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Sequence

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

CSS = """
:root { --ink:#1d2330; --muted:#5b6475; --line:#d5dae3; --accent:#1f6feb; --bad:#c62828;
        --ok:#2e7d32; --warn:#b26a00; --left:#2879d0; --right:#e0701b; --both:#6a3fb5; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1000px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: var(--muted); margin: 0 0 12px; }
.meta b { color: var(--ink); font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: right; vertical-align: top; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
th { background: #f3f5f9; font-weight: 600; }
.ok { color: var(--ok); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
.warn { color: var(--warn); }
.fault { display: inline-block; background: #fdecea; color: var(--bad); border-radius: 3px;
         padding: 0 5px; margin: 1px 2px; font-size: 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 130px; }
.card .v { font-size: 22px; font-weight: 650; } .card .k { color: var(--muted); font-size: 12px; }
figure { margin: 8px 0; } figcaption { color: var(--muted); font-size: 12px; }
svg { max-width: 100%; height: auto; font-family: inherit; }
.thumbs { display: flex; flex-wrap: wrap; gap: 8px; }
.thumbs figure { width: 200px; margin: 0; }
.thumbs img { width: 100%; border-radius: 4px; border: 1px solid var(--line); }
.charts { display: flex; flex-wrap: wrap; gap: 8px; } .charts figure { width: 440px; margin: 0; }
.notes { white-space: pre-wrap; background: #f8f9fb; border-left: 3px solid var(--accent);
         padding: 6px 10px; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; border-top: 1px solid var(--line);
         padding-top: 8px; }
section.session { break-before: page; } section.session:first-of-type { break-before: auto; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; } table, figure, .cards { break-inside: avoid; }
  @page { margin: 14mm; size: A4; }
}
"""


def esc(value: object) -> str:
    """HTML-escape anything for text or a quoted attribute (quotes included)."""
    return html.escape(str(value), quote=True)


def fmt(value: float | int | None, digits: int = 1, unit: str = "") -> str:
    """A number for a table cell; ``"–"`` for missing/NaN."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    return f"{text} {esc(unit)}".rstrip() if unit else text


def page(title: str, body: str, generator: str = "") -> str:
    """A complete, standalone HTML document."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{esc(generator)}">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], text_cols: Sequence[int] = (0,), cls: str = ""
) -> str:
    """A table; ``headers`` are escaped here, cells must already be HTML (use :func:`esc`)."""
    head = "".join(
        f"<th{' class=text' if i in text_cols else ''}>{esc(h)}</th>" for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=text' if i in text_cols else ''}>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    klass = f' class="{esc(cls)}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def fault_chips(codes: Iterable[str]) -> str:
    return "".join(f'<span class="fault">{esc(c)}</span>' for c in codes) or "–"


def data_uri(data: bytes, mime: str = "image/jpeg") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
