// Typed entry for tests to the project's netlab (bench/netlab/netlab.mjs): a 50 ms link
// between two network namespaces made per run. The benchmarks import the .mjs directly.
export { createLink, liveNamespaces, namespaceExists, netnsUnavailableReason, sweepStaleLinks } from "../../bench/netlab/netlab.mjs";
export type { NetnsLink } from "../../bench/netlab/netlab.mjs";
