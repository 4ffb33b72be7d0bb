import { test, expect, BrowserContext, Page } from "@playwright/test";

// Accounts and devices: register, sign in and out, preferences that follow the account to
// every device, and signing other devices out. The database is shared by every test of a
// run, so each test makes its own accounts with unique emails.

import {
  PASSWORD,
  LINUX_CHROME,
  WINDOWS_FIREFOX,
  IPHONE_SAFARI,
  uniqueEmail,
  hydrated,
  nav,
  createAccount,
  signIn,
  device,
  expectSignedOut,
} from "./helpers";

test.describe("registering", () => {
  test("creates the account and signs in: the nav shows the name and a sign-out button", async ({ page }) => {
    const email = uniqueEmail("ann");
    await page.goto("/register");
    await hydrated(page);
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Display name", { exact: true }).fill("Ann Example");
    await page.getByRole("button", { name: "Create account", exact: true }).click();

    await expect(page).toHaveURL(/\/$/);
    await expect(nav(page).getByRole("button", { name: "Sign out", exact: true })).toBeVisible();
    await expect(nav(page)).toContainText("Ann Example");
    await expect(nav(page).getByRole("link", { name: "Sign in", exact: true })).toHaveCount(0);

    const res = await page.request.get("/api/auth/me");
    expect(res.status()).toBe(200);
    const body = await res.json();
    expect(body.user).toMatchObject({ email, displayName: "Ann Example", role: "user" });
    expect(body.user.id).toEqual(expect.any(String));
  });
});

test.describe("signing in with JavaScript", () => {
  test("a wrong password shows an alert and keeps the email; the right one signs in", async ({ page, request }) => {
    const email = await createAccount(request, "bob", "Bob");
    await page.goto("/login");
    await hydrated(page);
    const emailField = page.getByLabel("Email", { exact: true });
    await emailField.fill(email);
    await page.getByLabel("Password", { exact: true }).fill("not the password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();

    const alert = page.getByRole("alert");
    await expect(alert).toContainText(/incorrect|wrong|invalid/i);
    await expect(emailField).toHaveValue(email);
    await expect(page).toHaveURL(/\/login/);
    expect((await page.request.get("/api/auth/me")).status()).toBe(401);

    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(nav(page).getByRole("button", { name: "Sign out", exact: true })).toBeVisible();
    await expect(nav(page)).toContainText("Bob");
    const me = await page.request.get("/api/auth/me");
    expect(me.status()).toBe(200);
    expect((await me.json()).user.email).toBe(email);
  });
});

test.describe("signing in without JavaScript", () => {
  test("the form posts, the server redirects back with an alert and the email; then signs in", async ({ browser, request }) => {
    const email = await createAccount(request, "cid", "Cid");
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      await page.goto("/login");
      await page.getByLabel("Email", { exact: true }).fill(email);
      await page.getByLabel("Password", { exact: true }).fill("not the password");
      await page.getByRole("button", { name: "Sign in", exact: true }).click();

      await expect(page).toHaveURL(/\/login\?/);
      await expect(page.getByRole("alert")).toContainText(/incorrect|wrong|invalid/i);
      await expect(page.getByLabel("Email", { exact: true })).toHaveValue(email);
      expect((await page.request.get("/api/auth/me")).status()).toBe(401);

      await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await expect(page).toHaveURL(/\/$/);
      await expect(nav(page).getByRole("button", { name: "Sign out", exact: true })).toBeVisible();
      await expect(nav(page)).toContainText("Cid");
      expect((await page.request.get("/api/auth/me")).status()).toBe(200);
    } finally {
      await context.close();
    }
  });
});

