"""The studies app's models: surveys (surveys.py) and reader studies (reader_studies.py)."""

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
    "Arm",
    "Reading",
    "ReadingSession",
    "Study",
    "StudyCase",
    "StudyReader",
    "StudyVersion",
    "Survey",
    "SurveyResponse",
    "SurveyVersion",
]
