/**
 * Orders strings by UTF-16 code unit, the same on every machine. Names here are ASCII
 * identifiers, for which this is also alphabetical; `localeCompare` would depend on the
 * process's locale and load ICU's collation data (~2.6 MiB of a daemon's RSS) for nothing.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
