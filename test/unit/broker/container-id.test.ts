import { describe, expect, it } from "vitest";
import { ContainerLookup, parseContainerCgroup, parseContainerName, type ContainerLookupDeps } from "../../../broker/src/connections/container-id.ts";

const id = "b218fad749b07687a8a9f78d62413fcfa3d1407afed94708368d391f9d110c9d";
const other = "4f1c0c3a9d5e6b7a8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d";

// Real /proc/<pid>/cgroup texts: the first as root podman (cgroupfs, hybrid hierarchy) writes
// it on the test machine; the others in the forms podman, docker, containerd and CRI-O use
// under systemd and cgroup v2.
const podmanCgroupfsHybrid = [
  "49:hugetlb:/",
  "48:net_cls,net_prio:/",
  `9:name=systemd:/libpod_parent/libpod-${id}`,
  `8:pids:/libpod_parent/libpod-${id}`,
  `4:memory:/libpod_parent/libpod-${id}`,
  `0::/libpod_parent/libpod-${id}`,
  "",
].join("\n");

describe("parseContainerCgroup", () => {
  it("finds podman's id in cgroup v1 (cgroupfs) and v2 (systemd scope, with the inner container cgroup)", () => {
    expect(parseContainerCgroup(podmanCgroupfsHybrid)).toEqual({ id, engine: "podman" });
    expect(parseContainerCgroup(`0::/machine.slice/libpod-${id}.scope/container\n`)).toEqual({ id, engine: "podman" });
    expect(parseContainerCgroup(`1:name=systemd:/machine.slice/libpod-${id}.scope\n`)).toEqual({ id, engine: "podman" });
  });

  it("finds docker's id in the cgroupfs and systemd layouts", () => {
    expect(parseContainerCgroup(`12:memory:/docker/${id}\n11:cpu,cpuacct:/docker/${id}\n`)).toEqual({ id, engine: "docker" });
    expect(parseContainerCgroup(`0::/system.slice/docker-${id}.scope\n`)).toEqual({ id, engine: "docker" });
  });

  it("finds Kubernetes runtimes' ids, and a bare id directory without naming an engine", () => {
    expect(parseContainerCgroup(`0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-${id}.scope\n`)).toEqual({ id, engine: "containerd" });
    expect(parseContainerCgroup(`0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podabc.slice/crio-${id}.scope\n`)).toEqual({ id, engine: "cri-o" });
    expect(parseContainerCgroup(`4:memory:/kubepods/burstable/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/${id}\n`)).toEqual({ id });
  });

  it("is undefined for host processes, the engine's monitor, and near-misses", () => {
    for (const text of [
      "0::/user.slice/user-1000.slice/session-2.scope\n",
      "0::/\n",
      "12:memory:/\n1:name=systemd:/init.scope\n",
      `0::/machine.slice/libpod-conmon-${id}.scope\n`,
      `0::/system.slice/docker-${id.slice(0, 63)}.scope\n`,
      `0::/system.slice/docker-${id.toUpperCase()}.scope\n`,
      "",
    ]) {
      expect(parseContainerCgroup(text), text).toBeUndefined();
    }
  });
});

describe("parseContainerName", () => {
  it("reads podman's containers.json and docker's config.v2.json, and nothing from bad state", () => {
    const podmanState = JSON.stringify([{ id: other, names: ["db"] }, { id, names: ["zen_curran"], image: "x" }]);
    expect(parseContainerName("podman", id, podmanState)).toBe("zen_curran");
    expect(parseContainerName("podman", "0".repeat(64), podmanState)).toBeUndefined();
    expect(parseContainerName("docker", id, JSON.stringify({ ID: id, Name: "/web-1" }))).toBe("web-1");
    expect(parseContainerName("podman", id, "{not json")).toBeUndefined();
    expect(parseContainerName("containerd", id, podmanState)).toBeUndefined();
  });
});

describe("ContainerLookup", () => {
  function fake(procs: Record<number, string>, state: Record<string, string>): { deps: ContainerLookupDeps; reads: string[]; clock: { t: number }; settle: () => Promise<void> } {
    const reads: string[] = [];
    const clock = { t: 0 };
    const pending: Promise<unknown>[] = [];
    const deps: ContainerLookupDeps = {
      readProcFile: (p) => procs[Number(/^\/proc\/(\d+)\/cgroup$/.exec(p)?.[1])],
      readStateFile: (p) => {
        reads.push(p);
        const r = Promise.resolve(state[p]);
        pending.push(r);
        return r;
      },
      now: () => clock.t,
    };
    return { deps, reads, clock, settle: async () => { await Promise.all(pending); await new Promise((r) => setTimeout(r, 0)); } };
  }
  const podmanState = "/var/lib/containers/storage/overlay-containers/containers.json";

  it("names the container once the engine's state was read, reading it once per container", async () => {
    const f = fake({ 10: podmanCgroupfsHybrid, 11: podmanCgroupfsHybrid, 12: "0::/user.slice\n" }, { [podmanState]: JSON.stringify([{ id, names: ["zen_curran"] }]) });
    const lookup = new ContainerLookup(f.deps);
    expect(lookup.forPid(10)).toEqual({ id, engine: "podman" });
    await f.settle();
    expect(lookup.forPid(11)).toEqual({ id, engine: "podman", name: "zen_curran" });
    expect(lookup.forPid(10)).toEqual({ id, engine: "podman", name: "zen_curran" });
    expect(lookup.forPid(12)).toBeUndefined();
    expect(lookup.forPid(99)).toBeUndefined();
    expect(f.reads).toEqual([podmanState]);
  });

  it("retries an unreadable state file only after a while", async () => {
    const f = fake({ 10: podmanCgroupfsHybrid }, {});
    const lookup = new ContainerLookup(f.deps);
    lookup.forPid(10);
    await f.settle();
    f.clock.t = 5_000;
    expect(lookup.forPid(10)).toEqual({ id, engine: "podman" });
    expect(f.reads).toHaveLength(1);
    f.clock.t = 20_000;
    lookup.forPid(10);
    expect(f.reads).toHaveLength(2);
  });
});
