"""Whether a respondent's answers fit a (valid) survey definition, branching included: the
questions are walked in order; a question is shown when it has no ``show_when`` or its condition
holds over the answers accepted so far. A shown, required question must be answered; an answer
to a hidden question is refused, naming the condition that hides it; every value must fit its
question's type, choices and range. Each problem names the question's id.

Unanswered means absent or null; for a text an empty (blank) string and for a multiple choice an
empty selection count as unanswered too. An empty list of lesion marks is an answer: "none".
Like definitions, this imports no Django."""

from collections.abc import Mapping

from reviewer.studies.definitions import (
    TEXT_MAX_LENGTH,
    Problem,
    describe,
    is_number,
    option_values,
    questions,
)


class AnswersError(ValueError):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems

    def by_question(self) -> dict[str, list[str]]:
        """The messages keyed by question id (for a form or an API answer)."""
        named: dict[str, list[str]] = {}
        for problem in self.problems:
            named.setdefault(problem.question or problem.field, []).append(problem.message)
        return named


def is_unanswered(question: Mapping, value) -> bool:
    if value is None:
        return True
    if question["type"] == "text":
        return isinstance(value, str) and not value.strip()
    if question["type"] == "multiple_choice":
        return value == []
    return False


def holds(condition: Mapping, answers: Mapping) -> bool:
    """Whether a condition holds over accepted answers (question id -> value)."""
    if "all" in condition:
        return all(holds(part, answers) for part in condition["all"])
    if "any" in condition:
        return any(holds(part, answers) for part in condition["any"])
    (operator,) = (key for key in condition if key != "question")
    operand = condition[operator]
    value = answers.get(condition["question"])
    if operator == "answered":
        return (value is not None) == operand
    if value is None:
        return False
    return {
        "equals": lambda: value == operand,
        "not_equals": lambda: value != operand,
        "in": lambda: value in operand,
        "includes": lambda: operand in value,
        "at_least": lambda: value >= operand,
        "at_most": lambda: value <= operand,
    }[operator]()


def shown_questions(definition: Mapping, answers: Mapping) -> list[str]:
    """The ids of the questions these answers show, in order."""
    return _walk(definition, answers)[1]


def accepted(definition: Mapping, answers) -> dict:
    """The answers to keep (question id -> value, only shown and answered questions), or
    AnswersError naming every problem."""
    if not isinstance(answers, Mapping):
        raise AnswersError([Problem(None, "answers", "an object: question id -> answer")])
    kept, _, problems = _walk(definition, answers)
    if problems:
        raise AnswersError(problems)
    return kept


def _walk(definition: Mapping, answers: Mapping) -> tuple[dict, list[str], list[Problem]]:
    """The questions in order: the answers kept, the ids shown, the problems."""
    known = {question["id"] for question in questions(definition)}
    problems = [
        Problem(qid, "answer", "not a question of this survey version")
        for qid in answers
        if qid not in known
    ]
    kept: dict = {}
    shown: list[str] = []
    for question in questions(definition):
        qid = question["id"]
        value = answers.get(qid)
        condition = question.get("show_when")
        if condition is not None and not holds(condition, kept):
            if not is_unanswered(question, value):
                problems.append(
                    Problem(
                        qid,
                        "answer",
                        f"hidden (shown only when {describe(condition)}): leave it out",
                    )
                )
            continue
        shown.append(qid)
        if is_unanswered(question, value):
            if question.get("required", True):
                problems.append(Problem(qid, "answer", "required"))
            continue
        wrong = VALUE_CHECKS[question["type"]](question, value)
        if wrong:
            problems.append(Problem(qid, "answer", wrong))
        else:
            kept[qid] = value
    return kept, shown, problems


def _single(question, value) -> str | None:
    offered = option_values(question)
    if not isinstance(value, str) or value not in offered:
        return f"{value!r} is not one of {', '.join(offered)}"
    return None


def _multiple(question, value) -> str | None:
    offered = option_values(question)
    if not isinstance(value, list) or not all(isinstance(choice, str) for choice in value):
        return "a list of choices"
    unknown = [choice for choice in value if choice not in offered]
    if unknown:
        return f"{', '.join(map(repr, unknown))} not among {', '.join(offered)}"
    if len(set(value)) != len(value):
        return "a choice is selected twice"
    return None


def _number(question, value) -> str | None:
    if not is_number(value):
        return f"{value!r} is not a number"
    if question.get("integer") and value != int(value):
        return f"{value} is not a whole number"
    unit = f" {question['unit']}" if question.get("unit") else ""
    if "min" in question and value < question["min"]:
        return f"{value}{unit} is below the minimum, {question['min']}{unit}"
    if "max" in question and value > question["max"]:
        return f"{value}{unit} is above the maximum, {question['max']}{unit}"
    return None


def _text(question, value) -> str | None:
    if not isinstance(value, str):
        return "a text"
    limit = question.get("max_length", TEXT_MAX_LENGTH)
    if len(value) > limit:
        return f"{len(value)} characters, more than the {limit} allowed"
    return None


def _grade(question, value) -> str | None:
    levels = option_values(question)
    if isinstance(value, bool) or not isinstance(value, int) or value not in levels:
        return f"{value!r} is not a level of {', '.join(map(str, levels))}"
    return None


def _marks(question, value) -> str | None:
    """A list of {"position_mm": [x, y, z], "label"?}: points in scanner (RAS) millimetres."""
    if not isinstance(value, list):
        return 'a list of marks {"position_mm": [x, y, z], "label": optional}'
    if "max_marks" in question and len(value) > question["max_marks"]:
        return f"{len(value)} marks, more than the {question['max_marks']} allowed"
    allowed = question.get("labels")
    for number, mark in enumerate(value, start=1):
        if not isinstance(mark, Mapping) or not set(mark) <= {"position_mm", "label"}:
            return f'mark {number}: {{"position_mm": [x, y, z], "label": optional}}'
        position = mark.get("position_mm")
        if (
            not isinstance(position, list)
            or len(position) != 3
            or not all(map(is_number, position))
        ):
            return f"mark {number}: position_mm is [x, y, z] in millimetres"
        label = mark.get("label")
        if label is not None and not isinstance(label, str):
            return f"mark {number}: a label is a text"
        if allowed and label is not None and label not in allowed:
            return f"mark {number}: {label!r} is not one of {', '.join(allowed)}"
    return None


VALUE_CHECKS = {
    "single_choice": _single,
    "multiple_choice": _multiple,
    "number": _number,
    "text": _text,
    "grade": _grade,
    "lesion_marks": _marks,
}
