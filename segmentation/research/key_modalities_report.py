"""The key-modality report as text: the mean ACC at t = 1 and the key sequences per target, then
the U-Net comparison in the shape of Table I of [1] (000 l.646–688).

[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation." Medical
    Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt).
"""

from segmentation.research.key_modalities import SEQUENCES
from segmentation.research.unet_comparison import METRICS

CONFIGURATIONS = {"all": "All four", "key": "Key", "complementary": "Complementary"}
LABELS = {
    "dice": "Dice",
    "accuracy": "Accuracy (%)",
    "sensitivity": "Sensitivity",
    "specificity": "Specificity",
}
CELL = 28


def render(report: dict) -> str:
    """The report of :func:`segmentation.research.key_modalities.analyse` as a readable text;
    a report whose U-Nets are not done yet has no table."""
    if not report["table"]:
        return "\n".join(_acc_lines(report))
    return "\n".join([*_acc_lines(report), "", *_table_lines(report), "", *_image_lines(report)])


def _acc_lines(report: dict) -> list[str]:
    settings = report["settings"]
    lines = [
        f"Mean ACC μ at t = 1 ± SD over the test images (NODE per target, {settings['stages']} "
        f"stages); key rule: {report['key_rule']}",
        f"{'Target':<8}{'Images':>7}  " + "".join(f"{name:<16}" for name in SEQUENCES) + "Key",
    ]
    for target, acc in report["acc"].items():
        cells = [_mean_sd(acc["sequences"][name], "mu_1", "mu_1_sd") for name in SEQUENCES]
        key = ", ".join(report["key_sequences"][target]) or "none"
        lines.append(f"{target:<8}{acc['images']:>7}  " + "".join(f"{c:<16}" for c in cells) + key)
    dice = ", ".join(f"{t} {node['dice']:.3f}" for t, node in report["node_test"].items())
    lines.append(f"NODE Dice on the test patients' WT slices (pooled pixels): {dice}")
    if report.get("node_test_analysis_grid"):
        lines.append(
            "On the ACC's grid (γ of eq. 6): "
            + ", ".join(
                f"{t} {node['steps']} steps Dice {node['dice']:.3f}, same γ as on the training "
                f"grid {node['agreement_dice']:.3f}"
                for t, node in report["node_test_analysis_grid"].items()
            )
        )
    return lines + [f"Warning: {warning}" for warning in report["warnings"]]


def _table_lines(report: dict) -> list[str]:
    statistics, folds = report["statistics"], report["settings"]["folds"]
    lines = [
        f"Table I. U-Nets, {folds}-fold cross-validation by patient within the training set: "
        "mean ± SD over the folds",
        f"of metrics pooled over each fold's validation pixels; * p < {statistics['alpha']}, "
        "Wilcoxon signed-rank against all four,",
        f"paired by fold (smallest possible p with {folds} folds: "
        f"{statistics['minimum_p_folds']:.4g}).",
        f"{'Target':<8}{'Metric':<14}" + "".join(f"{h:<{CELL}}" for h in CONFIGURATIONS.values()),
    ]
    for target, rows in report["table"].items():
        inputs = ["+".join(rows[c]["sequences"]) or "(none)" for c in CONFIGURATIONS]
        if report["key_source"][target] == "given":
            inputs[1] += " (given)"
        lines.append(f"{target:<8}{'inputs':<14}" + "".join(f"{i:<{CELL}}" for i in inputs))
        done = rows["all"]["folds"]["n"]
        if done != folds:
            lines.append(f"{'':<8}only {done} of the {folds} folds were done in the time given")
        for metric in METRICS:
            cells = [_fold_cell(rows[c], metric, statistics["alpha"]) for c in CONFIGURATIONS]
            lines.append(f"{'':<8}{LABELS[metric]:<14}" + "".join(f"{c:<{CELL}}" for c in cells))
    return lines


def _image_lines(report: dict) -> list[str]:
    lines = [
        "Secondary: Dice per image (slices holding the target, over all folds), mean ± SD, "
        "Wilcoxon p against all four, paired by image."
    ]
    for target, rows in report["table"].items():
        cells = []
        for name, label in CONFIGURATIONS.items():
            images = rows[name].get("images")
            if images is None:
                continue
            dice = images["dice"]
            p = f", p {dice['p']:.2g}" if "p" in dice else ""
            cells.append(f"{label} {dice['mean']:.3f} ± {dice['sd']:.3f}{p}")
        n = rows["all"]["images"]["n"]
        lines.append(f"{target:<4}(n = {n}) " + "; ".join(cells))
    return lines


def _fold_cell(row: dict, metric: str, alpha: float) -> str:
    if "folds" not in row:
        return "—"
    entry = row["folds"][metric]
    scale, digits = (100, 3) if metric == "accuracy" else (1, 3)
    text = f"{entry['mean'] * scale:.{digits}f} ± {entry['sd'] * scale:.{digits}f}"
    if entry.get("p") is not None:
        text += ("*" if entry["p"] < alpha else "") + f" (p {entry['p']:.2g})"
    return text


def _mean_sd(features: dict, mean: str, sd: str) -> str:
    if features[mean] is None:
        return "n/a"
    spread = f" ± {features[sd]:.3f}" if features[sd] is not None else ""
    return f"{features[mean]:.3f}{spread}"
