import { compareCodeUnits, projectNamePattern, secretNamePattern } from "#protocol";
import { readOptionalFile, writeFileAtomic } from "../files/state-file.ts";

/** One registered project as persisted in <state-dir>/projects.json (wire field names). */
export interface ProjectRecord {
  name: string;
  project_path: string;
  /** The names the laptop approved (register/reload allowlist); the served list is this ∩ the manifest file. */
  approved_allowlist?: string[];
  peer_uids?: number[];
  /** `uid:gid` the socket belongs to: given at register, or the owner of project_path then. */
  socket_owner?: string;
}

/** The largest UID/GID a socket owner may have: 2^32−1 is (uid_t)-1, which chown() treats as "leave unchanged". */
export const maxOwnerId = 4294967294;

/** Parses `uid:gid`, each at most {@link maxOwnerId}; undefined when malformed. Pure. */
export function parseSocketOwner(s: string): { uid: number; gid: number } | undefined {
  const m = /^(\d{1,10}):(\d{1,10})$/.exec(s);
  if (m === null) return undefined;
  const uid = Number(m[1]);
  const gid = Number(m[2]);
  return uid <= maxOwnerId && gid <= maxOwnerId ? { uid, gid } : undefined;
}

interface RegistryFile {
  version: 1;
  projects: ProjectRecord[];
}

/** Validates one persisted entry; a damaged entry is skipped with a reason. Pure. */
export function checkProjectRecord(v: unknown): ProjectRecord | string {
  if (typeof v !== "object" || v === null) return "entry is not an object";
  const r = v as Record<string, unknown>;
  if (typeof r.name !== "string" || !projectNamePattern.test(r.name)) return "entry has no valid name";
  if (typeof r.project_path !== "string" || r.project_path === "") return `project ${r.name} has no project_path`;
  const out: ProjectRecord = { name: r.name, project_path: r.project_path };
  if (Array.isArray(r.approved_allowlist) && r.approved_allowlist.every((n) => typeof n === "string" && secretNamePattern.test(n))) {
    out.approved_allowlist = [...new Set(r.approved_allowlist as string[])];
  }
  if (Array.isArray(r.peer_uids) && r.peer_uids.every((u) => Number.isInteger(u) && (u as number) >= 0)) out.peer_uids = r.peer_uids as number[];
  if (typeof r.socket_owner === "string" && parseSocketOwner(r.socket_owner) !== undefined) out.socket_owner = r.socket_owner;
  return out;
}

/** Reads the registry; a missing file is an empty registry. Damaged entries are returned as warnings. */
export async function readRegistry(file: string): Promise<{ projects: ProjectRecord[]; warnings: string[] }> {
  const data = await readOptionalFile(file);
  if (data === undefined) return { projects: [], warnings: [] };
  const text = data.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { projects: [], warnings: [`${file} is not valid JSON; no projects were restored. Register them again with \`remo-broker admin register\`.`] };
  }
  const list = (parsed as Partial<RegistryFile> | null)?.projects;
  if (!Array.isArray(list)) return { projects: [], warnings: [`${file} has no "projects" list; no projects were restored.`] };
  const projects: ProjectRecord[] = [];
  const warnings: string[] = [];
  for (const entry of list) {
    const r = checkProjectRecord(entry);
    if (typeof r === "string") warnings.push(`${file}: ${r}; skipped`);
    else projects.push(r);
  }
  return { projects, warnings };
}

/** Writes the registry atomically (temp → fsync → rename), so a crash never loses every project. */
export async function writeRegistry(file: string, projects: readonly ProjectRecord[]): Promise<void> {
  const body: RegistryFile = { version: 1, projects: [...projects].sort((a, b) => compareCodeUnits(a.name, b.name)) };
  await writeFileAtomic(file, Buffer.from(JSON.stringify(body, null, 2) + "\n"), 0o600);
}
