import { beforeEach, describe, expect, it } from "vitest";
import { prepareFlows } from "../src/flow/prepareFlows";
import { FakeSocket } from "./fakeSocket";

let sockets: FakeSocket[];
const prepare = (segmentations: number[]) =>
  prepareFlows("ws://x/ws/flows/", segmentations, () => {
    sockets.push(new FakeSocket());
    return sockets[sockets.length - 1] as unknown as WebSocket;
  });

describe("prepareFlows", () => {
  beforeEach(() => (sockets = []));

  it("asks for each segmentation once the socket opens, then closes it when all are prepared", async () => {
    const done = prepare([3, 4]);
    const socket = sockets[0]!;
    socket.open();
    expect(socket.sent).toEqual([
      { type: "prepare", segmentation: 3 },
      { type: "prepare", segmentation: 4 },
    ]);
    socket.reply({ type: "prepared", segmentation: 3 });
    expect(socket.closed).toBe(false);
    socket.reply({ type: "prepared", segmentation: 4 });
    expect(socket.closed).toBe(true);
    await expect(done).resolves.toEqual([]);
  });

  it("resolves with the server's reasons for what it could not prepare", async () => {
    const done = prepare([3, 4]);
    sockets[0]!.open();
    sockets[0]!.reply({ type: "error", message: "only NODE segmentations have a flow", prepare: 4 });
    sockets[0]!.reply({ type: "prepared", segmentation: 3 });
    await expect(done).resolves.toEqual(["segmentation 4: only NODE segmentations have a flow"]);
  });

  it("ignores answers it did not ask for and resolves when the socket closes early", async () => {
    const done = prepare([3]);
    sockets[0]!.open();
    sockets[0]!.reply({ type: "prepared", segmentation: 9 });
    sockets[0]!.reply({ type: "ready", url: "/x", segmentation: 3, slice: 1, stages: 2 });
    sockets[0]!.drop(4403);
    await expect(done).resolves.toEqual(["the flow socket closed (code 4403) before segmentation(s) 3 were prepared"]);
  });

  it("opens no socket for no segmentations", async () => {
    await expect(prepare([])).resolves.toEqual([]);
    expect(sockets).toHaveLength(0);
  });
});
