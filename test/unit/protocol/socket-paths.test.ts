import { describe, expect, it } from "vitest";
import { adminSocketPath, projectSocketDir, projectSocketPath } from "#protocol";

describe("socket paths", () => {
  it("puts each project's socket in its own directory, apart from admin.sock", () => {
    expect(projectSocketDir("/run/remo-broker/", "myrepo")).toBe("/run/remo-broker/projects/myrepo");
    expect(projectSocketPath("/run/remo-broker", "myrepo")).toBe("/run/remo-broker/projects/myrepo/sock");
    // A project named "admin" can no longer land on the admin socket.
    expect(projectSocketPath("/run/remo-broker", "admin")).not.toBe(adminSocketPath("/run/remo-broker"));
    expect(adminSocketPath("/run/remo-broker//")).toBe("/run/remo-broker/admin.sock");
  });
});
