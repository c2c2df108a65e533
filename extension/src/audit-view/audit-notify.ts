// Notifications from audit records the extension already has (the audit view's refresh and live
// tail): no polling of its own. Off with `remo.audit.notifications`.
import * as vscode from "vscode";
import type { AuditRecord } from "#protocol";
import { getLog } from "../log.ts";
import { AuditAlertPolicy, alertMessage, type AuditAlert } from "./audit-alerts.ts";

const policies = new Map<string, AuditAlertPolicy>();

/** True unless the user turned audit notifications off. */
export function auditNotificationsEnabled(): boolean {
  return vscode.workspace.getConfiguration("remo").get<boolean>("audit.notifications", true);
}

/**
 * Feeds records of `node` to the policy of (node, project) and shows what it says is due.
 * Returns the alerts (shown or, with notifications off, only logged) for the caller and tests.
 */
export function notifyAuditAlerts(records: readonly AuditRecord[], node: string, project: string | undefined): AuditAlert[] {
  const key = `${node}\u0000${project ?? ""}`;
  let policy = policies.get(key);
  if (policy === undefined) {
    policy = new AuditAlertPolicy({ ...(project === undefined ? {} : { project }), now: () => Date.now() });
    policies.set(key, policy);
  }
  const alerts = policy.observe(records);
  const enabled = auditNotificationsEnabled();
  for (const a of alerts) {
    const message = alertMessage(a, project, node);
    getLog().warn(message);
    if (!enabled) continue;
    void vscode.window.showWarningMessage(message, "Show Audit", "Turn Off").then(async (pick) => {
      if (pick === "Show Audit") await vscode.commands.executeCommand("remo.showAudit");
      if (pick === "Turn Off") await vscode.workspace.getConfiguration("remo").update("audit.notifications", false, vscode.ConfigurationTarget.Global);
    });
  }
  return alerts;
}
