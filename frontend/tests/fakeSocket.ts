/** Stands in for the browser's WebSocket; the test plays the server. */
export class FakeSocket extends EventTarget {
  readyState: number = WebSocket.CONNECTING;
  readonly sent: unknown[] = [];
  closed = false;
  open(): void {
    this.readyState = WebSocket.OPEN;
    this.dispatchEvent(new Event("open"));
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  reply(message: object): void {
    this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(message) }));
  }
  drop(code: number): void {
    this.dispatchEvent(new CloseEvent("close", { code }));
  }
  close(): void {
    this.closed = true;
  }
}
