/**
 * The first element under `root` matching `selector`.
 *
 * Throws when it is missing: the server-rendered template and this code share a DOM
 * contract, and a broken contract should fail loudly rather than leave a dead page.
 */
export function requireElement<T extends Element = HTMLElement>(root: ParentNode, selector: string): T {
  const element = root.querySelector<T>(selector);
  if (element === null) {
    throw new Error(`NeuroReview: missing ${selector} in the page`);
  }
  return element;
}
