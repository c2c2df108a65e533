import { callBroker, requireAll, type CallOptions } from "./broker-calls.ts";
import { writeJson, writeOut, type Io } from "./io.ts";
import { checkNames, decodeValue } from "./secrets.ts";

/**
 * `get NAME`: the value on stdout and nothing else. A trailing newline is added only
 * when stdout is a terminal, so `$(remo-secrets get X)` and pipes get the exact bytes.
 */
export async function runGet(call: CallOptions, io: Io, name: string, json: boolean): Promise<number> {
  checkNames([name]);
  const [reply] = requireAll((await callBroker(call, [{ op: "get", name }])).outcomes);
  const value = decodeValue(name, reply ?? {});
  if (json) {
    await writeJson(io.stdout, value.text === undefined ? { name, value_b64: value.bytes.toString("base64") } : { name, value: value.text });
  } else {
    await writeOut(io.stdout, io.stdoutIsTty ? Buffer.concat([value.bytes, Buffer.from("\n")]) : value.bytes);
  }
  return 0;
}
