type PrepareAnswer =
  | { type: "prepared"; segmentation: number }
  | { type: "error"; message: string; prepare?: unknown }
  | { type?: undefined };

/**
 * Ask the flow socket to read the exams and models of these NODE segmentations ahead of their
 * first flow, over a socket of its own that is closed once every one is answered. Resolves
 * (never rejects) with what could not be prepared, a line each: a flow asked for later reports
 * the same problem where the user sees it.
 */
export function prepareFlows(
  url: string,
  segmentations: readonly number[],
  createSocket: (url: string) => WebSocket = (address) => new WebSocket(address),
): Promise<string[]> {
  return new Promise((resolve) => {
    const waiting = new Set(segmentations);
    const problems: string[] = [];
    if (waiting.size === 0) return resolve(problems);
    const socket = createSocket(url);
    socket.addEventListener("open", () => {
      for (const segmentation of waiting) socket.send(JSON.stringify({ type: "prepare", segmentation }));
    });
    socket.addEventListener("message", (event: MessageEvent) => {
      const answer = parseAnswer(event.data);
      const segmentation = answer.type === "prepared" ? answer.segmentation : answer.type === "error" ? answer.prepare : undefined;
      if (typeof segmentation !== "number" || !waiting.delete(segmentation)) return;
      if (answer.type === "error") problems.push(`segmentation ${segmentation}: ${answer.message}`);
      if (waiting.size > 0) return;
      socket.close();
      resolve(problems);
    });
    socket.addEventListener("close", (event: CloseEvent) => {
      if (waiting.size === 0) return;
      problems.push(`the flow socket closed (code ${event.code}) before segmentation(s) ${[...waiting].join(", ")} were prepared`);
      waiting.clear();
      resolve(problems);
    });
  });
}

function parseAnswer(data: unknown): PrepareAnswer {
  try {
    return typeof data === "string" ? (JSON.parse(data) as PrepareAnswer) : {};
  } catch {
    return {};
  }
}
