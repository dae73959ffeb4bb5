// Reader-study reading page: the viewer, the study's questions (hidden when they do not apply)
// and the reading's timing, sent with the answers.
import { GapRecorder } from "../study/sessionGaps";
import { branching } from "../survey/branching";

const form = document.querySelector<HTMLFormElement>("form[data-reading]");
const viewer = document.querySelector<HTMLElement>("#viewer");
if (form && viewer) {
  branching(form);
  const gaps = new GapRecorder();
  if (form.dataset.resume) gaps.resume(JSON.parse(form.dataset.resume));
  else if (viewer.dataset.displayed === "true") gaps.start();
  else viewer.addEventListener("viewer:displayed", () => gaps.start(), { once: true });
  window.addEventListener("blur", () => gaps.focusLost());
  window.addEventListener("focus", () => gaps.focusBack());
  document.addEventListener("visibilitychange", () =>
    document.visibilityState === "hidden" ? gaps.focusLost() : gaps.focusBack(),
  );
  for (const type of ["keydown", "pointerdown", "pointermove", "wheel"])
    document.addEventListener(type, () => gaps.activity(), { capture: true, passive: true });

  const status = form.querySelector<HTMLElement>("[data-reading-status]");
  form.addEventListener("submit", (event) => {
    if (!gaps.isRunning) {
      event.preventDefault();
      if (status) status.textContent = "The case is not fully displayed yet: wait for the images, then send.";
      return;
    }
    const timing = gaps.finish();
    for (const [name, value] of Object.entries(timing)) {
      const input = form.querySelector<HTMLInputElement>(`input[name="${name}"]`);
      if (input) input.value = typeof value === "string" ? value : JSON.stringify(value);
    }
  });
}
