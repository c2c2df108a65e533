import { describe, expect, it } from "vitest";
import { RemoError } from "#protocol";
import { viewError } from "../../../extension/src/ui/error-view.ts";
import { Cancelled, CommandError } from "../../../extension/src/ui/command-error.ts";
import { NodeError } from "../../../extension/src/node/errors.ts";
import { SecretSourceError } from "../../../extension/src/secrets/secret-sources.ts";

describe("viewError", () => {
  it("shows a changed host key as a modal that explains how to verify, with Re-pin for that node", () => {
    const message = "The host key of devbox changed: it presented SHA256:new, but SHA256:old is pinned. Verify it (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and run \"Remo: Re-pin Node\".";
    expect(viewError(new NodeError("host_key_changed", message), "devbox")).toEqual({
      message: "The SSH host key of devbox changed. Nothing was sent.", modal: true, detail: message, actions: [{ title: "Re-pin…", command: "remo.repinNode", args: ["devbox"] }],
    });
  });

  it("shows a changed recipient the same way", () => {
    const v = viewError(new NodeError("recipient_changed", "Recipient changed; check remo-broker admin get-public-key."), "devbox");
    expect(v).toMatchObject({ message: "The broker's age recipient on devbox changed. Nothing was sent.", modal: true, detail: "Recipient changed; check remo-broker admin get-public-key." });
  });

  it("offers Install Broker when the broker is missing", () => {
    expect(viewError(new NodeError("broker_missing", "remo-broker is not installed on devbox."), "devbox")?.actions[0]).toEqual({ title: "Install Broker on Node…", command: "remo.installBrokerOnNode", args: ["devbox"] });
  });

  it("keeps the node client's message for transport failures and offers the log", () => {
    for (const code of ["ssh_unreachable", "sudo_required", "broker_error", "timeout", "project_conflict"] as const) {
      expect(viewError(new NodeError(code, `m-${code}`))).toEqual({ message: `m-${code}`, modal: false, actions: [{ title: "Show Log", command: "remo.showLog" }] });
    }
  });

  it("maps command errors to the command that fixes them", () => {
    expect(viewError(new CommandError("no_manifest", "none"))?.actions).toEqual([{ title: "Create Manifest", command: "remo.createManifest" }]);
    expect(viewError(new CommandError("untrusted", "trust"))?.actions[0]?.command).toBe("workbench.trust.manage");
    expect(viewError(new CommandError("missing_values", "m", { names: ["A", "B", "C"] }))?.actions).toEqual([
      { title: "Set A…", command: "remo.setSecret", args: ["A"] },
      { title: "Set B…", command: "remo.setSecret", args: ["B"] },
    ]);
  });

  it("sends secret-source failures to the user settings, and stays quiet on cancel", () => {
    expect(viewError(new SecretSourceError("env_unset", "x"))?.actions[0]).toEqual({ title: "Open User Settings", command: "workbench.action.openSettings", args: ["remo.secretSources"] });
    expect(viewError(new Cancelled())).toBeUndefined();
  });

  it("shows RemoError and unknown errors with their message", () => {
    expect(viewError(new RemoError("internal_error", "broker said no"))?.message).toBe("broker said no");
    expect(viewError(new Error("boom"))?.message).toBe("Remo: boom");
  });
});
