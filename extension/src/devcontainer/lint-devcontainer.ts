// Diagnostics for devcontainer.json: literal secrets in containerEnv/remoteEnv, missing or wrong broker mount. Pure.
import { findNodeAtLocation, getNodeValue, type Node } from "jsonc-parser";
import { projectNamePattern } from "#protocol";
import { brokerMountString, brokerSocketSource, classifyMount, containerMountTarget, parseMount, targetsBroker } from "./broker-mount.ts";
import { parseJsonc } from "./jsonc-edit.ts";
import { isReferenceOrPlaceholder, secretishName, tokenKind } from "./token-patterns.ts";

/** Stable codes of devcontainer.json diagnostics (quick fixes key on these). */
export const DevcontainerDiagnosticCode = {
  literalSecret: "devcontainer.literal-secret",
  possibleSecret: "devcontainer.possible-secret",
  missingBrokerMount: "devcontainer.missing-broker-mount",
  wrongBrokerMount: "devcontainer.wrong-broker-mount",
} as const;

/** One finding, located by UTF-16 offset and length in the text. */
export interface DevcontainerDiagnostic { code: string; message: string; offset: number; length: number; severity: "error" | "warning" }

/**
 * Lints a devcontainer.json. Token-shaped literals in containerEnv, remoteEnv, build.args
 * and runArgs `-e NAME=value` are errors;
 * literals under credential-like names are warnings. With `projectName` (from the
 * manifest) a missing, old-style or wrong broker mount is reported too (compose-based
 * configs included: the devcontainer CLI applies `mounts` to the compose service). Never
 * quotes a value.
 */
export function lintDevcontainer(text: string, opts: { projectName?: string }): DevcontainerDiagnostic[] {
  const { root } = parseJsonc(text);
  if (root?.type !== "object") return [];
  return [...lintEnv(root, ["containerEnv"]), ...lintEnv(root, ["remoteEnv"]), ...lintEnv(root, ["build", "args"]), ...lintRunArgs(root), ...lintMount(root, opts.projectName)];
}

/** One literal NAME=value (or NAME: value) found in the file, with the value's location. */
interface Literal { where: string; name: string; value: string; offset: number; length: number }

function check(lit: Literal): DevcontainerDiagnostic | undefined {
  const at = { offset: lit.offset, length: lit.length };
  const kind = tokenKind(lit.value);
  const fix = `Remove the value, add "${lit.name}" to the manifest's allowlist, and read it in the container with \`remo-secrets get ${lit.name}\` or \`remo-secrets exec -- …\`. Then revoke the token: it is in the repository's history.`;
  if (kind !== undefined) return { code: DevcontainerDiagnosticCode.literalSecret, severity: "error", ...at, message: `${lit.where} holds a literal ${kind}. ${fix}` };
  if (secretishName.test(lit.name) && !isReferenceOrPlaceholder(lit.value)) {
    return { code: DevcontainerDiagnosticCode.possibleSecret, severity: "warning", ...at, message: `${lit.where} looks like a credential written into the file. ${fix}` };
  }
  return undefined;
}

/** `runArgs` entries `-e NAME=value`, `--env NAME=value` and `--env=NAME=value` (docker run flags). */
function lintRunArgs(root: Node): DevcontainerDiagnostic[] {
  const args = findNodeAtLocation(root, ["runArgs"]);
  if (args?.type !== "array") return [];
  const items = args.children ?? [];
  const out: DevcontainerDiagnostic[] = [];
  items.forEach((item, i) => {
    if (item.type !== "string") return;
    const text = String(item.value);
    const prev = items[i - 1];
    const flagBefore = prev?.type === "string" && /^(-e|--env)$/.test(String(prev.value));
    const m = flagBefore ? /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(text) : /^(?:-e|--env)=?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(text);
    if (m?.[1] === undefined || m[2] === undefined) return;
    const d = check({ where: `runArgs[${i}] (${m[1]})`, name: m[1], value: m[2], offset: item.offset, length: item.length });
    if (d !== undefined) out.push(d);
  });
  return out;
}

function lintEnv(root: Node, path: string[]): DevcontainerDiagnostic[] {
  const env = findNodeAtLocation(root, path);
  if (env?.type !== "object") return [];
  const out: DevcontainerDiagnostic[] = [];
  for (const prop of env.children ?? []) {
    const [nameNode, valueNode] = prop.children ?? [];
    if (nameNode === undefined || valueNode?.type !== "string") continue;
    const name = String(nameNode.value);
    const d = check({ where: `${path.join(".")}.${name}`, name, value: String(valueNode.value), offset: valueNode.offset, length: valueNode.length });
    if (d !== undefined) out.push(d);
  }
  return out;
}

function lintMount(root: Node, projectName: string | undefined): DevcontainerDiagnostic[] {
  const mounts = findNodeAtLocation(root, ["mounts"]);
  const items = mounts?.type === "array" ? mounts.children ?? [] : [];
  const out: DevcontainerDiagnostic[] = [];
  const known = projectName !== undefined && projectNamePattern.test(projectName);
  const use = known ? ` Use "${brokerMountString(projectName)}".` : "";
  let found = false;
  for (const item of items) {
    const spec = parseMount(getNodeValue(item));
    if (spec === undefined || !targetsBroker(spec)) continue;
    found = true;
    const at = { offset: item.offset, length: item.length };
    const match = known ? classifyMount(spec, projectName) : "other";
    if (spec.type !== undefined && spec.type !== "bind") {
      out.push({ code: DevcontainerDiagnosticCode.wrongBrokerMount, severity: "error", ...at, message: `The broker socket directory must be a bind mount (type=bind), not type=${spec.type}.${use}` });
    } else if (match === "legacy") {
      out.push({ code: DevcontainerDiagnosticCode.wrongBrokerMount, severity: "warning", ...at, message: `This mounts the socket file, which a running container loses when the broker restarts. Mount the project's socket directory instead: run "Remo: Synthesize devcontainer.json", or${use.replace(" Use", " use")}` });
    } else if (match === "conflict") {
      out.push({ code: DevcontainerDiagnosticCode.wrongBrokerMount, severity: "error", ...at, message: `This mounts ${spec.source ?? "no source"} at ${spec.target ?? containerMountTarget}, but project "${projectName ?? ""}" has its socket directory at ${brokerSocketSource(projectName ?? "")}.${use}` });
    }
  }
  if (!found && known) {
    const anchor = mounts?.parent?.children?.[0] ?? root;
    const at = anchor === root ? { offset: root.offset, length: 1 } : { offset: anchor.offset, length: anchor.length };
    out.push({ code: DevcontainerDiagnosticCode.missingBrokerMount, severity: "warning", ...at, message: `No mount brings the broker socket into the container, so remo-secrets cannot fetch "${projectName}" secrets. Run "Remo: Synthesize devcontainer.json" or add "${brokerMountString(projectName)}" to "mounts".` });
  }
  return out;
}
