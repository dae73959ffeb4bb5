"""Preprocessing of a clinical exam before any model sees it, the way BraTS prepares its data:
co-registration of the sequences onto one 1 mm grid, brain extraction, optional N4 bias
correction. Each step returns its result and a record of what it did (tool, parameters,
seconds), which the app keeps with the exam."""
