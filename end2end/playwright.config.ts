import { defineConfig } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// A fresh server on a fresh temporary database for every run. The directory is made once,
// in the main process (workers inherit SQUID_E2E_DIR), and removed by global teardown.
// SQUID_E2E_DATABASE_URL, SQUID_E2E_SESSION_STORE_URL and SQUID_E2E_COOKIE_KEY run the
// same suite on other backends (end2end/on-postgres-redis.sh makes and removes them).
if (!process.env.SQUID_E2E_DIR) {
  process.env.SQUID_E2E_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "squid-e2e-"));
}
const dir = process.env.SQUID_E2E_DIR;
const port = Number(process.env.SQUID_E2E_PORT ?? 3123);
const root = path.resolve(__dirname, "..");

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  globalTeardown: "./teardown.ts",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        browserName: "chromium",
        launchOptions: {
          executablePath: "/usr/bin/chromium",
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        },
      },
    },
  ],
  webServer: {
    command: `${root}/target/release/squid serve`,
    url: `http://127.0.0.1:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      DATABASE_URL: process.env.SQUID_E2E_DATABASE_URL ?? `sqlite://${dir}/e2e.db`,
      ...(process.env.SQUID_E2E_SESSION_STORE_URL
        ? { SESSION_STORE_URL: process.env.SQUID_E2E_SESSION_STORE_URL }
        : {}),
      ...(process.env.SQUID_E2E_COOKIE_KEY ? { COOKIE_KEY: process.env.SQUID_E2E_COOKIE_KEY } : {}),
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: `${root}/target/site`,
      LEPTOS_OUTPUT_NAME: "squid",
      RUST_LOG: "warn",
      // The administrator of the admin specs (an account registered with this email).
      ADMIN_EMAILS: "admin@squid.test",
    },
  },
});
