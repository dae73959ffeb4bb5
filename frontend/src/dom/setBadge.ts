import type { BadgeTone } from "../types/BadgeTone";

const TONES: readonly BadgeTone[] = ["ok", "warn", "bad", "muted", "info"];

/** Make `element` a `.badge` showing `label` in exactly one tone. */
export function setBadge(element: HTMLElement, label: string, tone: BadgeTone): void {
  element.textContent = label;
  element.classList.add("badge");
  for (const other of TONES) {
    element.classList.toggle(`badge-${other}`, other === tone);
  }
}
