"""The findings in plain Chinese: every branch, exact sentences for the common cases, and no
sentence claims a change (提高, 下降, 改善) that its figures do not show."""
from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from survey_app.analysis.figures import prepost_of
from survey_app.analysis.queries import PairedScores
from survey_app.analysis.stats import McNemar, mcnemar
from survey_app.reports import wording as w

CLAIMS = ("提高", "下降", "改善")
LABEL = "社会工作认知指数"


def figures(**changes):
    base = {"n_pairs": 96, "pre_mean": 55.04, "post_mean": 67.34, "mean_diff": 12.3, "ci95": [9.1, 15.5], "t": 7.6,
            "p_ttest": 0.00001, "p_wilcoxon": 0.00002, "cohens_dz": 0.62, "n_pre_only": 10, "n_post_only": 3}
    return base | changes


def claims(text):
    return [word for word in CLAIMS if word in text]


# -- numbers ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "text"), [(12.34, "12.3"), (-4.25, "−4.2"), (-0.04, "0.0"), (0, "0.0"), (15.55, "15.6")])
def test_one_decimal_and_a_true_minus_sign(value, text):
    assert w.number(value) == text


def test_ranges_use_an_en_dash_or_zhi_when_negative():
    assert w.value_range(9.1, 15.5) == "9.1–15.5"
    assert w.value_range(-1.8, 5.4) == "−1.8 至 5.4"
    assert w.value_range(-6.8, -1.6) == "−6.8 至 −1.6"


@pytest.mark.parametrize(("p", "text"), [(0.0004, "p < 0.001"), (0.001, "p = 0.001"), (0.0123, "p = 0.012"), (0.5, "p = 0.500")])
def test_p_values(p, text):
    assert w.p_text(p) == text


# -- pre/post --------------------------------------------------------------------------------

def test_significant_increase_exact():
    assert w.prepost_sentence(figures(), LABEL) == (
        "结论：社会工作认知指数明显提高。后测社会工作认知指数较前测提高 12.3 分（95% 置信区间 9.1–15.5，p < 0.001，效应量 d = 0.62，中等），"
        "基于 96 对前后测配对的受访者，前测平均 55.0 分，后测平均 67.3 分。"
    )


def test_significant_but_negligible_increase_says_the_change_is_small():
    text = w.prepost_sentence(figures(mean_diff=1.1, ci95=[0.2, 2.0], p_ttest=0.02, cohens_dz=0.12), LABEL)
    assert text.startswith("结论：社会工作认知指数略有提高。") and "提高 1.1 分" in text and "效应量 d = 0.12，很小" in text and text.endswith("变化在统计上显著，但幅度很小。")


def test_significant_decrease_said_plainly_exact():
    text = w.prepost_sentence(figures(pre_mean=60.0, post_mean=55.8, mean_diff=-4.2, ci95=[-6.8, -1.6], p_ttest=0.0123,
                                      p_wilcoxon=0.01, cohens_dz=-0.31), LABEL)
    assert text == (
        "结论：社会工作认知指数下降。后测社会工作认知指数较前测下降 4.2 分（后测减前测为 −4.2 分，95% 置信区间 −6.8 至 −1.6，p = 0.012，"
        "效应量 d = −0.31，小），基于 96 对前后测配对的受访者，前测平均 60.0 分，后测平均 55.8 分。"
        "这一下降在统计上是显著的，需要查明原因。"
    )
    assert "提高" not in text


def test_not_significant_exact_and_no_claim():
    text = w.prepost_sentence(figures(mean_diff=1.8, ci95=[-1.8, 5.4], p_ttest=0.321, p_wilcoxon=0.4, cohens_dz=0.1), LABEL)
    assert text == (
        "结论：社会工作认知指数无明显变化。后测与前测相比，社会工作认知指数没有发现明显变化（后测减前测为 1.8 分，95% 置信区间 −1.8 至 5.4，p = 0.321，"
        "效应量 d = 0.10，很小），基于 96 对前后测配对的受访者，前测平均 55.0 分，后测平均 67.3 分。"
        "现有数据不能说明社会工作认知指数在服务后有所增长。"
    )
    assert claims(text) == []


