"""An evaluation's per-case table as CSV: first the provenance as "# key: value" lines (so the
table is never read without the versions it belongs to), then one row per case. Columns come in
a fixed order (the stored JSON keeps no key order)."""

import csv

from segmentation.engine.evaluation.performance import METRICS

PROVENANCE = (
    "model_version", "model_sha256", "dataset_version", "dataset_sha256", "software_version",
    "target",
)  # fmt: skip
COLUMNS = ("case", "tumour_group", "site", "scanner", *METRICS, "tp", "fp", "fn", "tn")


def write_csv(results: dict, out) -> None:
    provenance = results["provenance"]
    for key in PROVENANCE:
        out.write(f"# {key}: {provenance[key]}\n")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(results["cases"])
