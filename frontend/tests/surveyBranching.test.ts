import { beforeEach, describe, expect, it } from "vitest";
import { applyBranching, holds } from "../src/survey/branching";

const answers = (entries: [string, string | number | string[] | null][]) => new Map(entries);

describe("survey conditions", () => {
  it("compares a form's string answer numerically with a number operand", () => {
    expect(holds({ question: "grade", at_least: 3 }, answers([["grade", "4"]]))).toBe(true);
    expect(holds({ question: "grade", equals: 4 }, answers([["grade", "4"]]))).toBe(true);
    expect(holds({ question: "grade", in: [1, 2] }, answers([["grade", "4"]]))).toBe(false);
  });

  it("makes every leaf on an unanswered question false except answered: false", () => {
    const none = answers([["successful", null]]);
    expect(holds({ question: "successful", not_equals: "yes" }, none)).toBe(false);
    expect(holds({ question: "successful", answered: false }, none)).toBe(true);
  });

  it("combines leaves with all and any, and reads a multiple choice with includes", () => {
    const given = answers([
      ["successful", "no"],
      ["findings", ["oedema", "necrosis"]],
    ]);
    expect(holds({ all: [{ question: "successful", equals: "no" }, { question: "findings", includes: "oedema" }] }, given)).toBe(true);
    expect(holds({ any: [{ question: "successful", equals: "yes" }, { question: "findings", includes: "cyst" }] }, given)).toBe(false);
  });
});

describe("the survey form", () => {
  let form: HTMLFormElement;
  beforeEach(() => {
    document.body.innerHTML = `
      <form>
        <fieldset data-question="successful">
          <input type="radio" name="q_successful" value="yes"><input type="radio" name="q_successful" value="no">
        </fieldset>
        <fieldset data-question="why" data-show-when='{"question": "successful", "equals": "no"}'>
          <input type="radio" name="q_why" value="other">
        </fieldset>
        <fieldset data-question="detail" data-show-when='{"question": "why", "equals": "other"}'>
          <textarea name="q_detail"></textarea>
        </fieldset>
      </form>`;
    form = document.querySelector("form")!;
  });

  const shown = () => [...form.querySelectorAll<HTMLElement>("[data-question]")].filter((q) => !q.hidden).map((q) => q.dataset.question);
  const choose = (name: string, value: string) => {
    form.querySelector<HTMLInputElement>(`input[name=${name}][value=${value}]`)!.checked = true;
    applyBranching(form);
  };

  it("shows only the questions that apply before anything is answered", () => {
    applyBranching(form);
    expect(shown()).toEqual(["successful"]);
    expect(form.querySelector<HTMLInputElement>("input[name=q_why]")!.disabled).toBe(true);
  });

  it("follows the answers down the branch", () => {
    choose("q_successful", "no");
    choose("q_why", "other");
    expect(shown()).toEqual(["successful", "why", "detail"]);
  });

  it("hides a question again, and what depends on it, when an earlier answer changes", () => {
    choose("q_successful", "no");
    choose("q_why", "other");
    choose("q_successful", "yes");
    expect(shown()).toEqual(["successful"]);
    expect(form.querySelector("textarea")!.disabled).toBe(true);
  });
});
