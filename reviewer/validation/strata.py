"""The axes an evaluation is stratified along (evaluation paper R-B3): the tumour group and site
a dataset version records of each case, and the scanner read from the series' header. Apart
from reviewer.validation.evaluation, which loads torch, so that pages can name them."""

UNKNOWN = "unknown"  # a stratum not recorded
AXES = {"tumour_group": "Tumour group", "site": "Site", "scanner": "Scanner"}
