// Where the Synthesize command can ask the container engine about an image. Pure: facts about the
// window in, a route out. The engine that matters is the node's, where devcontainer up runs.

/** What the command knows about its window. */
export interface WindowFacts {
  /** vscode.env.remoteName: "ssh-remote", "dev-container", … or undefined in a local window. */
  remoteName: string | undefined;
  /** True when this extension host runs on the remote side (ExtensionKind.Workspace). */
  extensionHostIsRemote: boolean;
  /** The workspace's node, when one is configured: its name for messages. */
  nodeName: string | undefined;
}

/** How to look an image up: here (this machine is the node), over SSH to the node, or not at all. */
export type ImageLookupRoute = { via: "here" } | { via: "ssh"; nodeName: string } | { via: "none"; reason: string };

/** Picks the route for a window (see {@link WindowFacts}). */
export function imageLookupRoute(w: WindowFacts): ImageLookupRoute {
  // A Remote-SSH window whose extension host runs on the node: its engine is local.
  if (w.remoteName === "ssh-remote" && w.extensionHostIsRemote) return { via: "here" };
  if (w.nodeName !== undefined) return { via: "ssh", nodeName: w.nodeName };
  return { via: "none", reason: "this workspace has no node, so there is no engine to ask (add one with \"Remo: Add Node…\")" };
}
