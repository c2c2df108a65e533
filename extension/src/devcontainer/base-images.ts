// The base image a new devcontainer.json starts from, chosen by the project's language markers.

/** A language guess and the image it maps to. Image names are strings only: nothing is pulled here. */
export interface BaseImage { language: string; image: string; hasNode: boolean }

const markerImages: readonly { markers: readonly string[]; base: BaseImage }[] = [
  { markers: ["package.json"], base: { language: "Node.js", image: "mcr.microsoft.com/devcontainers/javascript-node:20", hasNode: true } },
  { markers: ["pyproject.toml", "requirements.txt"], base: { language: "Python", image: "mcr.microsoft.com/devcontainers/python:3", hasNode: false } },
  { markers: ["Cargo.toml"], base: { language: "Rust", image: "mcr.microsoft.com/devcontainers/rust:1", hasNode: false } },
  { markers: ["go.mod"], base: { language: "Go", image: "mcr.microsoft.com/devcontainers/go:1", hasNode: false } },
  { markers: ["Gemfile"], base: { language: "Ruby", image: "mcr.microsoft.com/devcontainers/ruby:3", hasNode: false } },
];

const debianBase: BaseImage = { language: "generic", image: "mcr.microsoft.com/devcontainers/base:bookworm", hasNode: false };

/** The language markers worth looking for in a project's root folder. */
export const languageMarkers: readonly string[] = markerImages.flatMap((m) => m.markers);

/** Picks the base image for the first marker present, in the order of markerImages; else plain Debian. */
export function chooseBaseImage(markers: readonly string[]): BaseImage {
  const present = new Set(markers);
  return markerImages.find((m) => m.markers.some((k) => present.has(k)))?.base ?? debianBase;
}

/** The Node feature: the remo-secrets client is a Node (≥ 20) script, so images without Node get it. */
export const nodeFeatureId = "ghcr.io/devcontainers/features/node:1";
