"""The report's findings as plain Chinese sentences, written from the figures alone.

A sentence never claims more than its figures show: a change is called 提高 or 下降 only when
the paired t-test is significant at 5% and the 95% confidence interval lies wholly on one side
of zero; otherwise it says no clear change was found, and below five pairs (``MIN_CELL``) it
says the data cannot tell.  Pure: no Flask, no database.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..analysis import verdict as verdicts
from ..analysis.stats import MIN_CELL, McNemar, effect_size_label

if TYPE_CHECKING:
    from ..findings.prepost import PlaceRow

ALPHA = 0.05
#: above this share of baseline respondents not met again, the sentence warns of attrition
ATTRITION_WARNING = 0.30
SIZE_WORDS = {"negligible": "很小", "small": "小", "medium": "中等", "large": "大"}
MINUS = "−"  # U+2212: a hyphen is easily lost or misread in print


def number(x: float, digits: int = 1) -> str:
    """One decimal (``digits``), a true minus sign, and never "−0.0"."""
    text = f"{abs(x):.{digits}f}"
    if x < 0 and text.strip("0.") != "":
        return MINUS + text
    return text


def value_range(low: float, high: float, digits: int = 1) -> str:
    """An interval with an en dash; with "至" when a bound is negative, since "−6.8–−1.6" reads
    as a subtraction."""
    sep = " 至 " if low < 0 or high < 0 else "–"
    return f"{number(low, digits)}{sep}{number(high, digits)}"


def p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def percent(share: float) -> str:
    """A share (0-1) as a percent with one decimal."""
    return f"{share * 100:.1f}%"


def _scale_number(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _attrition(figures: Mapping[str, Any]) -> str:
    pairs, pre_only = int(figures.get("n_pairs") or 0), int(figures.get("n_pre_only") or 0)
    baseline = pairs + pre_only
    if not baseline or pre_only / baseline <= ATTRITION_WARNING:
        return ""
    return (f"前测的 {baseline} 名受访者中有 {pre_only} 名（{percent(pre_only / baseline)}）没有接受后测访问，"
            "流失较多，结果可能有偏差。")


def verdict_sentence(figures: Mapping[str, Any] | None, index_label: str) -> str:
    """The plain verdict (``analysis.verdict``), the report's first words on the change."""
    word = verdicts.WORDS["zh"][verdicts.verdict(figures or {})]
    if word == verdicts.WORDS["zh"]["too_few"]:
        return f"结论：前后测都访问到的居民{word}。"
    return f"结论：{index_label}{word}。"


def prepost_sentence(figures: Mapping[str, Any] | None, index_label: str) -> str:
    """The paired baseline/follow-up comparison (``analysis.figures.prepost_of``) in words,
    after its verdict; with the warnings attrition calls for."""
    figures = figures or {}
    lead = verdict_sentence(figures, index_label)
    return lead + _prepost_body(figures, index_label) + _caution(figures)


def _caution(figures: Mapping[str, Any]) -> str:
    att = figures.get("attrition") or {}
    key = verdicts.attrition_caution(att)
    if key is None:
        return ""
    return (f"回访到的居民前测平均 {number(att['pre_mean_followed'])} 分，没有回访到的 {number(att['pre_mean_lost'])} 分"
            f"（Welch t 检验 {p_text(att['p_baseline'])}）：" + verdicts.CAUTION_WORDS["zh"][key])


def _prepost_body(figures: Mapping[str, Any], index_label: str) -> str:
    n = int(figures.get("n_pairs") or 0)
    diff, ci, p = figures.get("mean_diff"), figures.get("ci95"), figures.get("p_ttest")
    attrition = _attrition(figures)
    if n < MIN_CELL or diff is None:
        if n == 0:
            return "还没有前后测配对的受访者，无法判断" + index_label + "前后是否有变化。" + attrition
        return f"前后测配对的受访者只有 {n} 对（少于 {MIN_CELL} 对），无法判断{index_label}前后是否有变化。" + attrition
    means = ""
    if figures.get("pre_mean") is not None and figures.get("post_mean") is not None:
        means = f"前测平均 {number(figures['pre_mean'])} 分，后测平均 {number(figures['post_mean'])} 分"
    if ci is None or p is None:
        # Every pair changed by the same amount: no spread, so no interval and no test (and no
        # doubt about the direction either, which the verdict before this says).
        return (f"{n} 对前后测配对的受访者前后之差完全相同（{number(diff)} 分），差值没有波动，"
                "无法计算置信区间，也无法做统计检验。" + attrition)
    low, high = float(ci[0]), float(ci[1])
    d = figures.get("cohens_dz")
    size = SIZE_WORDS.get(effect_size_label(d) or "", "")
    effect = f"，效应量 d = {number(d, 2)}，{size}" if d is not None else ""
    basis = f"基于 {n} 对前后测配对的受访者" + (f"，{means}" if means else "")
    significant = p < ALPHA
    if significant and low > 0:
        out = (f"后测{index_label}较前测提高 {number(diff)} 分（95% 置信区间 {value_range(low, high)}，{p_text(p)}{effect}），"
               f"{basis}。")
        if size == SIZE_WORDS["negligible"]:
            out += "变化在统计上显著，但幅度很小。"
    elif significant and high < 0:
        out = (f"后测{index_label}较前测下降 {number(-diff)} 分（后测减前测为 {number(diff)} 分，"
               f"95% 置信区间 {value_range(low, high)}，{p_text(p)}{effect}），{basis}。"
               "这一下降在统计上是显著的，需要查明原因。")
    else:
        return (f"后测与前测相比，{index_label}没有发现明显变化（后测减前测为 {number(diff)} 分，"
                f"95% 置信区间 {value_range(low, high)}，{p_text(p)}{effect}），{basis}。"
                f"现有数据不能说明{index_label}在服务后有所增长。" + attrition)
    p_w = figures.get("p_wilcoxon")
    if p_w is not None and (p_w < ALPHA) != significant:
        out += f"Wilcoxon 符号秩检验的结论与 t 检验不一致（{p_text(p_w)}），解读时需谨慎。"
    return out + attrition


