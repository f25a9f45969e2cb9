"""The edition's colours: the page's palette and every trope's tint and underline meet WCAG."""

from __future__ import annotations

import re
from pathlib import Path

from annotator.edition.colours import DARK_PAPER, LIGHT_PAPER, contrast, readable
from annotator.tropes import default_vocabulary

EDITION = Path(__file__).resolve().parent.parent / "annotator" / "edition"


def _css_vars(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-f]{6})\b", block))


def test_palette_meets_wcag_aa():
    css = (EDITION / "static" / "edition.css").read_text()
    light = _css_vars(css[css.index(":root {") : css.index("}", css.index(":root {"))])
    dark_at = css.index("prefers-color-scheme: dark")
    dark = _css_vars(css[dark_at : css.index("}", css.index(":root", dark_at))])
    for palette in (light, dark):
        assert contrast(palette["ink"], palette["paper"]) >= 7
        for name in ("muted", "accent"):
            assert contrast(palette[name], palette["paper"]) >= 4.5, name
            assert contrast(palette[name], palette["paper-2"]) >= 4.5, name
    # text on every highlight tint stays readable; every underline stands out at 3:1
    for trope in default_vocabulary():
        r, g, b = (int(trope.colour[i : i + 2], 16) for i in (1, 3, 5))
        for paper, alpha, ink in (
            (LIGHT_PAPER, 0.2, light["ink"]),
            (DARK_PAPER, 0.34, dark["ink"]),
        ):
            pr, pg, pb = (int(paper[i : i + 2], 16) for i in (1, 3, 5))
            mixed = (round(p + (c - p) * alpha) for p, c in ((pr, r), (pg, g), (pb, b)))
            tint = "#" + "".join(f"{c:02x}" for c in mixed)
            assert contrast(ink, tint) >= 4.5, (trope.id, paper)
            assert contrast(readable(trope.colour, paper), paper) >= 3, (trope.id, paper)
