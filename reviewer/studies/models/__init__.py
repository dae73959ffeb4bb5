"""The studies app's models: surveys (surveys.py), reader studies (reader_studies.py) and their
colocalisation and adjudication (adjudication.py)."""

from reviewer.studies.models.adjudication import (
    AdjudicationLabel,
    Adjudicator,
    ColocalisationRevision,
    RetiredLesion,
    StudyLesion,
    StudyLesionMark,
)
from reviewer.studies.models.reader_studies import (
    Arm,
    Reading,
    ReadingSession,
    Study,
    StudyCase,
    StudyReader,
    StudyVersion,
)
from reviewer.studies.models.surveys import Survey, SurveyResponse, SurveyVersion

__all__ = [
    "AdjudicationLabel",
    "Adjudicator",
    "Arm",
    "ColocalisationRevision",
    "Reading",
    "ReadingSession",
    "RetiredLesion",
    "Study",
    "StudyCase",
    "StudyLesion",
    "StudyLesionMark",
    "StudyReader",
    "StudyVersion",
    "Survey",
    "SurveyResponse",
    "SurveyVersion",
]
