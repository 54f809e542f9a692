"""Line breaking of the 一企一档 PDF's text (analysis/pdf_layout.py), in the compact CJK font,
whose hanzi and full-width punctuation are one em wide."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase.pdfmetrics import stringWidth

from innopoints.analysis import pdf_fonts
from innopoints.analysis.pdf_layout import NO_LINE_START, wrap_text

FONT = pdf_fonts.registered(compact=True)


def test_chinese_breaks_between_any_two_characters() -> None:
    assert stringWidth("一", FONT, 10) == 10.0
    assert wrap_text("一二三四五", FONT, 10, 25) == ["一二", "三四", "五"]
    assert wrap_text("一二三四五", FONT, 10, 50) == ["一二三四五"]


def test_closing_punctuation_stays_on_the_line_before() -> None:
    assert wrap_text("一二，三四", FONT, 10, 25) == ["一二，", "三四"]
    assert wrap_text("（一）二三", FONT, 10, 25) == ["（一）", "二三"]


def test_latin_breaks_between_words_and_inside_a_word_only_if_it_alone_is_too_wide() -> None:
    width = stringWidth("alpha beta", FONT, 10) + 1
    assert wrap_text("alpha beta gamma", FONT, 10, width) == ["alpha beta", "gamma"]
    narrow = stringWidth("abc", FONT, 10) + 0.5
    assert wrap_text("abcdefg hi", FONT, 10, narrow) == ["abc", "def", "g hi"]


def test_mixed_text_breaks_after_the_latin_word() -> None:
    width = stringWidth("研发费用 R&D", FONT, 10) + 1
    assert wrap_text("研发费用 R&D 投入强度", FONT, 10, width) == ["研发费用 R&D", "投入强度"]


TEXT = st.text(alphabet=st.sampled_from(list("一企档研发，。（）、ab cdR&D1.5%")), max_size=60)


@settings(max_examples=200, deadline=None)
@given(text=TEXT, width=st.floats(min_value=12, max_value=200))
def test_lines_fit_keep_every_character_and_never_start_with_closing_punctuation(
    text: str, width: float
) -> None:
    lines = wrap_text(text, FONT, 10, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        fits = stringWidth(line, FONT, 10) <= width
        punctuation_kept = line[-1:] in NO_LINE_START  # may overhang its column
        assert fits or punctuation_kept or len(line) == 1, (line, width)
    for line in lines[1:]:
        assert line[:1] not in NO_LINE_START, lines
