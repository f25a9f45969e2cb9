"""XSS payloads for the injection tests, and the hostile story/vocabulary/annotations built from them.

Every payload that manages to run sets ``window.__xss`` (or calls ``alert``,
or fetches a URL on ``LEAK_HOST``); the tests trap all three. Loopback port 9
(discard) is used for "exfiltration" URLs so nothing could ever leave the
machine, and the tests abort those requests anyway after recording them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LEAK = "http://127.0.0.1:9/xss-leak"
X = "window.__xss=1"

PAYLOADS: list[str] = [
    # script tags
    f"<script>{X}</script>",
    f"<SCRIPT SRC={LEAK}.js></SCRIPT>",
    f"<scr<script>ipt>{X}</script>",
    f"</script><script>{X}</script>",
    f"<script>fetch('{LEAK}')</script>",
    "<script>alert(1)</script>",
    # event handlers
    f'<img src=x onerror="{X}">',
    "<img src=x onerror=alert(1)>",
    f'<svg onload="{X}">',
    f'<body onload="{X}">',
    f'<details open ontoggle="{X}">',
    f'<input autofocus onfocus="{X}">',
    f'<video><source onerror="{X}"></video>',
    f"<audio src=x onerror={X}>",
    f"<marquee onstart={X}>m</marquee>",
    f"<x onclick={X}>click me</x>",
    f'<div onmouseover="{X}">hover me</div>',
    f'<a href="#" onclick="{X}">a link</a>',
    f"<frameset onload={X}>",
    "<img src=x onerror=&#119;indow.__xss=1>",
    # attribute and context breakouts
    f'"><img src=x onerror={X}>',
    f"'><svg/onload={X}>",
    f'" onmouseover="{X}" x="',
    f"' autofocus onfocus='{X}' x='",
    f"</style><img src=x onerror={X}>",
    f"</textarea><img src=x onerror={X}>",
    f"</title><img src=x onerror={X}>",
    f'<noscript><p title="</noscript><img src=x onerror={X}>">',
    f"<!--<img src=x onerror={X}>-->",
    f"--><img src=x onerror={X}>",
    f"]]><script>{X}</script>",
    f"<![CDATA[<script>{X}</script>]]>",
    # javascript: and data: URLs
    f'<a href="javascript:{X}">js link</a>',
    f"[md link](javascript:{X})",
    f"[md entity link](jav&#x61;script:{X})",
    f'<a href="jav&#x09;ascript:{X}">tab link</a>',
    f"<IMG SRC=JaVaScRiPt:{X}>",
    "[data link](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    '<iframe src="javascript:window.top.__xss=1"></iframe>',
    '<iframe srcdoc="&lt;script&gt;parent.__xss=1&lt;/script&gt;"></iframe>',
    f'<object data="javascript:{X}"></object>',
    f'<embed src="javascript:{X}">',
    f'<form action="javascript:{X}"><button>go</button></form>',
    f'<meta http-equiv="refresh" content="0;url=javascript:{X}">',
    f"javascript:{X}",
    # SVG and MathML
    f"<svg><script>{X}</script></svg>",
    f"<svg><animate onbegin={X} attributeName=x dur=1s>",
    f'<svg><a xlink:href="javascript:{X}"><text x=20 y=20>svg link</text></a></svg>',
    f"<svg><style><img src=x onerror={X}></style></svg>",
    '<svg><foreignObject><iframe srcdoc="<script>parent.__xss=1</script>"></iframe></foreignObject></svg>',
    f"<math><mtext><table><mglyph><style><img src=x onerror={X}>",
    f'<math href="javascript:{X}">math link</math>',
    # CSS and resource loads
    f"<style>@import '{LEAK}.css';</style>",
    f'<div style="background:url({LEAK}-bg)">styled</div>',
    f"<link rel=stylesheet href={LEAK}.css>",
    f'<base href="{LEAK}/">',
    f"![md image]({LEAK}.png)",
    f'<img src="{LEAK}.png">',
    f"x:expression({X})",
    f"</style><style>body{{background:url({LEAK}-css)}}</style>",
    f'<a href="https://example.org/" ping="{LEAK}-ping">ping link</a>',
    # JSON, template and Unicode tricks
    f"\u2028\u2029<script>{X}</script>",
    f"\\u003cimg src=x onerror={X}\\u003e",
    f"&lt;script&gt;{X}&lt;/script&gt;",
    f"&#60;img src=x onerror={X}&#62;",
    f"\uff1cscript\uff1e{X}\uff1c/script\uff1e",
    f"\u202e<script>{X}</script>",
    f"{{{{constructor.constructor('{X}')()}}}}",
    f"${{{X}}}",
    f"{{% raw %}}<script>{X}</script>{{% endraw %}}",
]

#: Payloads short enough for a reader name (80 characters).
NAMES = [p for p in PAYLOADS if len(p) <= 80 and not any(ord(c) < 32 for c in p)]

#: Fields the tests put payloads in.
FIELDS = (
    "note (Markdown)",
    "note (plain text)",
    "trope label",
    "trope definition",
    "category label",
    "reader name",
    "annotation id",
    "story title",
    "story metadata",
    "story text",
)

STORY_ID = "xss"


def hostile_story(folder: Path) -> Path:
    """``folder/xss.txt`` and ``folder/xss.json``: a story made of payloads. Returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paragraphs = ["A Story of Payloads"]
    for i, p in enumerate(PAYLOADS):
        paragraphs.append(f"Paragraph {i}: before {p} after.")
    (folder / f"{STORY_ID}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    meta = {
        "title": f"A Story of Payloads {PAYLOADS[0]}",
        "author": PAYLOADS[6],
        "author_note": " ".join(PAYLOADS[:20]),
        "fandom": PAYLOADS[10:20],
        "relationship": PAYLOADS[20:25],
        "characters": PAYLOADS[25:35],
        "additional_tags": PAYLOADS,
        "category": PAYLOADS[35:40],
        "archive_warnings": PAYLOADS[40:45],
        "rating": PAYLOADS[1],
        "language": PAYLOADS[2],
        "summary": " ".join(PAYLOADS),
        "url": f"javascript:{X}",
        "source": PAYLOADS[7],
    }
    (folder / f"{STORY_ID}.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return folder


def hostile_vocabulary(path: Path) -> Path:
    """A user vocabulary whose labels, definitions and category labels are payloads."""
    tropes = []
    for i, p in enumerate(PAYLOADS):
        tropes.append(
            {
                "id": f"xss-{i}",
                "label": f"{p[:190]} #{i}",
                "aliases": [f"xss alias {i}"],
                "definition": p[:500],
                "category": "xss-cat" if i % 2 else "identity",
                "colour": "#aa3355",
            }
        )
    doc = {"version": 1, "categories": [{"id": "xss-cat", "label": PAYLOADS[7]}], "tropes": tropes}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def hostile_annotations(text: str, story_id: str = STORY_ID) -> list[Any]:
    """One annotation per payload: its note, creator, id and trope carry payloads."""
    from annotator.annotation import make_annotation, make_link

    out = []
    for i, p in enumerate(PAYLOADS):
        at = text.find(f"Paragraph {i}:")
        start, end = at, at + len(f"Paragraph {i}: before {p} after.")
        ident = "urn:x:" + "".join(c for c in p if not c.isspace())[:300] + f"#{i}"
        out.append(
            make_annotation(
                text,
                story_id,
                start,
                end,
                creator=NAMES[i % len(NAMES)],
                tropes=[f"xss-{i}"],
                note=p,
                note_format="text/markdown" if i % 3 else "text/plain",
                colour="#ffcc00" if i % 4 == 0 else None,
                id=ident,
            )
        )
    out.append(make_link(story_id, out[0].id, out[1].id, creator=NAMES[2], note=PAYLOADS[3]))
    return out