def test_a_negative_but_not_significant_change_is_no_change():
    text = w.prepost_sentence(figures(mean_diff=-2.0, ci95=[-5.0, 1.0], p_ttest=0.2, cohens_dz=-0.15), LABEL)
    assert "没有发现明显变化" in text and "−2.0 分" in text and claims(text) == []


def test_p_just_below_alpha_with_an_interval_touching_zero_is_not_a_claim():
    # p and the interval disagree only through rounding; only both together make a claim
    text = w.prepost_sentence(figures(mean_diff=3.0, ci95=[0.0, 6.0], p_ttest=0.0499), LABEL)
    assert "没有发现明显变化" in text and claims(text) == []


@pytest.mark.parametrize("n", [0, 1, 4])
def test_too_few_pairs_cannot_judge(n):
    text = w.prepost_sentence({"n_pairs": n, "mean_diff": None, "ci95": None, "p_ttest": None, "n_pre_only": 0}, LABEL)
    assert claims(text) == [] and "无法判断" in text
    lead = "结论：前后测都访问到的居民人数太少，不能下结论。"
    if n:
        assert text == lead + f"前后测配对的受访者只有 {n} 对（少于 5 对），无法判断社会工作认知指数前后是否有变化。"
    else:
        assert text == lead + "还没有前后测配对的受访者，无法判断社会工作认知指数前后是否有变化。"


def test_none_figures_cannot_judge():
    assert w.prepost_sentence(None, LABEL) == ("结论：前后测都访问到的居民人数太少，不能下结论。"
                                               "还没有前后测配对的受访者，无法判断社会工作认知指数前后是否有变化。")


def test_pairs_that_all_changed_alike_cannot_be_tested():
    result = prepost_of(PairedScores(pre=[50.0] * 6, post=[60.0] * 6))
    assert result["ci95"] is None and result["mean_diff"] == 10.0
    text = w.prepost_sentence(result, LABEL)
    # no interval and no test, but no doubt either: all six rose by ten points
    assert text == ("结论：社会工作认知指数明显提高。6 对前后测配对的受访者前后之差完全相同（10.0 分），差值没有波动，"
                    "无法计算置信区间，也无法做统计检验。")


def test_attrition_above_thirty_percent_is_mentioned():
    text = w.prepost_sentence(figures(n_pairs=60, n_pre_only=40), LABEL)
    assert text.endswith("前测的 100 名受访者中有 40 名（40.0%）没有接受后测访问，流失较多，结果可能有偏差。")
    assert "流失" not in w.prepost_sentence(figures(n_pairs=70, n_pre_only=30), LABEL)  # 30% exactly: not "large"
    small = w.prepost_sentence({"n_pairs": 2, "mean_diff": None, "n_pre_only": 18}, LABEL)
    assert "前测的 20 名受访者中有 18 名（90.0%）" in small


def test_wilcoxon_disagreeing_with_the_t_test_is_flagged():
    text = w.prepost_sentence(figures(mean_diff=2.0, ci95=[0.1, 3.9], p_ttest=0.04, p_wilcoxon=0.081, cohens_dz=0.25), LABEL)
    assert "提高 2.0 分" in text and text.endswith("Wilcoxon 符号秩检验的结论与 t 检验不一致（p = 0.081），解读时需谨慎。")


def test_real_figures_from_random_pairs_never_overclaim():
    """Many small random samples with no true change: whatever the figures, a sentence says
    提高 only with p < 0.05 and the interval above zero, 下降 only below."""
    rng = random.Random(5)
    for _ in range(300):
        n = rng.randrange(0, 12)
        pre = [rng.uniform(20, 80) for _ in range(n)]
        post = [v + rng.gauss(0, 10) for v in pre]
        result = prepost_of(PairedScores(pre=pre, post=post, pre_only=rng.randrange(0, 6)))
        text = w.prepost_sentence(result, LABEL)
        significant = result["p_ttest"] is not None and result["p_ttest"] < 0.05
        assert ("提高" in text) == (significant and result["ci95"][0] > 0), text
        assert ("下降" in text) == (significant and result["ci95"][1] < 0), text
        assert "改善" not in text


