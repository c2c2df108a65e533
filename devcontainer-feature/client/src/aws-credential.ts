import { callBroker, type CallOptions } from "./broker-calls.ts";
import { clientError } from "./exit-codes.ts";
import { writeJson, type Io } from "./io.ts";
import { decodeValue } from "./secrets.ts";

/** The secret names that hold one profile's keys: AWS_… for the default, AWS_<PROFILE>_… for a named one. */
export function awsSecretNames(profile: string | undefined): { accessKeyId: string; secretAccessKey: string; sessionToken: string } {
  const p = profile === undefined || profile === "" ? "" : `${profile.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_`;
  return { accessKeyId: `AWS_${p}ACCESS_KEY_ID`, secretAccessKey: `AWS_${p}SECRET_ACCESS_KEY`, sessionToken: `AWS_${p}SESSION_TOKEN` };
}

/** The credential_process output (Version 1); SessionToken only when there is one. */
export function awsCredentialJson(keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Record<string, unknown> {
  return {
    Version: 1,
    AccessKeyId: keys.accessKeyId,
    SecretAccessKey: keys.secretAccessKey,
    ...(keys.sessionToken === undefined ? {} : { SessionToken: keys.sessionToken }),
  };
}

/**
 * `aws-credential-process [--profile P]`: for `credential_process = remo-secrets
 * aws-credential-process --profile P` in ~/.aws/config. The key id and secret key must be
 * there; the session token is optional (long-lived keys have none).
 */
export async function runAwsCredentialProcess(call: CallOptions, io: Io, profile: string | undefined): Promise<number> {
  if (profile?.startsWith("-") === true) throw clientError("usage", { detail: `"${profile.slice(0, 40)}" is not a profile name` });
  const names = awsSecretNames(profile);
  const { outcomes } = await callBroker(call, [names.accessKeyId, names.secretAccessKey, names.sessionToken].map((name) => ({ op: "get", name })));
  const texts: (string | undefined)[] = [];
  for (const [i, o] of outcomes.entries()) {
    const name = [names.accessKeyId, names.secretAccessKey, names.sessionToken][i] ?? "";
    if (!o.ok) {
      if (i === 2 && (o.error.code === "not_found" || o.error.code === "denied")) { texts.push(undefined); continue; }
      throw o.error;
    }
    const text = decodeValue(name, o.reply).text;
    if (text === undefined || /[\s\0]/.test(text)) throw clientError("unusable_value", { name, detail: "contains whitespace, NUL or non-UTF-8 bytes, so it is not an AWS key" });
    texts.push(text);
  }
  const [accessKeyId = "", secretAccessKey = "", sessionToken] = texts;
  await writeJson(io.stdout, awsCredentialJson(sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken }));
  return 0;
}
