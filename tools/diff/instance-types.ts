// The CPU architecture of an EC2 instance type, read from its family name.

export type Architecture = "arm64" | "x86_64";

/**
 * Graviton (arm64) families carry a "g" after their generation number (t4g, m6gd, c7gn, r8g,
 * x2gd, im4gn, is4gen, hpc7g, g5g), and a1 is the first Graviton; every other family in the EC2
 * naming scheme is x86_64 (t3, m7i, c7a, r6id, g5, p4d). macOS families (mac1, mac2...) and names
 * that do not parse are undefined: nothing is claimed about them.
 */
export function architectureOf(instanceType: string): Architecture | undefined {
  const family = instanceType.split(".")[0] ?? "";
  if (family === "a1") return "arm64";
  const m = /^([a-z]+)(\d+)([a-z-]*)$/.exec(family);
  if (!m || m[1] === "mac") return undefined;
  return (m[3] ?? "").includes("g") ? "arm64" : "x86_64";
}