# -- satisfaction ----------------------------------------------------------------------------

def test_satisfaction_exact():
    assert w.satisfaction_sentence(45, 72.345, 0.6) == (
        "45 名接受服务的居民中，服务满意度指数平均 72.3 分（满分 100），指数在 75 分及以上（总体满意）的占 60.0%，"
        "多数居民对服务总体满意。"
    )


def test_satisfaction_minority_half_and_threshold():
    assert w.satisfaction_sentence(20, 60.0, 0.25, threshold=70).endswith("指数在 70 分及以上（总体满意）的占 25.0%，对服务总体满意的居民不到一半。")
    assert w.satisfaction_sentence(20, 70.0, 0.5).endswith("正好一半。")
    assert "77.5 分及以上" in w.satisfaction_sentence(20, 80.0, 0.6, threshold=77.5)


def test_satisfaction_small_or_empty():
    assert w.satisfaction_sentence(3, None, None) == "只有 3 名居民的服务满意度可以计分（少于 5 人），不报告满意度结果。"
    assert w.satisfaction_sentence(0, None, None) == "还没有可以计分的服务满意度问卷。"
    assert claims(w.satisfaction_sentence(3, None, None)) == []


# -- McNemar ---------------------------------------------------------------------------------

ITEM = "您听说过“社会工作者”吗？"


def test_mcnemar_increase_exact():
    result = mcnemar([(False, True)] * 25 + [(True, False)] * 5 + [(True, True)] * 25 + [(False, False)] * 25)
    assert w.mcnemar_sentence(ITEM, result) == (
        "“您听说过“社会工作者”吗？”：回答“是”的比例从前测的 37.5% 提高到后测的 62.5%（80 对配对受访者，"
        "由“否”变为“是”的 25 人，由“是”变为“否”的 5 人，McNemar 检验 p < 0.001）。"
    )


def test_mcnemar_decrease():
    result = mcnemar([(True, False)] * 20 + [(False, True)] * 2 + [(True, True)] * 10)
    text = w.mcnemar_sentence(ITEM, result)
    assert "从前测的 93.8% 下降到后测的 37.5%" in text and text.endswith("需要查明原因。")


def test_mcnemar_no_clear_change_and_no_change():
    result = mcnemar([(False, True)] * 10 + [(True, False)] * 7 + [(True, True)] * 23 + [(False, False)] * 40)
    text = w.mcnemar_sentence(ITEM, result)
    assert "回答“是”的比例前测 37.5%、后测 41.2%，没有发现明显变化" in text and "p = 0.629" in text and claims(text) == []
    same = w.mcnemar_sentence(ITEM, mcnemar([(True, True)] * 6 + [(False, False)] * 4))
    assert same == "“您听说过“社会工作者”吗？”：回答“是”的比例前测、后测都是 60.0%，10 对配对受访者前后回答完全一致，没有发现变化。"


def test_mcnemar_too_few_pairs():
    for result in (McNemar(4, 0, 4, 4, 0, 0.125), None):
        text = w.mcnemar_sentence("知道社工站在哪里吗？", result)
        assert "无法判断" in text and claims(text) == []
    assert w.mcnemar_sentence("X", McNemar(4, 0, 4, 4, 0, 0.125)) == "“X”：前后测都回答了这一题的配对受访者只有 4 人（少于 5 人），无法判断是否有变化。"


# -- targets ---------------------------------------------------------------------------------

@dataclass
class Row:
    label_zh: str
    met: bool | None
    reason: str | None = None


def test_targets_counts_exact():
    rows = [Row("甲", True), Row("乙", True), Row("丙", True), Row("丁", False), Row("戊", None, "样本不足")]
    assert w.targets_sentence(rows) == "5 项绩效指标中，达到 3 项，未达到 1 项，1 项因样本不足无法判断。未达到的是：丁。"


