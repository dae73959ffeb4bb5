"""What a survey definition is, and whether one is well formed: ordered questions of six types,
each shown always or only when earlier answers meet a condition (``show_when``).

A definition is ``{"questions": [question, …]}``. Every question has an ``id`` (a lower-case
slug, unique), a ``type``, a ``text``, ``required`` (default true), optionally ``help`` and
``show_when``; and, by type:

- ``single_choice``: ``choices`` [{"value", "label"}, …], at least two, values unique;
- ``multiple_choice``: ``choices`` as above;
- ``number``: optional ``min``, ``max`` (min ≤ max), ``unit``, ``integer`` (whole numbers only);
- ``text``: optional ``max_length`` (default 2000);
- ``grade``: ``levels`` [{"value": int, "label"}, …], at least two, e.g. EASE's 5 Perfect …
  1 Terrible;
- ``lesion_marks``: points in scanner millimetres (RAS world, [x, y, z]), each with an optional
  label; optional ``labels`` (the labels a mark may carry) and ``max_marks``.

A condition is a leaf ``{"question": id, <operator>: value}`` with one operator, or
``{"all": [condition, …]}`` / ``{"any": [condition, …]}``. Operators: ``equals``,
``not_equals`` and ``in`` (single choice, number, grade), ``includes`` (a choice among a multiple
choice's selection), ``at_least`` and ``at_most`` (number, grade), and ``answered`` (true or
false, any type). A leaf may name only an earlier question. A leaf on a question left unanswered
(or hidden, which is the same: its answer is refused) is false, except ``answered: false``.

Nothing here imports Django: the survey services and, later, the reader studies use it alike."""

import dataclasses
import math
import re
from collections.abc import Mapping

