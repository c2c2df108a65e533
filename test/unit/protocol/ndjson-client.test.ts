import { describe, expect, it } from "vitest";
import { classifySocketErrno, maxMessageBytes, ReplyQueue, type UnreadableReply } from "#protocol";

const bytes = (s: string) => new TextEncoder().encode(s);

class TestError extends Error {
  constructor(readonly why: UnreadableReply | string) {
    super(typeof why === "string" ? why : why.message);
  }
}
const queue = () => new ReplyQueue((why) => new TestError(why));

describe("classifySocketErrno", () => {
  it("puts each errno a Unix socket client meets in one class", () => {
    expect(["EACCES", "EPERM", "ENOENT", "ENOTDIR", "ECONNREFUSED", "ECONNRESET", "EPIPE", "EMFILE", undefined].map(classifySocketErrno))
      .toEqual(["permission", "permission", "missing", "missing", "refused", "lost", "lost", "other", "other"]);
  });
});

describe("ReplyQueue", () => {
  it("encodes a batch as one text and settles the replies in request order, across chunk boundaries", async () => {
    const q = queue();
    const { text, replies } = q.send([{ op: "ping" }, { op: "get", name: "A" }]);
    expect(text).toBe("{\"op\":\"ping\"}\n{\"op\":\"get\",\"name\":\"A\"}\n");
    expect(q.pending).toBe(2);
    expect(q.receive(bytes("{\"ok\":true,\"n\":1}\n{\"ok\":"))).toBe(true);
    expect(q.receive(bytes("true,\"n\":2}\n"))).toBe(true);
    expect(await Promise.all(replies)).toEqual([{ ok: true, n: 1 }, { ok: true, n: 2 }]);
    expect(q.pending).toBe(0);
  });

  it("fails only the request whose reply is not a JSON object", async () => {
    const q = queue();
    const { replies: [first, second] } = q.send([{ op: "ping" }, { op: "ping" }]);
    q.receive(bytes("not json\n{\"ok\":true}\n"));
    await expect(first).rejects.toMatchObject({ why: { kind: "json" } });
    await expect(second).resolves.toEqual({ ok: true });
    expect(q.failure).toBeUndefined();
  });

  it("fails every request and every later send when the stream breaks", async () => {
    const q = queue();
    const { replies } = q.send([{ op: "ping" }, { op: "ping" }]);
    expect(q.receive(bytes("x".repeat(maxMessageBytes) + "\n"))).toBe(false);
    for (const r of replies) await expect(r).rejects.toMatchObject({ why: { kind: "framing", error: "oversize" } });
    expect(() => q.send([{ op: "ping" }])).toThrow(TestError);
  });

  it("keeps the first failure when several come", async () => {
    const q = queue();
    const { replies: [r] } = q.send([{ op: "ping" }]);
    q.fail(new TestError("timeout"));
    q.fail(new TestError("connection lost"));
    await expect(r).rejects.toThrow("timeout");
    expect(q.failure?.message).toBe("timeout");
  });

  it("drops reply lines nobody asked for", () => {
    const q = queue();
    expect(q.receive(bytes("{\"ok\":true}\n"))).toBe(true);
    expect(q.pending).toBe(0);
  });

  it("refuses an oversized request before anything waits for its reply", () => {
    const q = queue();
    expect(() => q.send([{ op: "get", name: "x".repeat(maxMessageBytes) }])).toThrow("exceeds");
    expect(q.pending).toBe(0);
  });
});
