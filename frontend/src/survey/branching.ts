/**
 * Branching on the survey page: a question whose `data-show-when` condition does not hold over
 * the answers given so far is hidden, and its inputs are disabled so that the form does not send
 * them (the server refuses answers to hidden questions). The server decides again on submit
 * (reviewer/studies/answers.py); this mirrors its rules so that a reader sees only the
 * questions that apply:
 * - a leaf names an earlier question and one operator: equals, not_equals, in, includes,
 *   at_least, at_most, answered; {"all": [...]} and {"any": [...]} combine leaves;
 * - an unanswered (or hidden) question makes every leaf on it false, except answered: false.
 */

export type Answer = string | number | string[] | null;
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | ({ question: string } & Partial<Record<"equals" | "not_equals" | "in" | "includes" | "at_least" | "at_most" | "answered", unknown>>);

/** The operand's type decides how a form value (always a string) compares: a number operand
 * compares numerically. */
const like = (operand: unknown, value: string | number): unknown =>
  typeof operand === "number" && typeof value === "string" ? Number(value) : value;

export function holds(condition: Condition, answers: ReadonlyMap<string, Answer>): boolean {
  if ("all" in condition) return condition.all.every((part) => holds(part, answers));
  if ("any" in condition) return condition.any.some((part) => holds(part, answers));
  const [operator, operand] = Object.entries(condition).find(([key]) => key !== "question")!;
  const value = answers.get(condition.question) ?? null;
  if (operator === "answered") return (value !== null) === operand;
  if (value === null) return false;
  if (Array.isArray(value)) return operator === "includes" && value.includes(operand as string);
  const given = like(operand, value);
  switch (operator) {
    case "equals":
      return given === operand;
    case "not_equals":
      return given !== operand;
    case "in":
      return (operand as unknown[]).some((option) => like(option, value) === option);
    case "at_least":
      return (given as number) >= (operand as number);
    case "at_most":
      return (given as number) <= (operand as number);
    default:
      return false;
  }
}

/** A question's answer as the form holds it now; null when unanswered. */
function answerOf(question: HTMLElement): Answer {
  const inputs = [...question.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input, textarea")];
  const boxes = inputs.filter((input) => input instanceof HTMLInputElement && input.type === "checkbox") as HTMLInputElement[];
  if (boxes.length > 0) {
    const chosen = boxes.filter((box) => box.checked).map((box) => box.value);
    return chosen.length > 0 ? chosen : null;
  }
  const radios = inputs.filter((input) => input instanceof HTMLInputElement && input.type === "radio") as HTMLInputElement[];
  if (radios.length > 0) return radios.find((radio) => radio.checked)?.value ?? null;
  const field = inputs[0];
  if (!field || !field.value.trim()) return null;
  return field instanceof HTMLInputElement && field.type === "number" ? Number(field.value) : field.value;
}

/** Show the questions whose conditions hold, in order, each over the shown answers before it. */
export function applyBranching(form: HTMLFormElement): void {
  const answers = new Map<string, Answer>();
  for (const question of form.querySelectorAll<HTMLElement>("[data-question]")) {
    const condition = question.dataset.showWhen;
    const shown = !condition || holds(JSON.parse(condition) as Condition, answers);
    question.hidden = !shown;
    for (const input of question.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input, textarea")) input.disabled = !shown;
    if (shown) answers.set(question.dataset.question!, answerOf(question));
  }
}

/** Branch now and after every change. */
export function branching(form: HTMLFormElement): void {
  applyBranching(form);
  form.addEventListener("input", () => applyBranching(form));
  form.addEventListener("change", () => applyBranching(form));
}
