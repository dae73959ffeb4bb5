import { describe, expect, it, vi } from "vitest";
import { rowLinks } from "../src/worklist/rowLinks";

function worklist(): { navigate: ReturnType<typeof vi.fn>; openInNewTab: ReturnType<typeof vi.fn> } {
  document.body.innerHTML = `
    <table><tbody>
      <tr data-href="/cases/NR-0001/" tabindex="0">
        <td class="pseudonym">NR-0001</td>
        <td><a href="/patients/NR-0001/">patient</a> <button type="button"><span>flag</span></button></td>
      </tr>
    </tbody></table>`;
  const navigate = vi.fn();
  const openInNewTab = vi.fn();
  rowLinks(document.body, { navigate, openInNewTab });
  return { navigate, openInNewTab };
}

describe("rowLinks", () => {
  it("opens the case when a cell of its row is clicked", () => {
    const { navigate } = worklist();
    document.querySelector<HTMLElement>("td.pseudonym")!.click();
    expect(navigate).toHaveBeenCalledWith("/cases/NR-0001/");
  });

  it("leaves clicks on links and buttons inside the row to them", () => {
    const { navigate } = worklist();
    const link = document.querySelector("a")!;
    link.addEventListener("click", (event) => event.preventDefault()); // keep the test page in place
    link.click();
    document.querySelector("button span")!.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(navigate).not.toHaveBeenCalled();
  });

  it("opens the case when Enter is pressed on the focused row", () => {
    const { navigate } = worklist();
    const row = document.querySelector("tr")!;
    row.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(navigate).toHaveBeenCalledWith("/cases/NR-0001/");
  });

  it("opens the case in a new tab on Ctrl-click", () => {
    const { navigate, openInNewTab } = worklist();
    document.querySelector("td")!.dispatchEvent(new MouseEvent("click", { bubbles: true, ctrlKey: true }));
    expect(openInNewTab).toHaveBeenCalledWith("/cases/NR-0001/");
    expect(navigate).not.toHaveBeenCalled();
  });
});
