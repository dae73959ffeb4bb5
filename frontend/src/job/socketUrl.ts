/** The WebSocket URL for a server path on the page's own host: wss on https pages, ws otherwise. */
export function socketUrl(path: string, location: Pick<Location, "protocol" | "host">): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}
