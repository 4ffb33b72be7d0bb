import { test, expect, Browser, Page } from "@playwright/test";
import { createAccount, device, expectSignedOut, hydrated, PASSWORD, signIn, WINDOWS_FIREFOX } from "./helpers";

// /admin/sessions: everyone's live sessions for administrators (ADMIN_EMAILS in
// playwright.config.ts), refused to users and guests.

const ADMIN = "admin@squid.test";

/// The administrator's account (registered by the first test that needs it).
async function adminPage(browser: Browser, js = true): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: js });
  const res = await context.request.post("/api/auth/register", { data: { email: ADMIN, password: PASSWORD } });
  expect([201, 409]).toContain(res.status());
  if (res.status() === 201) expect((await context.request.post("/api/auth/logout")).status()).toBe(204);
  const page = await context.newPage();
  await signIn(page, ADMIN, PASSWORD, { js });
  return page;
}

test("guests are sent to /login and users get a 403 page", async ({ page, request }) => {
  await page.goto("/admin/sessions");
  await expect(page).toHaveURL(/\/login$/);

  const email = await createAccount(request, "plain");
  await signIn(page, email);
  const res = await page.goto("/admin/sessions");
  expect(res?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "403 · Forbidden" })).toBeVisible();
  await expect(page.getByTestId("session-row")).toHaveCount(0);
  expect((await page.request.get("/api/admin/sessions")).status()).toBe(403);
});

for (const js of [true, false]) {
  test(`an admin finds a user's session and signs that browser out (JavaScript ${js ? "on" : "off"})`, async ({
    browser,
    request,
  }) => {
    const email = await createAccount(request, js ? "watched" : "watched-nojs");
    const user = await device(browser, email, WINDOWS_FIREFOX);
    const admin = await adminPage(browser, js);
    try {
      await admin.goto("/admin/sessions");
      if (js) await hydrated(admin);
      await expect(admin.getByRole("heading", { name: "Session statistics" })).toBeVisible();
      await admin.getByLabel("User", { exact: true }).fill(email);
      await admin.getByRole("button", { name: "Filter" }).click();
      await expect(admin).toHaveURL(/\/admin\/sessions\?user=/);
      const rows = admin.getByTestId("session-row");
      await expect(rows).toHaveCount(1);
      await expect(rows).toContainText(email);
      await expect(rows).toContainText("Firefox");

      await rows.getByRole("button", { name: "Sign out", exact: true }).click();
      await expect(admin.getByRole("status")).toContainText("The session was signed out.");
      await expect(admin.getByTestId("session-row").filter({ hasText: email })).toHaveCount(0);

      await user.page.reload();
      await expectSignedOut(user.page);
    } finally {
      await user.context.close();
      await admin.context().close();
    }
  });
}
