import { test, expect, Page } from "@playwright/test";

// Each test gets a fresh browser context: its own cookies, so its own guest session.

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

async function visitNames(page: Page): Promise<string[]> {
  return page.locator("ol.visits li .page-name").allTextContents();
}

test.describe("preferences with JavaScript", () => {
  test("saving changes theme and language at once and on the next page", async ({ page }) => {
    await page.goto("/preferences");
    const html = page.locator("html");
    await expect(html).toHaveAttribute("lang", "en");
    await expect(html).toHaveAttribute("data-theme", "light");
    await hydrated(page);

    await page.getByLabel("Theme").selectOption({ label: "Dark" });
    await page.getByLabel("Notifications").selectOption({ label: "Disabled" });
    await page.getByLabel("Language").selectOption({ label: "Español" });
    await page.getByRole("button", { name: "Save preferences" }).click();

    // Saved without a reload, announced in the new language, applied to this page.
    await expect(page.getByRole("status")).toHaveText("Preferencias guardadas.");
    await expect(page).toHaveURL(/\/preferences$/);
    await expect(html).toHaveAttribute("data-theme", "dark");
    await expect(html).toHaveAttribute("lang", "es");
    await expect(page.getByRole("button", { name: "Guardar preferencias" })).toBeVisible();

    // The next page comes from the server already in Spanish and dark.
    await page.getByRole("navigation").getByRole("link", { name: "Inicio" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(html).toHaveAttribute("lang", "es");
    await expect(html).toHaveAttribute("data-theme", "dark");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Bienvenido a Squid");
    const first = await (await page.request.get("/")).text();
    expect(first).toContain('<html lang="es" data-theme="dark" data-notifications="disabled"');

    // And the API agrees.
    const prefs = await (await page.request.get("/api/preferences")).json();
    expect(prefs).toEqual({ theme: "dark", notifications: "disabled", language: "es", source: "cookie" });
  });
});

test.describe("preferences without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the form posts, redirects back, and the next page is in the new theme and language", async ({ page }) => {
    await page.goto("/preferences");
    await page.getByLabel("Theme").selectOption({ label: "Dark" });
    await page.getByLabel("Language").selectOption({ label: "Deutsch" });
    await page.getByRole("button", { name: "Save preferences" }).click();

    await expect(page).toHaveURL(/\/preferences\?saved=1$/);
    await expect(page.getByRole("status")).toHaveText("Einstellungen gespeichert.");
    await expect(page.locator("html")).toHaveAttribute("lang", "de");
    await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
    await expect(page.getByLabel("Design")).toHaveValue("dark");

    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Willkommen bei Squid");
  });
});

test.describe("session timeline", () => {
  test("shows the visited pages, paginates, and ticks the duration", async ({ page }) => {
    for (let i = 1; i <= 11; i++) {
      await page.goto(i % 2 === 1 ? "/" : "/preferences");
    }
    await page.goto("/session"); // visit 12
    await expect(page.getByRole("heading", { name: /Pages visited \(12\)/ })).toBeVisible();
    const firstPage = await visitNames(page);
    expect(firstPage).toHaveLength(10);
    expect(firstPage.slice(0, 3)).toEqual(["home", "preferences", "home"]);
    await expect(page.getByRole("link", { name: "Previous" })).toHaveCount(0);
    await expect(page.getByTestId("start-time")).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);

    // The duration is live once the page has hydrated.
    await hydrated(page);
    const duration = page.getByTestId("duration");
    const before = await duration.textContent();
    await expect(duration).not.toHaveText(before ?? "", { timeout: 5_000 });

    await page.getByRole("link", { name: "Next" }).click(); // visit 13
    await expect(page).toHaveURL(/\/session\?page=2$/);
    expect(await visitNames(page)).toEqual(["home", "session", "session"]);
    await expect(page.getByRole("link", { name: "Next" })).toHaveCount(0);

    await page.getByRole("link", { name: "Previous" }).click(); // visit 14
    await expect(page).toHaveURL(/\/session\?page=1$/);
    expect(await visitNames(page)).toEqual(firstPage);
  });

  test("shows the actions logged through the API", async ({ page }) => {
    await page.goto("/");
    const res = await page.request.post("/api/session/action", {
      data: { action: "clicked on Settings", details: { from: "e2e" } },
    });
    expect(res.status()).toBe(201);
    await page.goto("/session");
    await expect(page.getByRole("heading", { name: /Actions \(1\)/ })).toBeVisible();
    await expect(page.locator("ul.actions li")).toContainText(["clicked on Settings"]);
  });
});

test.describe("ending the session", () => {
  test("with JavaScript: the session ends in place and the old one stays ended", async ({ page }) => {
    await page.goto("/session");
    await hydrated(page);
    const oldId = await page.getByTestId("session-id").textContent();
    expect(oldId).toBeTruthy();

    await page.getByRole("button", { name: "End session" }).click();
    await expect(page.getByRole("status")).toHaveText("Session ended.");
    await expect(page.getByText("You have no active session")).toBeVisible();
    expect((await page.request.get("/api/session")).status()).toBe(401);

    // The next page visit starts a brand-new session.
    await page.goto("/session");
    const newId = await page.getByTestId("session-id").textContent();
    expect(newId).not.toEqual(oldId);
    expect(await visitNames(page)).toEqual(["session"]);
  });

  test.describe("without JavaScript", () => {
    test.use({ javaScriptEnabled: false });

    test("the form ends the session and the page says so", async ({ page }) => {
      await page.goto("/session");
      const oldId = await page.getByTestId("session-id").textContent();
      await page.getByRole("button", { name: "End session" }).click();
      await expect(page).toHaveURL(/\/session\?ended=1$/);
      await expect(page.getByRole("status")).toContainText("Session ended.");
      const newId = await page.getByTestId("session-id").textContent();
      expect(newId).not.toEqual(oldId);
    });
  });
});

test("a Spanish visitor's page is in Spanish from the first byte", async ({ browser }) => {
  const context = await browser.newContext({ locale: "es-ES" });
  const page = await context.newPage();
  await page.goto("/session");
  await expect(page.locator("html")).toHaveAttribute("lang", "es");
  await expect(page.getByRole("button", { name: "Terminar sesión" })).toBeVisible();
  await context.close();
});