test.describe("two devices", () => {
  test("preferences saved on one device apply on the other's next page", async ({ browser, request }) => {
    const email = await createAccount(request, "dee");
    const a = await device(browser, email, LINUX_CHROME);
    const b = await device(browser, email, WINDOWS_FIREFOX);
    try {
      await expect(b.page.locator("html")).toHaveAttribute("data-theme", "light");
      await expect(b.page.locator("html")).toHaveAttribute("lang", "en");

      await a.page.goto("/preferences");
      await hydrated(a.page);
      await a.page.getByLabel("Theme", { exact: true }).selectOption({ label: "Dark" });
      await a.page.getByLabel("Language", { exact: true }).selectOption({ label: "Español" });
      await a.page.getByRole("button", { name: "Save preferences", exact: true }).click();
      await expect(a.page.getByRole("status")).toHaveText("Preferencias guardadas.");
      await expect(a.page.locator("html")).toHaveAttribute("lang", "es");

      // Device B's own cookie still says light and English; the account's choice wins.
      await b.page.goto("/session");
      const html = b.page.locator("html");
      await expect(html).toHaveAttribute("data-theme", "dark");
      await expect(html).toHaveAttribute("lang", "es");
      await expect(b.page.getByRole("button", { name: "Terminar sesión", exact: true })).toBeVisible();
      const first = await (await b.page.request.get("/")).text();
      expect(first).toMatch(/<html lang="es" data-theme="dark"/);
      const prefs = await (await b.page.request.get("/api/preferences")).json();
      expect(prefs).toMatchObject({ theme: "dark", language: "es", source: "account" });
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });
});

test.describe("devices page", () => {
  test("lists both devices, marks this one, and signs the other one out", async ({ browser, request }) => {
    const email = await createAccount(request, "eve");
    const a = await device(browser, email, LINUX_CHROME);
    const b = await device(browser, email, WINDOWS_FIREFOX);
    try {
      await a.page.goto("/devices");
      await hydrated(a.page);
      const rows = a.page.getByTestId("device-row");
      await expect(rows).toHaveCount(2);
      const current = rows.filter({ hasText: "This device" });
      const other = rows.filter({ hasNotText: "This device" });
      await expect(current).toHaveCount(1);
      await expect(other).toHaveCount(1);
      await expect(current).toContainText("Chrome");
      await expect(other).toContainText("Firefox");
      // Only the other row can be signed out.
      await expect(current.getByRole("button")).toHaveCount(0);

      await other.getByRole("button", { name: "Sign out", exact: true }).click();
      await expect(a.page.getByRole("status")).toHaveText("The device was signed out.");
      await expect(rows).toHaveCount(1);
      await expect(rows).toContainText("This device");

      // B's next page: a guest.
      await b.page.reload();
      await expectSignedOut(b.page);
      // A is untouched.
      expect((await a.page.request.get("/api/auth/me")).status()).toBe(200);
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });

  test("\"Sign out all other devices\" signs out every other device and keeps this one", async ({ browser, request }) => {
    const email = await createAccount(request, "fay");
    const a = await device(browser, email, LINUX_CHROME);
    const b = await device(browser, email, WINDOWS_FIREFOX);
    const c = await device(browser, email, IPHONE_SAFARI);
    try {
      await a.page.goto("/devices");
      await hydrated(a.page);
      const rows = a.page.getByTestId("device-row");
      await expect(rows).toHaveCount(3);
      await expect(rows.filter({ hasText: "This device" })).toHaveCount(1);

      await a.page.getByRole("button", { name: "Sign out all other devices", exact: true }).click();
      await expect(a.page.getByRole("status")).toHaveText("All other devices were signed out.");
      await expect(rows).toHaveCount(1);
      await expect(rows).toContainText("This device");

      for (const other of [b, c]) {
        await other.page.reload();
        await expectSignedOut(other.page);
      }
      await a.page.reload();
      await expect(nav(a.page).getByRole("button", { name: "Sign out", exact: true })).toBeVisible();
      expect((await a.page.request.get("/api/auth/me")).status()).toBe(200);
    } finally {
      await a.context.close();
      await b.context.close();
      await c.context.close();
    }
  });

  test("without JavaScript, \"Sign out all other devices\" posts and redirects back", async ({ browser, request }) => {
    const email = await createAccount(request, "gus");
    const a = await device(browser, email, LINUX_CHROME, false);
    const b = await device(browser, email, WINDOWS_FIREFOX);
    try {
      await a.page.goto("/devices");
      const rows = a.page.getByTestId("device-row");
      await expect(rows).toHaveCount(2);
      await a.page.getByRole("button", { name: "Sign out all other devices", exact: true }).click();
      await expect(a.page).toHaveURL(/\/devices\?others=1$/);
      await expect(a.page.getByRole("status")).toHaveText("All other devices were signed out.");
      await expect(rows).toHaveCount(1);

      await b.page.reload();
      await expectSignedOut(b.page);
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });
});

test.describe("signing out from the nav", () => {
  async function signedInWithPrefs(page: Page) {
    const email = uniqueEmail("hal");
    const reg = await page.request.post("/api/auth/register", {
      data: { email, password: PASSWORD, displayName: "Hal" },
    });
    expect(reg.status()).toBe(201);
    const prefs = await page.request.post("/api/preferences", { data: { theme: "dark" } });
    expect(prefs.status()).toBe(200);
    await page.goto("/");
    await expect(nav(page)).toContainText("Hal");
  }

  async function afterSignOut(page: Page, context: BrowserContext) {
    await expect(page).toHaveURL(/\/\?signed_out=1$/);
    await expectSignedOut(page);
    // The device's preferences outlive the sign-out.
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toContain("squid_prefs");
    await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
    // A guest may not open /devices.
    await page.goto("/devices");
    await expect(page).toHaveURL(/\/login$/);
  }

  test("with JavaScript", async ({ page, context }) => {
    await signedInWithPrefs(page);
    await hydrated(page);
    await nav(page).getByRole("button", { name: "Sign out", exact: true }).click();
    await afterSignOut(page, context);
  });

  test.describe("without JavaScript", () => {
    test.use({ javaScriptEnabled: false });

    test("the form posts and the server redirects home", async ({ page, context }) => {
      await signedInWithPrefs(page);
      await nav(page).getByRole("button", { name: "Sign out", exact: true }).click();
      await afterSignOut(page, context);
    });
  });
});

test("in Spanish, the account pages' buttons are in Spanish", async ({ page }) => {
  const res = await page.request.post("/api/preferences", { data: { language: "es" } });
  expect(res.status()).toBe(200);
  expect((await res.json()).language).toBe("es");

  await page.goto("/register");
  await expect(page.locator("html")).toHaveAttribute("lang", "es");
  await expect(page.getByRole("button", { name: "Crear cuenta", exact: true })).toBeVisible();
  await expect(page.getByLabel("Correo electrónico", { exact: true })).toBeVisible();

  await page.goto("/login");
  await expect(page.locator("html")).toHaveAttribute("lang", "es");
  await expect(page.getByRole("button", { name: "Iniciar sesión", exact: true })).toBeVisible();
  await expect(page.getByLabel("Contraseña", { exact: true })).toBeVisible();
});

test("the login and devices pages hydrate with no Content Security Policy violation", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (msg) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to/i.test(text)) violations.push(text);
  });

  await page.goto("/login");
  await hydrated(page);

  const email = uniqueEmail("ivy");
  const reg = await page.request.post("/api/auth/register", { data: { email, password: PASSWORD } });
  expect(reg.status()).toBe(201);
  await page.goto("/devices");
  await expect(page).toHaveURL(/\/devices$/);
  await hydrated(page);
  await expect(page.getByTestId("device-row")).toHaveCount(1);

  expect(violations).toEqual([]);
});

test("changing the password on /devices signs every other device out", async ({ browser, request }) => {
  const email = await createAccount(request, "pat");
  const a = await device(browser, email, LINUX_CHROME);
  const b = await device(browser, email, IPHONE_SAFARI);
  try {
    await a.page.goto("/devices");
    await hydrated(a.page);
    await expect(a.page.getByTestId("device-row")).toHaveCount(2);

    // A wrong current password: an alert, nothing changes.
    await a.page.getByLabel("Current password", { exact: true }).fill("not the password");
    await a.page.getByLabel("New password", { exact: true }).fill("a brand new password");
    await a.page.getByRole("button", { name: "Change password", exact: true }).click();
    await expect(a.page.getByRole("alert").filter({ hasText: "not correct" })).toBeVisible();

    await a.page.getByLabel("Current password", { exact: true }).fill(PASSWORD);
    await a.page.getByRole("button", { name: "Change password", exact: true }).click();
    await expect(a.page.getByRole("status")).toContainText("password was changed");
    await expect(a.page.getByTestId("device-row")).toHaveCount(1);

    await b.page.reload();
    await expectSignedOut(b.page);
    const old = await request.post("/api/auth/login", { data: { email, password: PASSWORD } });
    expect(old.status()).toBe(401);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});
