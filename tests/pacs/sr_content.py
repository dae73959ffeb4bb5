"""What a DICOM SR says, for tests to assert on: its content items, flattened."""


def sr_items(dataset) -> list[tuple[str, object]]:
    """Every content item of an SR as (concept name, value), depth first: a code's meaning, a
    measurement's number, a text."""
    found = []
    for item in dataset.get("ContentSequence", []):
        name = item.ConceptNameCodeSequence[0].CodeMeaning
        if "ConceptCodeSequence" in item:
            found.append((name, item.ConceptCodeSequence[0].CodeMeaning))
        elif "MeasuredValueSequence" in item:
            found.append((name, float(item.MeasuredValueSequence[0].NumericValue)))
        elif "TextValue" in item:
            found.append((name, item.TextValue))
        found.extend(sr_items(item))
    return found
