"""The model × dataset matrix of the evaluation paper (R-B3, its 3 × 3 of models trained on
GBM, LGG and ALL tested on each): per model version (row) and dataset version (column), the
mean Dice of the newest evaluation of that pair, with its bootstrap interval, and per tumour
group the dataset version records. A version's rows and a dataset's columns show at a glance
where a model generalises and where it does not."""

import dataclasses

from reviewer.validation.models import Evaluation
from reviewer.validation.strata import UNKNOWN
from segmentation.engine.evaluation.performance import bootstrap_mean

ALL = "all"


@dataclasses.dataclass(frozen=True)
class Cell:
    run: int  # the validation run whose evaluation this is
    by_group: dict  # "all" and each tumour group -> MeanInterval as a dict


@dataclasses.dataclass(frozen=True)
class Matrix:
    models: list[str]
    datasets: list[str]
    cells: dict  # (model, dataset) -> Cell

    def rows(self) -> list[tuple[str, list[Cell | None]]]:
        return [(m, [self.cells.get((m, d)) for d in self.datasets]) for m in self.models]


def dice_matrix(evaluations=None) -> Matrix:
    """The matrix over ``evaluations`` (default: every stored one), newest per pair."""
    if evaluations is None:
        evaluations = Evaluation.objects.select_related(
            "run__model_version", "run__dataset_version__dataset"
        ).order_by("created_at")
    cells = {}
    for evaluation in evaluations:  # oldest first: a newer one replaces it
        run = evaluation.run
        cases = evaluation.results["cases"]
        groups = {ALL: cases}
        for case in cases:
            groups.setdefault(case.get("tumour_group", UNKNOWN), []).append(case)
        cells[(str(run.model_version), str(run.dataset_version))] = Cell(
            run=run.pk,
            by_group={
                group: bootstrap_mean([case["dice"] for case in members]).to_dict()
                for group, members in groups.items()
            },
        )
    return Matrix(
        models=sorted({m for m, _ in cells}),
        datasets=sorted({d for _, d in cells}),
        cells=cells,
    )
