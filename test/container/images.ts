import { hostRelease, ensureDebianRoot } from "../feature/debian-root.ts";
import { importRootfs } from "../helpers/podman.ts";

/** The host's Debian release: the images run the host's node binary, so they share its libc. */
const release = hostRelease() ?? "bookworm";

/**
 * The Debian base image with no Node (minbase + git + ca-certificates), from the cached
 * debootstrap root. Built once per machine; `podman import` is atomic (see importRootfs).
 */
export function ensureBaseImage(): Promise<string> {
  return importRootfs(`localhost/remo-test-debian:${release}-minbase-1`, ensureDebianRoot(), { changes: ["CMD [\"/bin/bash\"]"] });
}

/**
 * The same base with the host's Node at /usr/local/bin/node (where Node images keep it), so
 * the feature needs no network. The tag carries the Node version so an upgrade rebuilds it.
 */
export function ensureNodeImage(): Promise<string> {
  return importRootfs(`localhost/remo-test-debian-node:${release}-node${process.versions.node}-1`, ensureDebianRoot(), {
    files: { [process.execPath]: "/usr/local/bin/node" },
    changes: ["CMD [\"/bin/bash\"]"],
  });
}

/** What a systemd node needs beyond minbase: an init that boots in a container, D-Bus, sshd, sudo. */
const systemdPackages = ["systemd", "systemd-sysv", "dbus", "openssh-server", "sudo", "procps"];

/**
 * A Debian node with systemd as PID 1 (boot it with `podman run --systemd=always IMAGE /sbin/init`)
 * and the host's Node at /usr/local/bin/node. Its debootstrap root is cached like the base one.
 */
export function ensureSystemdImage(): Promise<string> {
  return importRootfs(`localhost/remo-test-systemd-node:${release}-node${process.versions.node}-1`, ensureDebianRoot(systemdPackages), {
    files: { [process.execPath]: "/usr/local/bin/node" },
    changes: ["CMD [\"/sbin/init\"]", "STOPSIGNAL SIGRTMIN+3"],
  });
}
