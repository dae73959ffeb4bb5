"""The iMRMC input file (spec anchors.md line 419: "Add an MRMC export (iMRMC input format)").
The reader below follows RJafroc's ReadImrmc: header keys NR/N0/N1/NM, then "BEGIN DATA:", then
four comma-separated fields per row, truth rows with reader -1."""

import pytest

from reviewer.studies.statistics.imrmc import Observation, imrmc_text, write_imrmc

TRUTH = {1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
OBSERVATIONS = [
    Observation(reader, case, arm, score)
    for reader, arm, scores in [
        ("R1", "unaided", (10, 30, 60, 40, 90)),
        ("R1", "aided", (5, 20, 80, 70, 95)),
        ("R2", "unaided", (20, 50, 40, 60, 85)),
        ("R2", "aided", (15, 25, 75, 90, 99)),
    ]
    for case, score in zip(TRUTH, scores, strict=True)
]


def read(text: str) -> tuple[dict, list[list[str]]]:
    lines = [line.strip() for line in text.splitlines()]
    header = {}
    for line in lines[: lines.index("BEGIN DATA:")]:
        key, _, value = line.partition(":")
        if key in ("NR", "N0", "N1", "NM"):
            header[key] = int(value)
    rows = [line.split(",") for line in lines[lines.index("BEGIN DATA:") + 1 :] if line]
    assert all(len(row) == 4 for row in rows)
    return header, rows


def test_the_header_counts_readers_cases_and_modalities():
    header, _ = read(imrmc_text(TRUTH, OBSERVATIONS, description="Study S1, version 2"))
    assert header == {"NR": 2, "N0": 2, "N1": 3, "NM": 2}


def test_the_description_comes_first():
    text = imrmc_text(TRUTH, OBSERVATIONS, description="Study S1, version 2\nexported 2026-12-04")
    assert text.splitlines()[:2] == ["Study S1, version 2", "exported 2026-12-04"]


def test_every_case_has_a_truth_row_with_reader_minus_one_and_modality_zero():
    _, rows = read(imrmc_text(TRUTH, OBSERVATIONS, description="S1"))
    truth_rows = [row for row in rows if row[0] == "-1"]
    assert truth_rows == [["-1", str(case), "0", str(value)] for case, value in TRUTH.items()]


def test_the_scores_read_back_as_written():
    _, rows = read(imrmc_text(TRUTH, OBSERVATIONS, description="S1"))
    scores = {(r, int(c), m): float(s) for r, c, m, s in rows if r != "-1"}
    assert scores == {(o.reader, o.case, o.modality): o.score for o in OBSERVATIONS}


def test_the_file_is_written_as_ascii(tmp_path):
    path = write_imrmc(tmp_path / "study.imrmc", TRUTH, OBSERVATIONS, description="S1")
    assert path.read_bytes().decode("ascii") == imrmc_text(TRUTH, OBSERVATIONS, description="S1")


def test_a_scored_case_without_truth_is_refused():
    with pytest.raises(ValueError, match="no truth"):
        imrmc_text({1: 0}, [Observation("R1", 2, "aided", 3.0)], description="S1")


def test_a_replicate_observation_is_refused():
    twice = [Observation("R1", 1, "aided", 3.0), Observation("R1", 1, "aided", 4.0)]
    with pytest.raises(ValueError, match="twice"):
        imrmc_text({1: 0}, twice, description="S1")


@pytest.mark.parametrize(
    "observation",
    [
        Observation("-1", 1, "aided", 3.0),
        Observation("R1", 1, "0", 3.0),
        Observation("R 1", 1, "aided", 3.0),
        Observation("R1", 1, "aided,2", 3.0),
        Observation("R1", 1, "aided", float("nan")),
    ],
)
def test_a_row_imrmc_would_misread_is_refused(observation):
    with pytest.raises(ValueError):
        imrmc_text({1: 1}, [observation], description="S1")


def test_truth_must_be_zero_or_one():
    with pytest.raises(ValueError, match="0 or 1"):
        imrmc_text({1: 2}, [], description="S1")


@pytest.mark.parametrize("description", ["", "NR: 3", "BEGIN DATA:"])
def test_a_description_that_reads_as_header_or_data_is_refused(description):
    with pytest.raises(ValueError):
        imrmc_text(TRUTH, OBSERVATIONS, description=description)
