export interface ProgressSocketOptions<Message> {
  url: string;
  onMessage: (message: Message) => void;
  /** True for the message after which the server has nothing more to say. */
  isFinal: (message: Message) => boolean;
  /** Runs once when reconnecting has failed `maxRetries` times in a row. */
  onGiveUp: () => void;
  maxRetries?: number;
  /** Delay before the first reconnection; it doubles with each further try. */
  retryDelayMs?: number;
  createSocket?: (url: string) => WebSocket;
}

/**
 * Follow a background job over a WebSocket that sends one JSON message per update.
 *
 * The socket is closed after the final message. If it closes before that, it is
 * reopened with exponential backoff (1, 2, 4, 8, 16 s by default); any message resets
 * the count, since the server is evidently alive. The server is expected to send the
 * current state on connect, so nothing is lost across a reconnection.
 * Returns a function that closes the socket for good.
 */
export function progressSocket<Message>({
  url,
  onMessage,
  isFinal,
  onGiveUp,
  maxRetries = 5,
  retryDelayMs = 1000,
  createSocket = (address) => new WebSocket(address),
}: ProgressSocketOptions<Message>): () => void {
  let socket: WebSocket | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let finished = false;

  const finish = (): void => {
    finished = true;
    clearTimeout(retry);
    socket?.close();
  };

  const connect = (): void => {
    const current = createSocket(url);
    socket = current;
    current.addEventListener("message", (event: MessageEvent) => {
      const message = parseJson<Message>(event.data);
      if (finished || message === undefined) return;
      failures = 0;
      onMessage(message);
      if (isFinal(message)) finish();
    });
    current.addEventListener("close", () => {
      if (finished || current !== socket) return;
      if (failures >= maxRetries) {
        finished = true;
        onGiveUp();
        return;
      }
      retry = setTimeout(connect, retryDelayMs * 2 ** failures);
      failures += 1;
    });
  };

  connect();
  return finish;
}

function parseJson<Message>(data: unknown): Message | undefined {
  if (typeof data !== "string") return undefined;
  try {
    return JSON.parse(data) as Message;
  } catch {
    console.warn("NeuroReview: ignored a WebSocket message that is not JSON", data);
    return undefined;
  }
}
