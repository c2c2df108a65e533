// Installs the broker on a node: the packaged files go up over SFTP into a private staging
// folder, its install script runs with sudo, and the folder is removed whatever happened.
import type { Client } from "ssh2";
import { quoteShell } from "#protocol";
import { NodeError } from "./errors.ts";
import { runCommand } from "./exec.ts";
import type { NodeTarget } from "./node-target.ts";
import { brokerCommandLine, classifyFailure } from "./remote-command.ts";

/** One file to upload: a plain name inside the staging folder, its bytes and mode. */
export interface InstallFile { path: string; content: Uint8Array; mode: number }

/** The install script may take minutes, so it gets far longer than an admin command. */
const installTimeoutMs = 10 * 60_000;

/**
 * Uploads files into `remoteDir` over SFTP and runs its install script with sudo;
 * returns the installer's output. The staging folder is removed afterwards. The script
 * gets REMO_DIST=<remoteDir> (the broker sits next to it), plus `env` (e.g. REMO_ROOT).
 * @throws NodeError broker_error (no script, bad env name, installer failed), sudo_required, ssh_unreachable
 */
export async function installBroker(client: Client, target: NodeTarget, laptopEnv: Record<string, string | undefined>, files: InstallFile[], remoteDir: string, opts: { env?: Record<string, string> } = {}): Promise<string> {
  const script = ["install-node.sh", "install.sh"].find((n) => files.some((f) => f.path === n)) ?? files.find((f) => f.path.endsWith(".sh"))?.path;
  if (script === undefined) throw new NodeError("broker_error", "The broker files include no install script (install-node.sh). Rebuild the extension package.");
  await upload(client, target.name, files, remoteDir);
  const env = { ...opts.env, REMO_DIST: remoteDir };
  const bad = Object.keys(env).find((k) => !/^[A-Z_][A-Z0-9_]*$/.test(k));
  if (bad !== undefined) throw new NodeError("broker_error", `"${bad}" is not an environment variable name.`);
  // `env` runs under sudo, which would otherwise drop the variables.
  const sudo = brokerCommandLine({ ...target, brokerCommand: "env" }, laptopEnv, [...Object.entries(env).map(([k, v]) => `${k}=${v}`), "sh", `${remoteDir}/${script}`]);
  const dir = quoteShell(remoteDir);
  const result = await runCommand(client, target.name, `cd ${dir} && ${sudo}; rc=$?; rm -rf ${dir}; exit $rc`, installTimeoutMs);
  const log = `${result.stdout}${result.stderr}`;
  const failure = classifyFailure({ ...result, stderr: result.stderr.replace(/remo-broker/g, "") }, target.name);
  if (failure?.code === "sudo_required") throw failure;
  if (result.code !== 0) throw new NodeError("broker_error", `The broker installer failed on ${target.name} (exit ${String(result.code)}). Its output:\n${log.trim().slice(-2000)}`);
  return log;
}

function upload(client: Client, nodeName: string, files: InstallFile[], remoteDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.sftp((err, sftp) => {
      if (err) {
        reject(new NodeError("ssh_unreachable", `SFTP is not available on ${nodeName}: ${err.message}. Enable the sftp subsystem in sshd_config.`, { cause: err }));
        return;
      }
      const failed = (what: string) => (e: Error) => {
        sftp.end();
        reject(new NodeError("broker_error", `Uploading ${what} to ${nodeName} failed: ${e.message}`, { cause: e }));
      };
      sftp.mkdir(remoteDir, { mode: 0o700 }, (mkErr) => {
        if (mkErr) {
          failed(remoteDir)(mkErr);
          return;
        }
        const next = (i: number): void => {
          const f = files[i];
          if (f === undefined) {
            sftp.end();
            resolve();
            return;
          }
          if (f.path.includes("/") || f.path.startsWith(".")) {
            failed(f.path)(new Error("file names must be plain names"));
            return;
          }
          sftp.writeFile(`${remoteDir}/${f.path}`, Buffer.from(f.content), { mode: f.mode }, (wErr) => {
            if (wErr) failed(f.path)(wErr);
            else next(i + 1);
          });
        };
        next(0);
      });
    });
  });
}
