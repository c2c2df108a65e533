import { describe, expect, it } from "vitest";
import { applyAnswer, approvalKey, diffAllowlist, planApproval, listApprovals, needsApproval, parseApprovals, parseRegisteredPaths, sendableNames, withApproval, withoutApproval } from "../../../extension/src/approvals/approval-model.ts";
import { ApprovalStore } from "../../../extension/src/approvals/approval-store.ts";
import { memento } from "../../helpers/memento.ts";

const at = new Date("2026-03-01T10:00:00.000Z");

describe("diffAllowlist", () => {
  it("treats a project never approved on the node as a first approval of every name", () => {
    const d = diffAllowlist(undefined, ["GITHUB_TOKEN", "NPM_TOKEN"]);
    expect(d).toEqual({ first: true, added: ["GITHUB_TOKEN", "NPM_TOKEN"], removed: [], kept: [] });
    expect(needsApproval(d)).toBe(true);
  });

  it("shows only what a manifest edit added and removed", () => {
    const d = diffAllowlist(["GITHUB_TOKEN", "OLD_TOKEN"], ["NPM_TOKEN", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY"]);
    expect(d).toEqual({ first: false, added: ["NPM_TOKEN", "AWS_SECRET_ACCESS_KEY"], removed: ["OLD_TOKEN"], kept: ["GITHUB_TOKEN"] });
    expect(needsApproval(d)).toBe(true);
  });

  it("needs no question for an unchanged list, a reordered one, or one that only dropped names", () => {
    expect(needsApproval(diffAllowlist(["A", "B"], ["A", "B"]))).toBe(false);
    expect(needsApproval(diffAllowlist(["A", "B"], ["B", "A"]))).toBe(false);
    const narrowed = diffAllowlist(["A", "B"], ["B"]);
    expect(narrowed).toEqual({ first: false, added: [], removed: ["A"], kept: ["B"] });
    expect(needsApproval(narrowed)).toBe(false);
  });

  it("needs no question for an empty first list (nothing would be sent)", () => {
    expect(needsApproval(diffAllowlist(undefined, []))).toBe(false);
  });

  it("is case-sensitive, like the manifest's names", () => {
    expect(diffAllowlist(["github_token"], ["GITHUB_TOKEN"]).added).toEqual(["GITHUB_TOKEN"]);
  });
});

describe("sendableNames", () => {
  it("sends only names both approved and still listed, in manifest order", () => {
    expect(sendableNames(["C", "A", "GONE"], ["A", "B", "C"])).toEqual(["A", "C"]);
    expect(sendableNames(undefined, ["A"])).toEqual([]);
  });
});

describe("planApproval and applyAnswer (the push's approval step)", () => {
  it("asks on a first push of a non-empty list, about every name", () => {
    expect(planApproval(undefined, ["A", "B"])).toEqual({ ask: true, diff: { first: true, added: ["A", "B"], removed: [], kept: [] } });
  });

  it("records a first empty list without asking, so a later addition is asked about", () => {
    expect(planApproval(undefined, [])).toEqual({ ask: false, names: [], record: [] });
  });

  it("pushes an unchanged list without asking or recording", () => {
    expect(planApproval(["A", "B"], ["B", "A"])).toEqual({ ask: false, names: ["B", "A"] });
  });

  it("records a narrowed list without asking", () => {
    expect(planApproval(["A", "B"], ["B"])).toEqual({ ask: false, names: ["B"], record: ["B"] });
  });

  it("asks only about what was added, and says what was removed", () => {
    const plan = planApproval(["A", "OLD"], ["A", "NEW"]);
    expect(plan).toEqual({ ask: true, diff: { first: false, added: ["NEW"], removed: ["OLD"], kept: ["A"] } });
  });

  it("sends the kept names and the checked new ones; unchecked names stay unapproved", () => {
    const diff = diffAllowlist(["A"], ["A", "B", "C"]);
    expect(applyAnswer(diff, ["C"], ["A", "B", "C"])).toEqual({ approved: ["A", "C"], names: ["A", "C"], approvedNow: ["C"], declined: ["B"] });
    // A checked name that is not among the added ones (a stale answer) approves nothing extra.
    expect(applyAnswer(diff, ["Z"], ["A", "B", "C"])).toEqual({ approved: ["A"], names: ["A"], approvedNow: [], declined: ["B", "C"] });
    // The unchecked names are asked about again next time.
    expect(planApproval(["A", "C"], ["A", "B", "C"])).toMatchObject({ ask: true, diff: { added: ["B"] } });
  });
});

describe("approval records", () => {
  it("keys approvals per (node, project) so one project's approval never covers another", () => {
    let all = withApproval({}, { node: "devbox", project: "app", names: ["GITHUB_TOKEN"], at });
    all = withApproval(all, { node: "devbox", project: "other", names: ["NPM_TOKEN"], at });
    all = withApproval(all, { node: "laptop-vm", project: "app", names: [], at });
    expect(sendableNames(all[approvalKey("devbox", "other")]?.names, ["GITHUB_TOKEN", "NPM_TOKEN"])).toEqual(["NPM_TOKEN"]);
    expect(sendableNames(all[approvalKey("laptop-vm", "app")]?.names, ["GITHUB_TOKEN"])).toEqual([]);
    expect(listApprovals(all).map((a) => `${a.node}/${a.project}`)).toEqual(["devbox/app", "devbox/other", "laptop-vm/app"]);
  });

  it("stores names sorted and once, with the approval time", () => {
    const all = withApproval({}, { node: "n", project: "p", names: ["B", "A", "B"], at });
    expect(all[approvalKey("n", "p")]).toEqual({ node: "n", project: "p", names: ["A", "B"], approvedAt: "2026-03-01T10:00:00.000Z" });
  });

  it("reads registered paths, dropping anything that is not a path", () => {
    expect(parseRegisteredPaths({ [approvalKey("n", "p")]: "/srv/p", [approvalKey("n", "q")]: 3, [approvalKey("n", "r")]: "" })).toEqual({ [approvalKey("n", "p")]: "/srv/p" });
    expect(parseRegisteredPaths("nope")).toEqual({});
  });

  it("revokes one project, or every project of a node", () => {
    let all = withApproval({}, { node: "n", project: "a", names: ["A"], at });
    all = withApproval(all, { node: "n", project: "b", names: ["A"], at });
    all = withApproval(all, { node: "m", project: "a", names: ["A"], at });
    expect(Object.keys(withoutApproval(all, "n", "a"))).toEqual([approvalKey("n", "b"), approvalKey("m", "a")]);
    expect(Object.keys(withoutApproval(all, "n"))).toEqual([approvalKey("m", "a")]);
  });

  it("drops malformed stored entries instead of trusting them", () => {
    const good = { node: "n", project: "p", names: ["A"], approvedAt: at.toISOString() };
    expect(parseApprovals({
      [approvalKey("n", "p")]: good,
      [approvalKey("n", "bad name")]: { ...good, project: "bad name" },
      [approvalKey("n", "q")]: { ...good, project: "q", names: ["A", "not-a-name"] },
      wrongkey: { ...good, project: "r" },
      [approvalKey("n", "s")]: "nope",
    })).toEqual({ [approvalKey("n", "p")]: good });
    expect(parseApprovals(undefined)).toEqual({});
    expect(parseApprovals([good])).toEqual({});
  });
});

describe("ApprovalStore (globalState adapter)", () => {
  it("approves, lists, records the registered path and revokes through the Memento", async () => {
    const m = memento();
    const store = new ApprovalStore(m);
    expect(store.get("n", "p")).toBeUndefined();
    await store.approve("n", "p", ["NPM_TOKEN", "GITHUB_TOKEN"], at);
    await store.recordRegistered("n", "p", "/srv/p");
    expect(new ApprovalStore(m).get("n", "p")).toEqual({ node: "n", project: "p", names: ["GITHUB_TOKEN", "NPM_TOKEN"], approvedAt: at.toISOString() });
    expect(new ApprovalStore(m).registeredPath("n", "p")).toBe("/srv/p");
    expect(store.registeredPath("n", "q")).toBeUndefined();
    expect(Object.keys(m.data).sort()).toEqual(["remo.approvals.v1", "remo.registeredPaths.v1"]);
    await store.approve("n", "q", [], at);
    expect(store.list().map((a) => a.project)).toEqual(["p", "q"]);
    expect(await store.revoke("n", "p")).toBe(1);
    expect(await store.revoke("n")).toBe(1);
    expect(store.list()).toEqual([]);
    // Revoking an approval does not forget where the project is registered on the node.
    expect(store.registeredPath("n", "p")).toBe("/srv/p");
  });
});