def satisfaction_sentence(n: int, mean: float | None, share: float | None, threshold: float = 75) -> str:
    """Service satisfaction: ``share`` is the fraction (0-1) with an index at or above
    ``threshold``, as ``analysis.satisfaction.Cell`` gives it; both None below five."""
    if n == 0:
        return "还没有可以计分的服务满意度问卷。"
    if n < MIN_CELL or mean is None or share is None:
        return f"只有 {n} 名居民的服务满意度可以计分（少于 {MIN_CELL} 人），不报告满意度结果。"
    if share > 0.5:
        majority = "多数居民对服务总体满意"
    else:
        majority = "对服务总体满意的居民不到一半" if share < 0.5 else "对服务总体满意的居民正好一半"
    return (f"{n} 名接受服务的居民中，服务满意度指数平均 {number(mean)} 分（满分 100），"
            f"指数在 {_scale_number(threshold)} 分及以上（总体满意）的占 {percent(share)}，{majority}。")


def mcnemar_sentence(label: str, result: McNemar | None) -> str:
    """A yes/no item asked at both waves (McNemar's test over the pairs that answered it twice)."""
    n = result.n_pairs if result is not None else 0
    if result is None or n < MIN_CELL:
        return f"“{label}”：前后测都回答了这一题的配对受访者只有 {n} 人（少于 {MIN_CELL} 人），无法判断是否有变化。"
    before, after = percent(result.yes_pre / n), percent(result.yes_post / n)
    changes = f"由“否”变为“是”的 {result.became_yes} 人，由“是”变为“否”的 {result.became_no} 人"
    basis = f"{n} 对配对受访者，{changes}"
    p = result.p_value
    if p is None:
        return f"“{label}”：回答“是”的比例前测、后测都是 {before}，{n} 对配对受访者前后回答完全一致，没有发现变化。"
    if p < ALPHA and result.became_yes > result.became_no:
        return f"“{label}”：回答“是”的比例从前测的 {before} 提高到后测的 {after}（{basis}，McNemar 检验 {p_text(p)}）。"
    if p < ALPHA and result.became_no > result.became_yes:
        return (f"“{label}”：回答“是”的比例从前测的 {before} 下降到后测的 {after}（{basis}，McNemar 检验 {p_text(p)}），"
                "需要查明原因。")
    return f"“{label}”：回答“是”的比例前测 {before}、后测 {after}，没有发现明显变化（{basis}，McNemar 检验 {p_text(p)}）。"


def targets_sentence(rows: Sequence[Any]) -> str:
    """How many targets were met: rows are ``targets.TargetRow`` (``met`` True, False or None)."""
    if not rows:
        return ""
    met = [r for r in rows if r.met is True]
    missed = [r for r in rows if r.met is False]
    unknown = [r for r in rows if r.met is None]
    if len(met) == len(rows):
        return f"{len(rows)} 项绩效指标全部达到。"
    parts = [f"{len(rows)} 项绩效指标中，达到 {len(met)} 项"]
    if missed:
        parts.append(f"未达到 {len(missed)} 项")
    if unknown:
        reasons = {getattr(r, "reason", None) or "样本不足" for r in unknown}
        why = reasons.pop() if len(reasons) == 1 else "数据不足"
        parts.append(f"{len(unknown)} 项因{why}无法判断")
    out = "，".join(parts) + "。"
    if missed:
        out += "未达到的是：" + "、".join(r.label_zh for r in missed) + "。"
    return out


def _change(row: PlaceRow) -> str:
    assert row.diff is not None
    diff, ci = float(row.diff), row.ci95
    signed = ("+" if diff > 0 and number(diff) != "0.0" else "") + number(diff)
    if ci is None:
        return f"{signed} 分，{row.n} 对，{verdicts.WORDS['zh'][row.verdict]}"
    return f"{signed} 分，95% 置信区间 {value_range(float(ci[0]), float(ci[1]))}，{row.n} 对，{verdicts.WORDS['zh'][row.verdict]}"


def comparison_sentence(rows: Sequence[PlaceRow], group_word: str = "县") -> str:
    """Which places changed most and least, among those with at least five pairs only (the
    others are never ranked).  Rows are ``findings.prepost.PlaceRow``s."""
    ranked = [r for r in rows if r.n >= MIN_CELL and r.diff is not None]
    left_out = len(rows) - len(ranked)
    tail = f"另有 {left_out} 个{group_word}配对受访者少于 {MIN_CELL} 对，不参与比较。" if left_out else ""
    if len(ranked) < 2:
        if not rows:
            return ""
        return f"配对受访者达到 {MIN_CELL} 对的{group_word}不足两个，不作{group_word}间比较。" + tail
    ranked.sort(key=lambda r: float(r.diff or 0), reverse=True)
    top, bottom = ranked[0], ranked[-1]
    out = (f"在 {len(ranked)} 个{group_word}中，后测与前测之差最大的是{top.label}（{_change(top)}），"
           f"最小的是{bottom.label}（{_change(bottom)}）。")
    a, b = top.ci95, bottom.ci95
    if a is not None and b is not None:
        if float(a[0]) <= float(b[1]):
            out += f"两者的 95% 置信区间相互重叠，差别可能来自抽样误差，不宜据此给各{group_word}排名。"
        else:
            out += "两者的 95% 置信区间不重叠，差别较为明确。"
    return out + tail