TYPES = ("single_choice", "multiple_choice", "number", "text", "grade", "lesion_marks")
QUESTION_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
TEXT_MAX_LENGTH = 2000
OPERATORS = {
    "single_choice": ("equals", "not_equals", "in", "answered"),
    "multiple_choice": ("includes", "answered"),
    "number": ("equals", "not_equals", "in", "at_least", "at_most", "answered"),
    "text": ("answered",),
    "grade": ("equals", "not_equals", "in", "at_least", "at_most", "answered"),
    "lesion_marks": ("answered",),
}
ALL_OPERATORS = ("equals", "not_equals", "in", "includes", "at_least", "at_most", "answered")
COMMON_FIELDS = {"id", "type", "text", "help", "required", "show_when"}
TYPE_FIELDS = {
    "single_choice": {"choices"},
    "multiple_choice": {"choices"},
    "number": {"min", "max", "unit", "integer"},
    "text": {"max_length"},
    "grade": {"levels"},
    "lesion_marks": {"labels", "max_marks"},
}


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition (or an answer): which question, which field, why."""

    question: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"question '{self.question}', " if self.question else ""
        return f"{where}{self.field}: {self.message}"


class DefinitionError(ValueError):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def questions(definition: Mapping) -> list[dict]:
    """The questions of a valid definition, in order."""
    return list(definition["questions"])


def validate(definition) -> None:
    """Raise DefinitionError naming every problem of the definition (question id and field)."""
    problems: list[Problem] = []
    if not isinstance(definition, Mapping) or set(definition) != {"questions"}:
        raise DefinitionError([Problem(None, "definition", 'an object {"questions": [...]}')])
    listed = definition["questions"]
    if not isinstance(listed, list) or not listed:
        raise DefinitionError([Problem(None, "questions", "a non-empty list of questions")])
    earlier: dict[str, dict] = {}
    for position, question in enumerate(listed):
        if not isinstance(question, Mapping):
            problems.append(Problem(None, f"questions[{position}]", "a question is an object"))
            continue
        qid = question.get("id")
        if not isinstance(qid, str) or not QUESTION_ID.fullmatch(qid):
            problems.append(
                Problem(
                    None,
                    f"questions[{position}].id",
                    f"{qid!r} is not an id: a lower-case letter, then letters, digits or _",
                )
            )
            continue
        if qid in earlier:
            problems.append(Problem(qid, "id", "used by an earlier question: ids are unique"))
            continue
        problems.extend(_question_problems(qid, question, earlier))
        earlier[qid] = dict(question)
    if problems:
        raise DefinitionError(problems)


def _question_problems(qid: str, question: Mapping, earlier: dict[str, dict]) -> list[Problem]:
    kind = question.get("type")
    if kind not in TYPES:
        return [Problem(qid, "type", f"{kind!r} is not one of {', '.join(TYPES)}")]
    problems = [
        Problem(qid, field, f"not a field of a {kind} question")
        for field in sorted(set(question) - COMMON_FIELDS - TYPE_FIELDS[kind])
    ]
    text = question.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append(Problem(qid, "text", "the question's text is missing"))
    if not isinstance(question.get("help", ""), str):
        problems.append(Problem(qid, "help", "a string"))
    if not isinstance(question.get("required", True), bool):
        problems.append(Problem(qid, "required", "true or false"))
    problems.extend(TYPE_CHECKS[kind](qid, question))
    if "show_when" in question:
        problems.extend(_condition_problems(qid, question["show_when"], earlier, "show_when"))
    return problems


def _options(qid: str, question: Mapping, field: str, value_ok, what: str) -> list[Problem]:
    options = question.get(field)
    if not isinstance(options, list) or len(options) < 2:
        return [Problem(qid, field, f"a list of at least two {{value, label}} {what}")]
    problems = []
    seen = set()
    for option in options:
        if not isinstance(option, Mapping) or set(option) != {"value", "label"}:
            problems.append(Problem(qid, field, f"each of the {what} is {{value, label}}"))
            continue
        if not value_ok(option["value"]):
            problems.append(Problem(qid, field, f"{option['value']!r} is not a valid value"))
        elif option["value"] in seen:
            problems.append(Problem(qid, field, f"value {option['value']!r} appears twice"))
        else:
            seen.add(option["value"])
        if not isinstance(option["label"], str) or not option["label"].strip():
            problems.append(Problem(qid, field, f"value {option['value']!r} has no label"))
    return problems


def _choice_problems(qid: str, question: Mapping) -> list[Problem]:
    return _options(qid, question, "choices", lambda v: isinstance(v, str) and v != "", "choices")


def _grade_problems(qid: str, question: Mapping) -> list[Problem]:
    whole = lambda v: isinstance(v, int) and not isinstance(v, bool)  # noqa: E731
    return _options(qid, question, "levels", whole, "levels")


def _number_problems(qid: str, question: Mapping) -> list[Problem]:
    problems = [
        Problem(qid, bound, "a finite number")
        for bound in ("min", "max")
        if bound in question and not is_number(question[bound])
    ]
    bounded = not problems and "min" in question and "max" in question
    if bounded and question["min"] > question["max"]:
        problems.append(Problem(qid, "max", f"below min ({question['min']})"))
    if not isinstance(question.get("unit", ""), str):
        problems.append(Problem(qid, "unit", "a string, e.g. mL"))
    if not isinstance(question.get("integer", False), bool):
        problems.append(Problem(qid, "integer", "true or false"))
    return problems


def _positive_int(qid: str, question: Mapping, field: str) -> list[Problem]:
    value = question.get(field, 1)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return [Problem(qid, field, "a whole number of at least 1")]
    return []


def _text_problems(qid: str, question: Mapping) -> list[Problem]:
    return _positive_int(qid, question, "max_length")


def _marks_problems(qid: str, question: Mapping) -> list[Problem]:
    problems = _positive_int(qid, question, "max_marks")
    labels = question.get("labels", [])
    if not isinstance(labels, list) or not all(
        isinstance(label, str) and label for label in labels
    ):
        problems.append(Problem(qid, "labels", "a list of the labels a mark may carry"))
    return problems


TYPE_CHECKS = {
    "single_choice": _choice_problems,
    "multiple_choice": _choice_problems,
    "number": _number_problems,
    "text": _text_problems,
    "grade": _grade_problems,
    "lesion_marks": _marks_problems,
}


def option_values(question: Mapping) -> list:
    """The values a single or multiple choice or a grade question offers, in order."""
    return [option["value"] for option in question.get("choices", question.get("levels", []))]


def _condition_problems(qid: str, condition, earlier: dict[str, dict], field: str) -> list:
    if not isinstance(condition, Mapping):
        return [Problem(qid, field, "a condition is an object")]
    for combination in ("all", "any"):
        if combination in condition:
            parts = condition[combination]
            if len(condition) != 1 or not isinstance(parts, list) or not parts:
                return [Problem(qid, field, f'"{combination}" takes a non-empty list, alone')]
            return [
                problem
                for position, part in enumerate(parts)
                for problem in _condition_problems(
                    qid, part, earlier, f"{field}.{combination}[{position}]"
                )
            ]
    named = condition.get("question")
    operators = [key for key in condition if key != "question"]
    if len(condition) != 2 or len(operators) != 1 or operators[0] not in ALL_OPERATORS:
        return [
            Problem(
                qid,
                field,
                'a condition is {"question": id, <operator>: value} with one of '
                f"{', '.join(ALL_OPERATORS)}, or all/any",
            )
        ]
    if named not in earlier:
        return [Problem(qid, field, f"{named!r} is not an earlier question")]
    (operator,) = operators
    referred = earlier[named]
    if operator not in OPERATORS[referred["type"]]:
        allowed = ", ".join(OPERATORS[referred["type"]])
        return [
            Problem(
                qid, field, f"{operator} does not apply to {referred['type']} '{named}' ({allowed})"
            )
        ]
    return _operand_problems(qid, field, named, referred, operator, condition[operator])


def _operand_problems(qid, field, named, referred, operator, operand) -> list[Problem]:
    if operator == "answered":
        ok = isinstance(operand, bool)
        return [] if ok else [Problem(qid, field, "answered is true or false")]
    operands = operand if operator == "in" else [operand]
    if operator == "in" and (not isinstance(operand, list) or not operand):
        return [Problem(qid, field, "in takes a non-empty list")]
    if referred["type"] == "number":
        wrong = [value for value in operands if not is_number(value)]
        return [Problem(qid, field, f"{value!r} is not a number") for value in wrong]
    offered = option_values(referred)
    if operator in ("at_least", "at_most"):
        ok = isinstance(operand, int) and not isinstance(operand, bool)
        return [] if ok else [Problem(qid, field, f"{operand!r} is not a level of '{named}'")]
    return [
        Problem(
            qid,
            field,
            f"{value!r} is not a {'level' if 'levels' in referred else 'choice'} of '{named}'",
        )
        for value in operands
        if value not in offered or isinstance(value, bool)
    ]


def describe(condition: Mapping) -> str:
    """A condition in words: "successful equals 'no' and failure_reason equals 'other'"."""
    for combination, joiner in (("all", " and "), ("any", " or ")):
        if combination in condition:
            return "(" + joiner.join(describe(part) for part in condition[combination]) + ")"
    (operator,) = (key for key in condition if key != "question")
    return f"{condition['question']} {operator.replace('_', ' ')} {condition[operator]!r}"
