// Shapes of real credentials, to spot a literal secret pasted into devcontainer.json.

/** A known token format: its name and a pattern that matches the whole value. */
export interface TokenShape { kind: string; pattern: RegExp }

/** Provider formats, specific enough that a match is almost surely a real credential. */
export const tokenShapes: readonly TokenShape[] = [
  { kind: "GitHub token", pattern: /^(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})$/ },
  { kind: "GitLab token", pattern: /^glpat-[A-Za-z0-9_-]{20,}$/ },
  { kind: "npm token", pattern: /^npm_[A-Za-z0-9]{30,}$/ },
  { kind: "AWS access key id", pattern: /^(AKIA|ASIA)[0-9A-Z]{16}$/ },
  { kind: "Slack token", pattern: /^xox[abposr]-[A-Za-z0-9-]{10,}$/ },
  { kind: "OpenAI or Anthropic key", pattern: /^sk-(ant-|proj-)?[A-Za-z0-9_-]{20,}$/ },
  { kind: "Stripe key", pattern: /^(sk|rk)_(live|test)_[A-Za-z0-9]{16,}$/ },
  { kind: "Google API key", pattern: /^AIza[0-9A-Za-z_-]{35}$/ },
  { kind: "private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { kind: "JSON Web Token", pattern: /^eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$/ },
];

/** Names that announce a credential. */
export const secretishName = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|AUTH)/i;

/** The kind of token a value looks like, or undefined. */
export function tokenKind(value: string): string | undefined {
  return tokenShapes.find((t) => t.pattern.test(value.trim()))?.kind;
}

/** True for values that are clearly not a pasted secret: empty, a variable reference, or a placeholder. */
export function isReferenceOrPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length < 8) return true;
  if (/\$\{[^}]+\}|\$[A-Z_][A-Z0-9_]*/.test(v)) return true;
  if (/^(<.*>|x+|\*+|changeme|change-me|dummy|example|placeholder|your[-_ ].*|todo|none|null|false|true)$/i.test(v)) return true;
  return /^[./~]|^[a-z]+:\/\/[^:@]*$/i.test(v);
}
