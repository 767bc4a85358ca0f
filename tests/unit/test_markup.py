"""The escaper behind every page's user text (assessment.domain.markup, ui.safe)."""

from __future__ import annotations

import string

import pandas as pd
import plotly.graph_objects as go
import pytest

from assessment.domain.markup import WORD_JOINER as WJ
from assessment.domain.markup import Markdown, escape_markdown, escape_plotly
from ui.safe import md, md_frame, md_join, plotly_text

PROBE = "[点我](http://127.0.0.1:9/x) ![px](http://127.0.0.1:9/px.png) <img src=x> <b>粗</b> **粗**"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("甲南县", "甲南县"),  # Chinese passes untouched
        ("Jianan County", "Jianan County"),
        ("[x](http://e.cn)", rf"\[x\]\(http\:{WJ}\/\/e\.cn\)"),
        ("![px](a.png)", r"\!\[px\]\(a\.png\)"),
        ("<b>粗</b>", r"\<b\>粗\<\/b\>"),
        ("**粗** _i_ ~~s~~ `c`", r"\*\*粗\*\* \_i\_ \~\~s\~\~ \`c\`"),
        ("# h", r"\# h"),
        ("1. item", r"1\. item"),
        ("- item | a", r"\- item \| a"),
        ("&amp; &lt;", r"\&amp\; \&lt\;"),
        ("$x$ {y}", r"\$x\$ \{y\}"),
        ("back\\slash", "back\\\\slash"),
        ("www.e.cn", rf"www{WJ}\.e\.cn"),
        ("WWW.E.CN", rf"WWW{WJ}\.E\.CN"),
        ("a@b.cn", rf"a\@{WJ}b\.cn"),
        (":red[x] :smile:", rf"\:{WJ}red\[x\] \:{WJ}smile\:{WJ}"),
        ("line one\nline two\r\nthree", "line one line two three"),
        ("", ""),
        (None, ""),
        (12.5, r"12\.5"),
    ],
)
def test_escape_markdown_table(text: object, escaped: str) -> None:
    assert escape_markdown(text) == escaped
    assert isinstance(escape_markdown(text), Markdown)


def test_every_ascii_punctuation_character_is_escaped() -> None:
    out = escape_markdown(string.punctuation)
    unescaped = out.replace(WJ, "")
    assert unescaped == "".join("\\" + ch for ch in string.punctuation)


def test_lines_keeps_line_breaks_as_hard_breaks() -> None:
    assert escape_markdown("a [x]\nb", lines=True) == "a \\[x\\]  \nb"


def test_escaping_twice_is_escaping_once() -> None:
    once = md(PROBE)
    assert md(once) == once and md(md(once)) == once
    assert escape_markdown(once, lines=True) == once


def test_no_markdown_or_address_survives() -> None:
    import re

    out = md(PROBE)
    bare = re.sub(r"\\.", "", out)  # drop every escaped character: no punctuation may be left
    assert not [ch for ch in bare if ch in string.punctuation]
    assert "http:" + WJ not in out and f"http\\:{WJ}" in out, "the address is broken for the autolinker"
    assert out.replace("\\", "").replace(WJ, "") == PROBE, "nothing but escapes was added"


def test_md_join_escapes_the_parts_once() -> None:
    joined = md_join("; ", [md("a.b"), "[c]"])
    assert joined == r"a\.b\; \[c\]"
    assert md(joined) == joined


def test_md_frame_escapes_text_cells_and_headers_only() -> None:
    frame = pd.DataFrame({"[h]": ["**x**", None], "n": [1.5, 2.0]})
    out = md_frame(frame)
    assert list(out.columns) == [r"\[h\]", "n"]
    assert out.iloc[0, 0] == r"\*\*x\*\*" and out.iloc[1, 0] == "—"
    assert out["n"].tolist() == [1.5, 2.0]
    assert frame.iloc[0, 0] == "**x**", "the caller's frame is left alone"


def test_plotly_text_turns_tags_into_entities() -> None:
    assert escape_plotly('<a href="http://x">a&b</a> %{y}') == (
        f'&lt;a href="http://x"&gt;a&amp;b&lt;/a&gt; %{WJ}{{y}}'
    )
    assert plotly_text(None) == ""
    assert plotly_text("甲南县") == "甲南县"


def _strings(fig: go.Figure) -> str:
    return fig.to_json()


def test_charts_escape_region_and_indicator_names() -> None:
    from ui import charts

    evil = "<a href='http://127.0.0.1:9/x'>县</a><b>粗</b>"
    matrix = pd.DataFrame([[50.0]], index=[evil], columns=["基本公共教育"])
    fig = charts.score_heatmap(matrix, x_title="x", y_title="y", score_label="s", status_labels={})
    text = _strings(fig)
    assert "<a href" not in text and "<b>" not in text and "\\u003ca href" not in text
    assert "&lt;a href" in text
    assert charts.wrap_label("<b>long name here</b> more words", 8).count("<b>") == 0
    assert "<br>" in charts.wrap_label("<b>long name here</b> more words", 8)
