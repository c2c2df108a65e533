import { describe, expect, it } from "vitest";
import { parseReply, type ReadRequest } from "../../../broker/src/manifest/manifest-read-child.ts";

const req: ReadRequest = { folder: "/p", candidates: [["/p/.devcontainer", "remo-broker.toml"], ["/p/.remo", "broker.toml"]], max: 8 };
const folder = { uid: 1000, gid: 1000 };
const line = (v: unknown): string => JSON.stringify(v);

describe("parseReply: the broker trusts only a well-formed answer from its manifest reader", () => {
  it("takes each kind of answer", () => {
    expect(parseReply(line({ kind: "folder_error", code: "ENOENT" }), req)).toEqual({ kind: "folder_error", code: "ENOENT" });
    expect(parseReply(line({ kind: "absent", folder }), req)).toEqual({ kind: "absent", folder });
    expect(parseReply(line({ kind: "error", folder, index: 1, code: "EACCES" }), req)).toEqual({ kind: "error", folder, index: 1, code: "EACCES" });
    expect(parseReply(line({ kind: "ok", folder, index: 0, fileUid: 0, data: Buffer.from("a = 1\n").toString("base64") }), req))
      .toEqual({ kind: "ok", folder, index: 0, fileUid: 0, bytes: Buffer.from("a = 1\n") });
    expect(parseReply(line({ kind: "refused", folder, index: 0, why: "dir_link" }), req)).toEqual({ kind: "refused", folder, index: 0, why: "dir_link" });
    expect(parseReply(line({ kind: "refused", folder, index: 0, why: "file_owner", uid: 7 }), req)).toEqual({ kind: "refused", folder, index: 0, why: "file_owner", uid: 7 });
    expect(parseReply(line({ kind: "refused", folder, index: 0, why: "not_file", fileType: "FIFO" }), req)).toEqual({ kind: "refused", folder, index: 0, why: "not_file", fileType: "FIFO" });
    expect(parseReply(line({ kind: "refused", folder, index: 0, why: "links", nlink: 2 }), req)).toEqual({ kind: "refused", folder, index: 0, why: "links", nlink: 2 });
    expect(parseReply(line({ kind: "refused", folder, index: 0, why: "size", size: 9 }), req)).toEqual({ kind: "refused", folder, index: 0, why: "size", size: 9 });
  });

  it.each([
    ["not JSON", "{"],
    ["not an object", line([1])],
    ["an unknown kind", line({ kind: "maybe", folder })],
    ["no folder", line({ kind: "absent" })],
    ["a UID past uid_t", line({ kind: "absent", folder: { uid: 2 ** 32, gid: 0 } })],
    ["a negative GID", line({ kind: "absent", folder: { uid: 0, gid: -1 } })],
    ["an errno that is not one", line({ kind: "folder_error", code: "no such file; rm -rf" })],
    ["an index past the candidates", line({ kind: "error", folder, index: 2, code: "EIO" })],
    ["a fractional index", line({ kind: "error", folder, index: 0.5, code: "EIO" })],
    ["more bytes than the cap", line({ kind: "ok", folder, index: 0, fileUid: 0, data: Buffer.alloc(9).toString("base64") })],
    ["data that is not base64", line({ kind: "ok", folder, index: 0, fileUid: 0, data: "a*b=" })],
    ["base64 with a bad length", line({ kind: "ok", folder, index: 0, fileUid: 0, data: "abc" })],
    ["no file owner", line({ kind: "ok", folder, index: 0, data: "" })],
    ["an unknown refusal", line({ kind: "refused", folder, index: 0, why: "because" })],
    ["an unknown file type", line({ kind: "refused", folder, index: 0, why: "not_file", fileType: "<script>" })],
    ["a size refusal for a size that fits", line({ kind: "refused", folder, index: 0, why: "size", size: 8 })],
    ["an owner refusal without a UID", line({ kind: "refused", folder, index: 0, why: "dir_owner" })],
  ])("refuses %s", (_what, text) => {
    expect(parseReply(text, req)).toBeUndefined();
  });
});
