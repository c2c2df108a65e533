import { describe, expect, it } from "vitest";
import { fileSystemOf, mountPointOf, parseMountPoints } from "../../../broker/src/manifest/file-systems.ts";

// Lines as the kernel writes them: id, parent, major:minor, root, mount point, options, optional fields, -, type, source, super options.
const mountinfo = [
  "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
  "25 22 0:23 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw",
  "40 22 0:35 / /srv rw,relatime shared:20 - nfs4 nas:/export rw",
  "41 40 0:36 / /srv/projects/deep rw,relatime shared:21 - fuse.sshfs host:/p rw",
  "42 22 0:37 / /mnt/with\\040space rw,relatime shared:22 - tmpfs tmpfs rw",
  "",
].join("\n");

describe("parseMountPoints", () => {
  it("takes the fifth field of each line and unescapes the kernel's octal escapes", () => {
    expect(parseMountPoints(mountinfo)).toEqual(["/", "/proc", "/srv", "/srv/projects/deep", "/mnt/with space"]);
  });

  it("skips lines that are not mountinfo lines", () => {
    expect(parseMountPoints("garbage\n\n1 2 3\n")).toEqual([]);
  });
});

describe("mountPointOf", () => {
  const points = parseMountPoints(mountinfo);

  it("is the longest mount point that holds the path", () => {
    expect(mountPointOf("/srv/projects/deep/app", points)).toBe("/srv/projects/deep");
    expect(mountPointOf("/srv/projects/other", points)).toBe("/srv");
    expect(mountPointOf("/srv", points)).toBe("/srv");
    expect(mountPointOf("/home/u/app", points)).toBe("/");
    expect(mountPointOf("/mnt/with space/app", points)).toBe("/mnt/with space");
  });

  it("matches whole components, so /srv does not hold /srv2", () => {
    expect(mountPointOf("/srv2/app", points)).toBe("/");
    expect(mountPointOf("/srv/projects/deeper", points)).toBe("/srv");
  });

  it("is / when the table is empty", () => {
    expect(mountPointOf("/srv/app", [])).toBe("/");
  });
});

describe("fileSystemOf", () => {
  it("reads the mount table it is given", () => {
    expect(fileSystemOf("/srv/projects/deep/x", () => mountinfo)).toBe("/srv/projects/deep");
  });

  it("is / when the mount table cannot be read", () => {
    expect(fileSystemOf("/srv/x", () => { throw new Error("EACCES"); })).toBe("/");
  });

  it("finds this process's own root in the real /proc/self/mountinfo", () => {
    expect(fileSystemOf("/proc/self")).toBe("/proc");
  });
});
