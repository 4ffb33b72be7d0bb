import { test, expect, Page } from "@playwright/test";
import * as fs from "node:fs";
import {
  PASSWORD,
  LINUX_CHROME,
  IPHONE_SAFARI,
  hydrated,
  nav,
  createAccount,
  device,
  expectSignedOut,
} from "./helpers";

// Privacy: consent (and the prompt that asks for it), the export and erasure, in Chromium,
// with and without JavaScript.

function prompt(page: Page) {
  return page.getByRole("complementary", { name: "Your privacy choices" });
}

test("consent is asked on every page until answered, and saved from /privacy with its history", async ({ browser, request }) => {
  const email = await createAccount(request, "kim");
  const { context, page } = await device(browser, email, LINUX_CHROME);
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
  });
  try {
    // Never chosen: the prompt is on the page, and leads to /privacy.
    await expect(prompt(page)).toBeVisible();
    await expect(prompt(page)).toContainText("policy version 1");
    await prompt(page).getByRole("link", { name: "Review choices" }).click();
    await expect(page).toHaveURL(/\/privacy$/);
    await hydrated(page);
    await expect(prompt(page)).toHaveCount(0);

    const analytics = page.getByRole("checkbox", { name: "Analytics", exact: true });
    const marketing = page.getByRole("checkbox", { name: "Marketing", exact: true });
    await expect(analytics).toBeChecked();
    await expect(marketing).not.toBeChecked();
    await expect(page.getByText("You have not made a choice yet")).toBeVisible();

    await analytics.uncheck();
    await marketing.check();
    await page.getByRole("button", { name: "Save consent", exact: true }).click();
    await expect(page.getByRole("status")).toContainText("consent choices were saved");
    await expect(page.getByTestId("consent-record")).toHaveCount(2);

    await page.reload();
    await hydrated(page);
    await expect(analytics).not.toBeChecked();
    await expect(marketing).toBeChecked();
    const api = await (await page.request.get("/api/consent")).json();
    expect(api.items).toMatchObject([
      { type: "analytics", granted: false, version: "1" },
      { type: "marketing", granted: true, version: "1" },
    ]);

    // Answered: no page asks any more.
    await page.goto("/");
    await hydrated(page);
    await expect(prompt(page)).toHaveCount(0);
    expect(violations).toEqual([]);
  } finally {
    await context.close();
  }
});

test("the prompt's \"Keep my choices\" confirms them, with and without JavaScript", async ({ browser, request }) => {
  for (const js of [true, false]) {
    const email = await createAccount(request, js ? "lou" : "max");
    const { context, page } = await device(browser, email, LINUX_CHROME, js);
    try {
      await page.goto("/session");
      if (js) await hydrated(page);
      await prompt(page).getByRole("button", { name: "Keep my choices" }).click();
      if (js) {
        await expect(page.getByRole("status").filter({ hasText: "choices are confirmed" })).toBeVisible();
      } else {
        await expect(page).toHaveURL(/\/session$/);
      }
      await expect(prompt(page)).toHaveCount(0);
      await page.reload();
      await expect(prompt(page)).toHaveCount(0);
      const history = await (await page.request.get("/api/consent/history")).json();
      expect(history.items.map((i: { method: string }) => i.method)).toEqual(["prompt", "prompt"]);
    } finally {
      await context.close();
    }
  }
});

test("\"Download my data\" gives the export file, which holds the account's data", async ({ browser, request }) => {
  const email = await createAccount(request, "ned");
  const { context, page } = await device(browser, email, LINUX_CHROME);
  try {
    await page.goto("/preferences");
    await hydrated(page);
    await page.getByLabel("Theme").selectOption({ label: "Dark" });
    await page.getByRole("button", { name: "Save preferences" }).click();
    await expect(page.getByRole("status")).toContainText("saved");

    await page.goto("/privacy");
    await hydrated(page);
    const downloading = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download my data", exact: true }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^squid-export-\d{4}-\d{2}-\d{2}\.json$/);
    const file = await download.path();
    const data = JSON.parse(fs.readFileSync(file, "utf8"));

    expect(data.schemaVersion).toBe(1);
    expect(data.user.email).toBe(email);
    expect(data.preferences.theme).toBe("dark");
    const live = data.sessions.filter((s: { live: boolean }) => s.live);
    expect(live).toHaveLength(1);
    expect(live[0].userAgent).toBe(LINUX_CHROME);
    const pages = data.activity.map((a: { page?: string }) => a.page).filter(Boolean);
    expect(pages).toEqual(expect.arrayContaining(["home", "preferences", "privacy"]));
    expect(data.consents.items).toHaveLength(2);
    const audit = data.audit.map((e: { type: string }) => e.type);
    expect(audit).toEqual(expect.arrayContaining(["login", "preferences_changed", "data_exported"]));
  } finally {
    await context.close();
  }
});

