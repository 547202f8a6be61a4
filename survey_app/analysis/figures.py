"""The figures the API and the pages show, assembled from the SQL aggregations and the pure
statistics, with small cells suppressed.  No Flask here."""
from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from ..place import Place
from ..questionnaires import Definition
from . import verdict
from .queries import PairedScores, item_values, paired_scores, summary
from .snapshots import snapshot
from .stats import MIN_CELL, Reliability, cronbach_alpha, paired

PREPOST_FIGURES = ("pre_mean", "post_mean", "mean_diff", "ci95", "t", "p_ttest", "p_wilcoxon", "cohens_dz")


@snapshot
def prepost(connection: Connection, questionnaire: str, index: str, place: Place) -> dict[str, Any]:
    """The contract's `GET /stats/prepost` reply: figures are null where there are fewer than
    five pairs (small-cell suppression) or where they cannot be computed."""
    return prepost_of(paired_scores(connection, questionnaire, index, place))


def prepost_of(scores: PairedScores) -> dict[str, Any]:
    """The `prepost` figures of pairs already fetched (suppressed below five pairs), with the
    plain verdict and attrition examined (``verdict``)."""
    result = paired(scores.pre, scores.post).as_dict()
    out: dict[str, Any] = {"n_pairs": result["n_pairs"]}
    for key in PREPOST_FIGURES:
        out[key] = result[key] if result["n_pairs"] >= MIN_CELL else None
    out["n_pre_only"], out["n_post_only"] = scores.pre_only, scores.post_only
    out["verdict"] = verdict.verdict(out)
    out["attrition"] = verdict.attrition(scores)
    return out


def wave_summary(connection: Connection, questionnaire: str, place: Place) -> dict[str, Any]:
    """Responses and index means by wave, with means under five respondents suppressed."""
    s = summary(connection, questionnaire, place)
    for row in s["indices"]:
        if row["n"] < MIN_CELL:
            row["mean"] = None
    return s


def merged(groups: dict[Any, PairedScores]) -> PairedScores:
    """All groups' pairs and attrition as one (the whole of what was broken down)."""
    out = PairedScores()
    for scores in groups.values():
        out.pre += scores.pre
        out.post += scores.post
        out.pre_only += scores.pre_only
        out.post_only += scores.post_only
        out.unscored_pairs += scores.unscored_pairs
        out.followed_baseline += scores.followed_baseline
        out.lost_baseline += scores.lost_baseline
    return out


#: Cronbach's alpha from at most this many responses: its standard error is then about 0.002
ALPHA_SAMPLE = 5000


def reliability(connection: Connection, qn: Definition, index_id: str, place: Place,
                sample: int | None = ALPHA_SAMPLE) -> Reliability | None:
    """Cronbach's alpha of one index over the responses that answered every item (at most
    ``sample`` of them), reverse-keyed items reversed as in the score; None below five."""
    index = next((i for i in qn.indices if i.id == index_id), None)
    if index is None:
        return None
    rows = item_values(connection, qn.id, index.items, place, sample)
    if len(rows) < MIN_CELL:
        return None
    flips = []  # per item: the value that reverses it (max + min), or None
    for item in index.items:
        scale = qn.question(item).scale
        assert scale is not None  # index items are likert: checked when the file is loaded
        flips.append(scale.max + scale.min if item in index.reverse else None)
    keyed = [[v if flip is None else flip - v for flip, v in zip(flips, row, strict=True)] for row in rows]
    return cronbach_alpha(keyed, index.items)


def yes_no_items(qn: Definition) -> dict[str, str]:
    """The yes/no questions McNemar's test compares: those the file lists under ``compare``,
    else every single-choice question answered yes or no."""
    if qn.compare:
        return dict.fromkeys(qn.compare, "yes")
    return {q.id: "yes" for q in qn.questions.values() if q.type == "single" and set(q.option_values) == {"yes", "no"}}
