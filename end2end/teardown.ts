import * as fs from "node:fs";

export default async function teardown() {
  const dir = process.env.SQUID_E2E_DIR;
  if (dir && dir.includes("squid-e2e-")) fs.rmSync(dir, { recursive: true, force: true });
}
