import type { Vec3 } from "../../types/ViewerManifest";
import type { LesionMark, MarkList, MarkRules } from "./marksModel";

/**
 * The page's side of lesion marks: the rules the viewer root carries (data-marks-max,
 * data-marks-labels) and the answer in the page's input, a JSON list
 * [{"position_mm": [x, y, z], "label": optional}] as reviewer.studies.answers checks it.
 */

/** The rules from the viewer root's data attributes; a bad value is an error naming it. */
export function markRules(dataset: DOMStringMap): MarkRules {
  const rules: MarkRules = { labels: [] };
  const max = dataset.marksMax;
  if (max) {
    if (!/^[1-9]\d*$/.test(max)) throw new Error(`data-marks-max: ${JSON.stringify(max)} is not a whole number of at least 1`);
    rules.max = Number(max);
  }
  const labels = dataset.marksLabels;
  if (labels) {
    const parsed = parseJson(labels, "data-marks-labels");
    if (!Array.isArray(parsed) || !parsed.every((label) => typeof label === "string" && label !== "")) {
      throw new Error(`data-marks-labels: ${labels} is not a JSON list of texts`);
    }
    rules.labels = parsed;
  }
  return rules;
}

/** The answer's JSON text for a list of marks. */
export function marksJson(marks: readonly LesionMark[]): string {
  return JSON.stringify(marks.map(({ positionMm, label }) => (label === undefined ? { position_mm: positionMm } : { position_mm: positionMm, label })));
}

/** The marks an answer's JSON text holds; an empty text is no answer yet, so no marks. */
export function parseMarks(text: string): LesionMark[] {
  if (text.trim() === "") return [];
  const parsed = parseJson(text, "lesion marks");
  if (!Array.isArray(parsed)) throw new Error(`lesion marks: ${text} is not a JSON list`);
  return parsed.map((item: unknown, index) => {
    const where = `mark ${index + 1}`;
    if (typeof item !== "object" || item === null) throw new Error(`${where}: not an object {"position_mm": [x, y, z], "label": optional}`);
    const { position_mm: position, label } = item as Record<string, unknown>;
    if (!Array.isArray(position) || position.length !== 3 || !position.every((v) => typeof v === "number" && Number.isFinite(v))) {
      throw new Error(`${where}: position_mm ${JSON.stringify(position)} is not [x, y, z] in millimetres`);
    }
    if (label !== undefined && label !== null && typeof label !== "string") throw new Error(`${where}: label ${JSON.stringify(label)} is not a text`);
    const mark: LesionMark = { positionMm: position as Vec3 };
    if (typeof label === "string") mark.label = label;
    return mark;
  });
}

/**
 * Show the marks the input holds and keep its value the list's JSON from then on; each change
 * fires the input's "input" and "change" events, as typing would, for the page's own scripts.
 * An empty input becomes "[]" at once: the viewer shows no marks, and that is the answer the
 * page submits ("none") unless the reader marks a lesion.
 */
export function keepAnswer(list: MarkList, input: HTMLInputElement | HTMLTextAreaElement): void {
  list.replace(parseMarks(input.value));
  input.value = marksJson(list.marks);
  list.onChange(() => {
    input.value = marksJson(list.marks);
    for (const type of ["input", "change"]) input.dispatchEvent(new Event(type, { bubbles: true }));
  });
}

function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${field}: ${text} is not valid JSON`);
  }
}