test("deleting the account signs it out here and on another device, and the email is free again", async ({ browser, request }) => {
  const email = await createAccount(request, "ola");
  const a = await device(browser, email, LINUX_CHROME);
  const b = await device(browser, email, IPHONE_SAFARI);
  try {
    await a.page.goto("/privacy");
    await hydrated(a.page);
    await a.page.getByLabel("Password", { exact: true }).fill("not the password");
    await a.page.getByRole("button", { name: "Delete my account", exact: true }).click();
    await expect(a.page.getByRole("alert").filter({ hasText: "not correct" })).toBeVisible();
    expect((await a.page.request.get("/api/auth/me")).status()).toBe(200);

    await a.page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await a.page.getByRole("button", { name: "Delete my account", exact: true }).click();
    await expect(a.page).toHaveURL(/\/\?deleted=1$/);
    await expect(a.page.getByRole("status")).toContainText("account and all its data were deleted");
    await expectSignedOut(a.page);
    const cookies = await a.context.cookies();
    expect(cookies.map((c) => c.name)).not.toContain("squid_prefs");

    // The other device is signed out on its next page.
    await b.page.reload();
    await expectSignedOut(b.page);
    await b.page.goto("/privacy");
    await expect(b.page).toHaveURL(/\/login$/);

    // The email signs in no more, and can make a new, empty account.
    const old = await request.post("/api/auth/login", { data: { email, password: PASSWORD } });
    expect(old.status()).toBe(401);
    const again = await request.post("/api/auth/register", { data: { email, password: PASSWORD } });
    expect(again.status()).toBe(201);
    const fresh = await (await request.get("/api/gdpr/export")).json();
    expect(fresh.activity).toEqual([]);
    expect(fresh.sessions).toHaveLength(1);
    await request.post("/api/auth/logout");
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

test("without JavaScript, consent is saved and the account deleted by plain form posts", async ({ browser, request }) => {
  const email = await createAccount(request, "pia");
  const { context, page } = await device(browser, email, LINUX_CHROME, false);
  try {
    await page.goto("/privacy");
    await page.getByRole("checkbox", { name: "Marketing", exact: true }).check();
    await page.getByRole("button", { name: "Save consent", exact: true }).click();
    await expect(page).toHaveURL(/\/privacy\?saved=1$/);
    await expect(page.getByRole("status")).toContainText("consent choices were saved");
    await expect(page.getByRole("checkbox", { name: "Marketing", exact: true })).toBeChecked();

    await page.getByLabel("Password", { exact: true }).fill("not the password");
    await page.getByRole("button", { name: "Delete my account", exact: true }).click();
    await expect(page).toHaveURL(/error=reauthentication_required/);
    await expect(page.getByRole("alert")).toContainText("not correct");

    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Delete my account", exact: true }).click();
    await expect(page).toHaveURL(/\/\?deleted=1$/);
    await expect(page.getByRole("status")).toContainText("account and all its data were deleted");
    await expect(nav(page).getByRole("link", { name: "Sign in", exact: true })).toBeVisible();
  } finally {
    await context.close();
  }
});

test("the privacy page speaks Spanish", async ({ browser, request }) => {
  const email = await createAccount(request, "quim");
  const { context, page } = await device(browser, email, LINUX_CHROME);
  try {
    const res = await page.request.post("/api/preferences", { data: { language: "es" } });
    expect(res.status()).toBe(200);
    await page.goto("/privacy");
    await expect(page.locator("html")).toHaveAttribute("lang", "es");
    await expect(page.getByRole("heading", { name: "Tu privacidad" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Guardar consentimiento", exact: true })).toBeVisible();
    await expect(page.getByRole("link", { name: "Descargar mis datos", exact: true })).toBeVisible();
    await expect(page.getByRole("button", { name: "Eliminar mi cuenta", exact: true })).toBeVisible();
    await expect(page.getByLabel("Contraseña", { exact: true })).toBeVisible();
    await expect(nav(page).getByRole("link", { name: "Privacidad", exact: true })).toBeVisible();
    await page.goto("/");
    await expect(prompt(page)).toHaveCount(0); // named in Spanish there
    await expect(page.getByRole("complementary", { name: "Tus opciones de privacidad" })).toBeVisible();
  } finally {
    await context.close();
  }
});
