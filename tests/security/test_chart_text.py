"""Chart text is plain: Plotly's HTML in names and labels is escaped, the builders' own tags kept."""
from __future__ import annotations

from survey_app.analysis.charts import stacked_by_place
from survey_app.analysis.charts.inert import inert


def test_markup_from_data_is_escaped_and_our_tags_kept():
    fig = stacked_by_place(['<a href="https://evil.example">村</a>', "<b>x</b> & y"], [3, 4],
                           [('<span style="font-size:99px">s</span>', [1, 2])], "<i>t</i>")
    shown = repr(inert(fig.to_dict()))
    assert "<a " not in shown and "<span" not in shown and "<b>" not in shown and "<i>" not in shown
    assert "&lt;a href=" in shown and "&lt;b&gt;x&lt;/b&gt; &amp; y" in shown
    assert "<br><sub>n = 3</sub>" in shown


def test_numbers_and_nesting_pass_through():
    assert inert({"x": [1, 2.5, None], "y": ["<br>", "a<b"], "n": {"k": True}}) == {
        "x": [1, 2.5, None], "y": ["<br>", "a&lt;b"], "n": {"k": True}}
