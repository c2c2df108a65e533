import { checkAdminRequest, errorResponse, isRemoError, maxMessageBytes, type AdminRequest, type AuditQuery, type AuditRecord, type StatusResponse } from "#protocol";

/** The broker operations behind the admin socket (implemented by the daemon, faked in unit tests). */
export interface AdminBackend {
  /** `req.allowlist` is the laptop-approved list; absent means "approve what the manifest file says now". */
  register(req: Extract<AdminRequest, { op: "register" }>): Promise<{ socket_path: string; allowlist: string[] }>;
  unregister(name: string): Promise<void>;
  /** `approved` replaces the stored approved list; absent approves what the manifest file says now. */
  reload(name: string, approved: readonly string[] | undefined): Promise<{ allowlist: string[] }>;
  status(): StatusResponse;
  recipient(): Promise<string>;
  /** Decrypts, checks, stores and swaps in a bundle; throws RemoError and changes nothing on failure. */
  pushCreds(ciphertext: Uint8Array, project: string | undefined): Promise<{ loaded_at: string; secret_count: number }>;
  clearCreds(project: string | undefined): Promise<void>;
  readAudit(query: AuditQuery): Promise<AuditRecord[]>;
  /** Records a request that failed validation. */
  protocolError(detail: string): void;
}

/** Records returned by `audit` when no limit is given. */
export const defaultAuditLimit = 100;

/** Answers one decoded admin request. RemoErrors become their wire error; anything else internal_error. */
export async function answerAdminRequest(message: Record<string, unknown>, backend: AdminBackend): Promise<object> {
  const checked = checkAdminRequest(message);
  if (!checked.ok) {
    backend.protocolError(checked.message);
    return errorResponse("protocol_error", `${checked.message}.`);
  }
  try {
    return await dispatch(checked.request, backend);
  } catch (e) {
    if (isRemoError(e)) return errorResponse(e.code, e.message, e.retryAfterSeconds);
    throw e;
  }
}

async function dispatch(req: AdminRequest, backend: AdminBackend): Promise<object> {
  switch (req.op) {
    case "register":
      return { ok: true, ...(await backend.register(req)) };
    case "unregister":
      await backend.unregister(req.name);
      return { ok: true };
    case "reload":
      return { ok: true, ...(await backend.reload(req.name, req.allowlist)) };
    case "status":
      return backend.status();
    case "get-public-key":
      return { ok: true, recipient: await backend.recipient() };
    case "push-creds":
      return { ok: true, ...(await backend.pushCreds(Buffer.from(req.ciphertext_b64, "base64"), req.project)) };
    case "clear-creds":
      await backend.clearCreds(req.project);
      return { ok: true };
    case "audit": {
      const query: AuditQuery = { limit: req.limit ?? defaultAuditLimit };
      if (req.since !== undefined) query.since = req.since;
      if (req.project !== undefined) query.project = req.project;
      return { ok: true, records: fitRecords(await backend.readAudit(query)) };
    }
  }
}

/** Keeps the newest records whose reply fits one 64 KiB line (oldest dropped first). Pure. */
export function fitRecords(records: readonly AuditRecord[], budget = maxMessageBytes - 64): AuditRecord[] {
  let size = 0;
  let from = records.length;
  while (from > 0) {
    const next = records[from - 1];
    const bytes = Buffer.byteLength(JSON.stringify(next)) + 1;
    if (size + bytes > budget) break;
    size += bytes;
    from--;
  }
  return records.slice(from);
}
