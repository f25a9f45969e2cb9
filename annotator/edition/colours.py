# Colours of the edition's marks. Every trope (and every reader's own
# highlight colour) gets a CSS class with a translucent tint for the
# background and an underline darkened or lightened until it stands out at
# WCAG's 3:1 against the paper, in the light and the dark scheme alike.
"""Colour contrast and the CSS rule of a colour class: :func:`contrast`, :func:`readable`."""

from __future__ import annotations

NEUTRAL = "#8a8178"
"""Colour of annotations that have neither a trope nor a colour of their own."""
LIGHT_PAPER = "#fbf8f1"
DARK_PAPER = "#1b1917"


def _rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours."""
    la, lb = _luminance(_rgb(a)), _luminance(_rgb(b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def readable(colour: str, background: str, target: float = 3.0) -> str:
    """``colour`` darkened or lightened just enough to reach ``target`` contrast on ``background``.

    Underlines and timeline ticks are graphics that carry meaning, so WCAG
    asks 3:1 of them (1.4.11); the trope's own hue is kept.
    """
    if contrast(colour, background) >= target:
        return colour.lower()
    towards = 0 if _luminance(_rgb(background)) > 0.5 else 255
    r, g, b = _rgb(colour)
    out = colour
    for step in range(1, 21):
        f = step / 20
        mixed = tuple(round(c + (towards - c) * f) for c in (r, g, b))
        out = "#" + "".join(f"{c:02x}" for c in mixed)
        if contrast(out, background) >= target:
            break
    return out


def colour_rule(cls: str, colour: str, style: str, thickness: str) -> tuple[str, str]:
    """The light and the dark scheme's rule of colour class ``cls``: tint, underline, style."""
    r, g, b = _rgb(colour)
    light = (
        f".{cls}{{--b:rgb({r} {g} {b}/.2);--u:{readable(colour, LIGHT_PAPER)};"
        f"--s:{style};--w:{thickness}}}"
    )
    dark = f".{cls}{{--b:rgb({r} {g} {b}/.34);--u:{readable(colour, DARK_PAPER)}}}"
    return light, dark


__all__ = ["DARK_PAPER", "LIGHT_PAPER", "NEUTRAL", "colour_rule", "contrast", "readable"]