def test_targets_all_met_none_met_and_mixed_reasons():
    assert w.targets_sentence([Row("甲", True), Row("乙", True)]) == "2 项绩效指标全部达到。"
    assert w.targets_sentence([Row("甲", False), Row("乙", False)]) == "2 项绩效指标中，达到 0 项，未达到 2 项。未达到的是：甲、乙。"
    assert w.targets_sentence([Row("甲", True), Row("乙", None, "尚无记录")]) == "2 项绩效指标中，达到 1 项，1 项因尚无记录无法判断。"
    mixed = [Row("甲", None, "尚无记录"), Row("乙", None, "样本不足")]
    assert w.targets_sentence(mixed) == "2 项绩效指标中，达到 0 项，2 项因数据不足无法判断。"
    assert w.targets_sentence([]) == ""


# -- comparison of places --------------------------------------------------------------------

def place(label, n, diff, ci):
    from survey_app.analysis.verdict import verdict
    from survey_app.findings.prepost import PlaceRow

    return PlaceRow(label, label, n, 0, 0, None, None, diff, ci, None, verdict({"n_pairs": n, "mean_diff": diff, "ci95": ci}))


def test_comparison_exact_with_separate_intervals_and_a_suppressed_place():
    rows = [place("炎陵县", 87, 15.5, (11.8, 19.3)), place("古丈县", 3, None, None), place("江华瑶族自治县", 98, 1.8, (-1.8, 5.4)),
            place("平江县", 87, 15.1, (11.3, 19.0))]
    assert w.comparison_sentence(rows, "县") == (
        "在 3 个县中，后测与前测之差最大的是炎陵县（+15.5 分，95% 置信区间 11.8–19.3，87 对，明显提高），"
        "最小的是江华瑶族自治县（+1.8 分，95% 置信区间 −1.8 至 5.4，98 对，无明显变化）。"
        "两者的 95% 置信区间不重叠，差别较为明确。另有 1 个县配对受访者少于 5 对，不参与比较。"
    )


def test_comparison_overlapping_intervals_warn_against_ranking():
    rows = [place("一队", 20, 8.0, (2.0, 14.0)), place("二队", 25, 5.0, (-1.0, 11.0))]
    text = w.comparison_sentence(rows, "工作队")
    assert text.endswith("两者的 95% 置信区间相互重叠，差别可能来自抽样误差，不宜据此给各工作队排名。")
    assert "二队（+5.0 分，95% 置信区间 −1.0 至 11.0，25 对，无明显变化）" in text


def test_comparison_never_ranks_suppressed_places():
    # the suppressed place has the largest raw change: it must not be named
    rows = [place("甲村", 4, 40.0, (1.0, 79.0)), place("乙村", 30, 6.0, (1.0, 11.0)), place("丙村", 30, -3.0, (-6.0, -0.5))]
    text = w.comparison_sentence(rows, "村/社区")
    assert "甲村" not in text and "最大的是乙村" in text and "最小的是丙村（−3.0 分" in text and "25 对，下降" not in text and "30 对，下降" in text
    assert w.comparison_sentence(rows[:2], "村/社区") == "配对受访者达到 5 对的村/社区不足两个，不作村/社区间比较。另有 1 个村/社区配对受访者少于 5 对，不参与比较。"
    assert w.comparison_sentence([], "县") == ""


def test_comparison_without_intervals():
    rows = [place("甲县", 5, 2.0, None), place("乙县", 6, 1.0, None)]
    assert w.comparison_sentence(rows) == "在 2 个县中，后测与前测之差最大的是甲县（+2.0 分，5 对，略有提高），最小的是乙县（+1.0 分，6 对，略有提高）。"


def test_a_material_attrition_bias_is_said_after_the_figures():
    att = {"n_pre": 120, "n_followed": 80, "share_followed": 2 / 3, "pre_mean_followed": 62.0, "pre_mean_lost": 51.5,
           "p_baseline": 0.0004}
    text = w.prepost_sentence(figures(attrition=att), LABEL)
    assert text.endswith("回访到的居民前测平均 62.0 分，没有回访到的 51.5 分（Welch t 检验 p < 0.001）："
                         "回访到的居民前测得分本来就较高，提高幅度可能被高估。")
    calm = w.prepost_sentence(figures(attrition={**att, "p_baseline": 0.3}), LABEL)
    assert "高估" not in calm
