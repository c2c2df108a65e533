// Diagnostics for devcontainer.json: literal secrets in containerEnv/remoteEnv, missing or wrong broker mount. Pure.
import { findNodeAtLocation, getNodeValue, type Node } from "jsonc-parser";
import { CONTAINER_SOCKET_PATH, projectNamePattern } from "#protocol";
import { brokerMountString, brokerSocketSource, classifyMount, parseMount, samePath } from "./broker-mount.ts";
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
 * Lints a devcontainer.json. Token-shaped literals in containerEnv/remoteEnv are errors;
 * literals under credential-like names are warnings. With `projectName` (from the
 * manifest) a missing or wrong broker mount is reported too; compose-based configs are
 * skipped for mounts because the mount lives in the compose file. Never quotes a value.
 */
export function lintDevcontainer(text: string, opts: { projectName?: string }): DevcontainerDiagnostic[] {
  const { root } = parseJsonc(text);
  if (root?.type !== "object") return [];
  return [...lintEnv(root, "containerEnv"), ...lintEnv(root, "remoteEnv"), ...lintMount(root, opts.projectName)];
}

function lintEnv(root: Node, key: "containerEnv" | "remoteEnv"): DevcontainerDiagnostic[] {
  const env = findNodeAtLocation(root, [key]);
  if (env?.type !== "object") return [];
  const out: DevcontainerDiagnostic[] = [];
  for (const prop of env.children ?? []) {
    const [nameNode, valueNode] = prop.children ?? [];
    if (nameNode === undefined || valueNode?.type !== "string") continue;
    const name = String(nameNode.value);
    const value = String(valueNode.value);
    const at = { offset: valueNode.offset, length: valueNode.length };
    const kind = tokenKind(value);
    const fix = `Remove the value, add "${name}" to the manifest's allowlist, and read it in the container with \`remo-secrets get ${name}\` or \`remo-secrets exec -- …\`. Then revoke the token: it is in the repository's history.`;
    if (kind !== undefined) {
      out.push({ code: DevcontainerDiagnosticCode.literalSecret, severity: "error", ...at, message: `${key}.${name} holds a literal ${kind}. ${fix}` });
    } else if (secretishName.test(name) && !isReferenceOrPlaceholder(value)) {
      out.push({ code: DevcontainerDiagnosticCode.possibleSecret, severity: "warning", ...at, message: `${key}.${name} looks like a credential written into the file. ${fix}` });
    }
  }
  return out;
}

function lintMount(root: Node, projectName: string | undefined): DevcontainerDiagnostic[] {
  const config = getNodeValue(root) as Record<string, unknown>;
  if (config.dockerComposeFile !== undefined) return [];
  const mounts = findNodeAtLocation(root, ["mounts"]);
  const items = mounts?.type === "array" ? mounts.children ?? [] : [];
  const out: DevcontainerDiagnostic[] = [];
  let found = false;
  for (const item of items) {
    const spec = parseMount(getNodeValue(item));
    if (spec === undefined || !samePath(spec.target, CONTAINER_SOCKET_PATH)) continue;
    found = true;
    const at = { offset: item.offset, length: item.length };
    if (spec.type !== undefined && spec.type !== "bind") {
      out.push({ code: DevcontainerDiagnosticCode.wrongBrokerMount, severity: "error", ...at, message: `The broker socket must be a bind mount (type=bind), not type=${spec.type}.${projectName === undefined ? "" : ` Use "${brokerMountString(projectName)}".`}` });
    } else if (projectName !== undefined && projectNamePattern.test(projectName) && classifyMount(spec, projectName) === "conflict") {
      out.push({ code: DevcontainerDiagnosticCode.wrongBrokerMount, severity: "error", ...at, message: `This mounts ${spec.source ?? "no source"} at ${CONTAINER_SOCKET_PATH}, but project "${projectName}" has its socket at ${brokerSocketSource(projectName)}. Use "${brokerMountString(projectName)}".` });
    }
  }
  if (!found && projectName !== undefined && projectNamePattern.test(projectName)) {
    const anchor = mounts?.parent?.children?.[0] ?? root;
    const at = anchor === root ? { offset: root.offset, length: 1 } : { offset: anchor.offset, length: anchor.length };
    out.push({ code: DevcontainerDiagnosticCode.missingBrokerMount, severity: "warning", ...at, message: `No mount brings the broker socket into the container, so remo-secrets cannot fetch "${projectName}" secrets. Run "Remo: Synthesize devcontainer.json" or add "${brokerMountString(projectName)}" to "mounts".` });
  }
  return out;
}
