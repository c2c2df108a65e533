/** The broker's version, reported by `ping` and `status` (a unit test keeps it equal to package.json). */
export const BROKER_VERSION = "0.1.0";
