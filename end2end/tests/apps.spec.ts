import { test, expect } from "@playwright/test";
import { createAccount, hydrated, PASSWORD, signIn } from "./helpers";

// Tokens for apps: an app's session is a device on /devices, marked as an app, and signing
// it out there kills its token at once.

test("an app's token is listed on /devices as an app and signed out from there", async ({ page, playwright }) => {
  const app = await playwright.request.newContext({
    baseURL: test.info().project.use.baseURL,
    userAgent: "squid-cli/1.0",
  });
  try {
    const email = await createAccount(app, "app");
    const issued = await app.post("/api/auth/token", { data: { email, password: PASSWORD } });
    expect(issued.status(), await issued.text()).toBe(201);
    expect(issued.headers()["set-cookie"]).toBeUndefined();
    const { token } = await issued.json();
    const bearer = { Authorization: `Bearer ${token}` };
    expect((await app.get("/api/auth/me", { headers: bearer })).status()).toBe(200);

    await signIn(page, email);
    await page.goto("/devices");
    await hydrated(page);
    const rows = page.getByTestId("device-row");
    await expect(rows).toHaveCount(2);
    const appRow = rows.filter({ hasText: "squid-cli/1.0" });
    await expect(appRow).toContainText("App");
    await expect(rows.filter({ hasText: "This device" })).not.toContainText("App");

    await appRow.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page.getByRole("status")).toHaveText("The device was signed out.");
    await expect(rows).toHaveCount(1);
    const refused = await app.get("/api/auth/me", { headers: bearer });
    expect(refused.status()).toBe(401);
    expect(refused.headers()["www-authenticate"]).toContain("Bearer");
  } finally {
    await app.dispose();
  }
});
