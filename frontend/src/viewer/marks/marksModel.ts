import type { Vec3 } from "../../types/ViewerManifest";

/**
 * A lesion a reader marked for a reader study's lesion_marks answer: a point in the current
 * exam's scanner RAS millimetres (what reviewer.studies.answers checks), with an optional label.
 */
export interface LesionMark {
  positionMm: Vec3;
  label?: string;
}

/** What the question allows: at most `max` marks (none: any number), labels from `labels`. */
export interface MarkRules {
  max?: number;
  labels: readonly string[];
}

/** Marks are stored to 0.01 mm: finer than any voxel, and free of floating-point noise. */
const round = (mm: number): number => Math.round(mm * 100) / 100 + 0;

/**
 * The marks of one answer, in the order placed (a mark's number is its place in the list).
 * An empty list is an answer: the reader found no lesion.
 */
export class MarkList {
  private list: LesionMark[] = [];
  private readonly listeners: (() => void)[] = [];

  constructor(readonly rules: MarkRules) {}

  get marks(): readonly LesionMark[] {
    return this.list;
  }

  get full(): boolean {
    return this.rules.max !== undefined && this.list.length >= this.rules.max;
  }

  /** Call `listener` after every change. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Add a mark at a RAS point; false (and nothing added) when the list is full. */
  add(positionMm: Vec3): boolean {
    if (this.full) return false;
    this.list.push({ positionMm: positionMm.map(round) as Vec3 });
    this.changed();
    return true;
  }

  remove(index: number): void {
    this.at(index);
    this.list.splice(index, 1);
    this.changed();
  }

  /** Label a mark with one of the allowed labels, or take its label away (undefined). */
  setLabel(index: number, label: string | undefined): void {
    const mark = this.at(index);
    if (label !== undefined && !this.rules.labels.includes(label)) {
      throw new Error(`label: ${JSON.stringify(label)} is not one of ${this.rules.labels.join(", ") || "(no labels)"}`);
    }
    if (label === undefined) delete mark.label;
    else mark.label = label;
    this.changed();
  }

  /** Replace every mark (the answer read back from the page), checked against the rules. */
  replace(marks: readonly LesionMark[]): void {
    if (this.rules.max !== undefined && marks.length > this.rules.max) {
      throw new Error(`${marks.length} marks, more than the ${this.rules.max} allowed`);
    }
    for (const [index, mark] of marks.entries()) {
      if (mark.label !== undefined && !this.rules.labels.includes(mark.label)) {
        throw new Error(`mark ${index + 1}: label ${JSON.stringify(mark.label)} is not one of ${this.rules.labels.join(", ") || "(no labels)"}`);
      }
    }
    this.list = marks.map((mark) => ({ ...mark, positionMm: mark.positionMm.map(round) as Vec3 }));
    this.changed();
  }

  private at(index: number): LesionMark {
    const mark = this.list[index];
    if (!mark) throw new Error(`mark ${index + 1}: there are ${this.list.length} marks`);
    return mark;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
