import { test, expect, Browser, Page } from "@playwright/test";
import { createAccount, hydrated, nav, PASSWORD, signIn } from "./helpers";

// /admin: the analytics dashboard for administrators (ADMIN_EMAILS in playwright.config.ts),
// drawn on the server, so every chart is there with JavaScript and without; refused to
// users (403 page) and guests (to /login).

const ADMIN = "admin@squid.test";

// The accessible names of the charts (UI.md: each an SVG with role="img" and a <title>).
const CHARTS = [
  "Active users over time",
  "Popular pages",
  "Session durations",
  "Event breakdown",
  "Common paths",
  "Funnel",
  "Retention cohorts",
];

/// The administrator's account (registered by the first test that needs it), signed in.
async function adminPage(browser: Browser, js: boolean): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: js });
  const res = await context.request.post("/api/auth/register", { data: { email: ADMIN, password: PASSWORD } });
  expect([201, 409]).toContain(res.status());
  if (res.status() === 201) expect((await context.request.post("/api/auth/logout")).status()).toBe(204);
  const page = await context.newPage();
  await signIn(page, ADMIN, PASSWORD, { js });
  return page;
}

/// A guest's session that visits `pages` in order and takes an action, through the API.
async function visit(browser: Browser, pages: string[]) {
  const context = await browser.newContext();
  try {
    const started = await context.request.post("/api/session");
    expect(started.status()).toBe(201);
    // 10 ms apart from the session's start, so their order is plain to the funnel (events of
    // one batch left without `at` all happen at the same instant), and all in the past.
    const start = Date.parse((await started.json()).startTime);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const at = (i: number) => new Date(start + (i + 1) * 10).toISOString();
    const events = [
      ...pages.map((page, i) => ({ type: "page_view", page, at: at(i) })),
      { type: "action", action: "clicked on Pricing", at: at(pages.length) },
    ];
    const res = await context.request.post("/api/events", { data: { events } });
    expect(res.status(), await res.text()).toBe(201);
  } finally {
    await context.close();
  }
}

test("guests are sent to /login and users get a 403 page", async ({ page, request }) => {
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/login$/);

  const email = await createAccount(request, "not-admin");
  await signIn(page, email);
  await expect(nav(page).getByRole("link", { name: "Dashboard" })).toHaveCount(0);
  const res = await page.goto("/admin");
  expect(res?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "403 · Forbidden" })).toBeVisible();
  await expect(page.getByRole("img")).toHaveCount(0);
  await expect(page.getByLabel("Period")).toHaveCount(0);
});

for (const js of [true, false]) {
  test.describe(`JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });
    test.describe.configure({ timeout: 90_000 });

    test("an admin reads every chart, picks the period and the funnel's steps", async ({ browser }) => {
      const tag = `${js ? "js" : "nojs"}-${Date.now().toString(36)}`;
      const [pricing, signup] = [`pricing-${tag}`, `signup-${tag}`];
      await visit(browser, ["home", pricing, signup]);
      await visit(browser, ["home", pricing]);

      const admin = await adminPage(browser, js);
      try {
        await nav(admin).getByRole("link", { name: "Dashboard" }).click();
        await expect(admin).toHaveURL(/\/admin$/);
        if (js) await hydrated(admin);
        await expect(admin.getByRole("heading", { name: "Analytics", level: 1 })).toBeVisible();
        for (const name of CHARTS) {
          const chart = admin.getByRole("img", { name, exact: true });
          await expect(chart, name).toBeVisible();
          // The numbers are text too: the description reads them out.
          await expect(chart).toHaveAccessibleDescription(/\S/);
        }
        await expect(admin.getByRole("img", { name: "Popular pages", exact: true })).toHaveAccessibleDescription(
          /home: \d+/,
        );
        await expect(admin.getByRole("link", { name: "Live sessions" })).toHaveAttribute("href", "/admin/sessions");
        const rightNow = admin.getByTestId("right-now");
        await expect(rightNow).toHaveText(/^\d+$/);
        await expect(admin.locator("[aria-live=polite]").filter({ has: rightNow })).toHaveCount(1);

        // The funnel's steps, in a form.
        await admin.getByLabel("Step 1", { exact: true }).fill("home");
        await admin.getByLabel("Step 2", { exact: true }).fill(pricing);
        await admin.getByLabel("Step 3", { exact: true }).fill(signup);
        await admin.getByRole("button", { name: "Update funnel" }).click();
        await expect(admin).toHaveURL(new RegExp(`step2=${pricing}`));
        const funnel = admin.getByRole("img", { name: "Funnel", exact: true });
        // Both sessions went on to pricing, one of them to signup: half dropped off there.
        await expect(funnel).toHaveAccessibleDescription(new RegExp(`${pricing}: 2 .*${signup}: 1 \\(Drop-off 50%\\)`));
        // And as a table, shown on demand.
        await admin.getByTestId("funnel").getByText("Show the numbers").click();
        const numbers = admin.getByRole("table", { name: "Funnel" });
        await expect(numbers).toContainText(`2. ${pricing}`);
        await expect(numbers).toContainText(`3. ${signup}`);

        // The period, keeping the steps.
        await expect(admin.getByLabel("Period")).toHaveValue("30d");
        await admin.getByLabel("Period").selectOption("7d");
        await admin.getByRole("button", { name: "Show", exact: true }).click();
        await expect(admin).toHaveURL(/period=7d/);
        await expect(admin.getByLabel("Period")).toHaveValue("7d");
        await expect(admin.getByLabel("Step 2", { exact: true })).toHaveValue(pricing);
        await expect(admin.getByRole("img", { name: "Funnel", exact: true })).toHaveAccessibleDescription(
          new RegExp(`${signup}: 1`),
        );
        for (const name of CHARTS) await expect(admin.getByRole("img", { name, exact: true })).toBeVisible();

        if (js) {
          // "Right now" asks the server again by itself (every 15 s) and shows what it hears.
          await hydrated(admin);
          await visit(browser, ["home"]);
          const asked = await admin.waitForResponse((r) => r.url().includes("/api/fn/admin_realtime"), {
            timeout: 30_000,
          });
          expect(asked.status()).toBe(200);
          const { activeSessions } = await asked.json();
          expect(activeSessions).toBeGreaterThanOrEqual(1);
          await expect(rightNow).toHaveText(String(activeSessions));
        }
      } finally {
        await admin.context().close();
      }
    });
  });
}

test("the dashboard speaks the admin's language", async ({ browser }) => {
  const admin = await adminPage(browser, true);
  try {
    expect((await admin.request.post("/api/preferences", { data: { language: "es" } })).status()).toBe(200);
    await admin.goto("/admin");
    await expect(admin.getByRole("heading", { name: "Analítica", level: 1 })).toBeVisible();
    await expect(admin.getByLabel("Periodo")).toBeVisible();
    await expect(admin.getByRole("img", { name: "Embudo", exact: true })).toBeVisible();
    await expect(admin.getByLabel("Paso 1", { exact: true })).toBeVisible();
    await expect(admin.getByRole("heading", { name: "Ahora mismo" })).toBeVisible();
  } finally {
    await admin.request.post("/api/preferences", { data: { language: "en" } });
    await admin.context().close();
  }
});
