import { describe, expect, it } from "vitest";
import { VerdictBook, nextUndecided, undoInput } from "../src/viewer/lesionVerdicts";
import { verdict } from "./gradingFixtures";

describe("VerdictBook", () => {
  it("takes a lesion's standing verdict: the one nothing supersedes", () => {
    const book = new VerdictBook([
      verdict(3, { lesion: 1, decision: "rejected", supersedes: 1 }),
      verdict(2, { lesion: 2, decision: "accepted" }),
      verdict(1, { lesion: 1, decision: "accepted" }),
    ]);
    expect(book.decision(1)).toBe("rejected");
    expect(book.decision(2)).toBe("accepted");
    expect(book.decision(9)).toBeUndefined();
    expect(book.previous(book.standing(1)!)?.id).toBe(1);
  });

  it("lists the added lesions, oldest first", () => {
    const added = (id: number) => verdict(id, { lesion: null, decision: "added", centre_mm: [1, 2, 3] });
    const book = new VerdictBook([added(3), verdict(2), added(1)]);
    expect(book.added.map((v) => v.id)).toEqual([1, 3]);
  });
});

describe("nextUndecided", () => {
  const book = new VerdictBook([verdict(1, { lesion: 20 }), verdict(2, { lesion: 40 })]);

  it("goes to the next lesion without a verdict, round the end", () => {
    expect(nextUndecided([10, 20, 30, 40], book, 1)).toBe(2);
    expect(nextUndecided([10, 20, 30, 40], book, 2)).toBe(0);
  });

  it("says when every lesion has a verdict", () => {
    expect(nextUndecided([20, 40], book, 0)).toBe(-1);
  });
});

describe("undoInput", () => {
  it("brings back the decision the undone verdict replaced", () => {
    const first = verdict(1, { decision: "accepted" });
    const changed = verdict(2, { decision: "rejected", supersedes: 1 });
    const book = new VerdictBook([changed, first]);
    expect(undoInput(changed, book)).toEqual({ decision: "accepted", lesion: 1, supersedes: 2 });
  });

  it("restores over whatever stands on the lesion now", () => {
    const first = verdict(1, { decision: "accepted" });
    const changed = verdict(2, { decision: "rejected", supersedes: 1 });
    const again = verdict(3, { decision: "accepted", supersedes: 2 });
    const book = new VerdictBook([again, changed, first]);
    expect(undoInput(changed, book)).toEqual({ decision: "accepted", lesion: 1, supersedes: 3 });
  });

  it("withdraws a first verdict, and the lesion has no decision again", () => {
    const first = verdict(1, { decision: "accepted" });
    const input = undoInput(first, new VerdictBook([first]));
    expect(input).toEqual({ decision: "withdrawn", supersedes: 1 });
    const withdrawn = verdict(2, { decision: "withdrawn", supersedes: 1 });
    expect(new VerdictBook([withdrawn, first]).decision(1)).toBeUndefined();
  });

  it("withdraws an added lesion, which then no longer stands", () => {
    const added = verdict(7, { lesion: null, decision: "added", centre_mm: [1, 2, 3] });
    expect(undoInput(added, new VerdictBook([added]))).toEqual({ decision: "withdrawn", supersedes: 7 });
    const withdrawn = verdict(8, { lesion: null, decision: "withdrawn", supersedes: 7 });
    expect(new VerdictBook([withdrawn, added]).added).toEqual([]);
  });
});
