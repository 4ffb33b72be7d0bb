import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import type { Result } from "axe-core";
import { LINUX_CHROME, WINDOWS_FIREFOX, uniqueEmail, hydrated, createAccount, device } from "./helpers";

// Accessibility: axe-core on every page the app serves, as a guest and signed in, in every
// theme, under both of the browser's colour schemes, with the page in the states that show
// what a bare visit does not (a form's status and alert, a second device on /devices, a
// session with pages and actions). A serious or critical WCAG 2 A/AA violation fails.

const THEMES = ["light", "dark"] as const;
type Theme = (typeof THEMES)[number];

// The app's theme comes from the server (<html data-theme>); the browser's colour scheme
// must not change what passes. Were a "system" theme added, these two would be the ones
// it follows.
const SCHEMES = ["light", "dark"] as const;

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const BLOCKING = new Set(["serious", "critical"]);

// Each test runs axe 20 or 34 times (every page and state, under both colour schemes): more than the
// default 30 s on the 2-core machine.
test.describe.configure({ timeout: 120_000 });

function readable(where: string, violations: Result[]): string[] {
  return violations.map((v) => {
    const nodes = v.nodes
      .map((n) => {
        const summary = (n.failureSummary ?? "").replace(/\s*\n\s*/g, " ").trim();
        const html = n.html.length > 160 ? `${n.html.slice(0, 160)}…` : n.html;
        return `    ${n.target.join(" ")}  ${html}\n      ${summary}`;
      })
      .join("\n");
    return `${where}: ${v.id} (${v.impact}) ${v.help} [${v.helpUrl}]\n${nodes}`;
  });
}

/// Runs axe on the page as it is now, once under each colour scheme, and returns a
/// readable line per serious or critical violation (and attaches every violation found).
async function audit(page: Page, label: string, theme: Theme, include?: string): Promise<string[]> {
  await expect(page.locator("html")).toHaveAttribute("data-theme", theme);
  const failures: string[] = [];
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    let builder = new AxeBuilder({ page }).withTags(TAGS);
    if (include) builder = builder.include(include);
    const { violations } = await builder.analyze();
    const where = `${label} [theme ${theme}, scheme ${colorScheme}]`;
    if (violations.length > 0) {
      await test.info().attach(`axe ${where}`, {
        body: JSON.stringify(violations, null, 2),
        contentType: "application/json",
      });
    }
    failures.push(...readable(where, violations.filter((v) => BLOCKING.has(v.impact ?? ""))));
  }
  await page.emulateMedia({ colorScheme: null });
  return failures;
}

async function visit(page: Page, path: string, label: string, theme: Theme): Promise<string[]> {
  await page.goto(path);
  await hydrated(page);
  return audit(page, label, theme);
}

/// Chooses the theme the way a visitor does, on /preferences, and audits that page with
/// the form's status showing.
async function chooseTheme(page: Page, theme: Theme): Promise<string[]> {
  await page.goto("/preferences");
  await hydrated(page);
  await page.getByLabel("Theme", { exact: true }).selectOption(theme);
  await page.getByRole("button", { name: "Save preferences", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText("Preferences saved.");
  return audit(page, "/preferences (saved)", theme);
}

/// The danger buttons hovered and focused: the states a pointer and a keyboard user see.
async function auditDangerStates(page: Page, label: string, theme: Theme): Promise<string[]> {
  const failures: string[] = [];
  const buttons = page.locator("button.danger");
  const count = await buttons.count();
  expect(count, `${label} has a danger button`).toBeGreaterThan(0);
  for (let i = 0; i < count; i++) {
    await buttons.nth(i).hover();
    failures.push(...(await audit(page, `${label} (danger button ${i + 1} hovered)`, theme, "button.danger")));
    await buttons.nth(i).focus();
    failures.push(...(await audit(page, `${label} (danger button ${i + 1} focused)`, theme, "button.danger")));
  }
  await page.mouse.move(0, 0);
  return failures;
}

function report(failures: string[]): string {
  return `${failures.length} serious or critical axe violation(s):\n\n${failures.join("\n\n")}`;
}

test("the preferences form offers exactly the themes this spec checks", async ({ page }) => {
  await page.goto("/preferences");
  const values = await page.getByLabel("Theme", { exact: true }).locator("option").evaluateAll((options) =>
    options.map((o) => (o as HTMLOptionElement).value),
  );
  expect(values.sort()).toEqual([...THEMES].sort());
});

for (const theme of THEMES) {
  test.describe(`axe-core, ${theme} theme`, () => {
    test("a guest's pages", async ({ page }) => {
      const failures: string[] = [];
      failures.push(...(await chooseTheme(page, theme)));
      failures.push(...(await visit(page, "/", "/", theme)));
      failures.push(...(await visit(page, "/register", "/register", theme)));
      failures.push(...(await visit(page, "/login", "/login", theme)));

      // A failed sign-in shows an alert.
      await page.getByLabel("Email", { exact: true }).fill(uniqueEmail("nobody"));
      await page.getByLabel("Password", { exact: true }).fill("not the password");
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await expect(page.getByRole("alert")).not.toBeEmpty();
      failures.push(...(await audit(page, "/login (alert)", theme)));

      failures.push(...(await visit(page, "/session", "/session", theme)));
      failures.push(...(await auditDangerStates(page, "/session", theme)));

      // A page for signed-in users sends a guest to /login; an unknown path is a 404 page.
      await page.goto("/devices");
      await expect(page).toHaveURL(/\/login$/);
      const missing = await page.goto("/no-such-page");
      expect(missing?.status()).toBe(404);
      await hydrated(page);
      failures.push(...(await audit(page, "404 page", theme)));

      // Signed out: the home page says so.
      await page.goto("/?signed_out=1");
      await hydrated(page);
      await expect(page.getByRole("status")).not.toBeEmpty();
      failures.push(...(await audit(page, "/?signed_out=1", theme)));

      expect(failures, report(failures)).toEqual([]);
    });

    test("a signed-in user's pages, with a second device and the consent prompt", async ({ browser, request }) => {
      const email = await createAccount(request, `axe-${theme}`, "Axe Tester");
      const a = await device(browser, email, LINUX_CHROME);
      const b = await device(browser, email, WINDOWS_FIREFOX);
      try {
        const page = a.page;
        const failures: string[] = [];
        // The account's theme, chosen on /preferences (the consent prompt is on every page
        // until answered).
        failures.push(...(await chooseTheme(page, theme)));
        await expect(page.getByRole("complementary", { name: "Your privacy choices" })).toBeVisible();
        failures.push(...(await visit(page, "/", "/ (signed in, consent prompt)", theme)));

        // A session with pages (more than one page of them) and an action.
        for (let i = 1; i <= 11; i++) {
          const res = await page.request.post("/api/session/page", { data: { page: `page-${i}` } });
          expect(res.ok(), await res.text()).toBe(true);
        }
        const action = await page.request.post("/api/session/action", { data: { action: "clicked on Settings" } });
        expect(action.ok(), await action.text()).toBe(true);
        await page.goto("/session");
        await hydrated(page);
        await expect(page.getByRole("link", { name: "Next" })).toBeVisible();
        failures.push(...(await audit(page, "/session (signed in)", theme)));
        failures.push(...(await auditDangerStates(page, "/session (signed in)", theme)));

        await page.goto("/devices");
        await hydrated(page);
        await expect(page.getByTestId("device-row")).toHaveCount(2);
        await expect(page.getByRole("button", { name: "Sign out all other devices", exact: true })).toBeVisible();
        failures.push(...(await audit(page, "/devices (two devices)", theme)));
        failures.push(...(await auditDangerStates(page, "/devices", theme)));

        // A wrong current password: the alert.
        await page.getByLabel("Current password", { exact: true }).fill("not the password");
        await page.getByLabel("New password", { exact: true }).fill("a brand new password");
        await page.getByRole("button", { name: "Change password", exact: true }).click();
        await expect(page.getByRole("alert").filter({ hasText: "not correct" })).toBeVisible();
        failures.push(...(await audit(page, "/devices (alert)", theme)));

        // The other device signed out: the status.
        const other = page.getByTestId("device-row").filter({ hasNotText: "This device" });
        await other.getByRole("button", { name: "Sign out", exact: true }).click();
        await expect(page.getByRole("status")).toHaveText("The device was signed out.");
        failures.push(...(await audit(page, "/devices (status)", theme)));

        await page.goto("/privacy");
        await hydrated(page);
        await expect(page.getByRole("button", { name: "Delete my account", exact: true })).toBeVisible();
        failures.push(...(await audit(page, "/privacy", theme)));
        failures.push(...(await auditDangerStates(page, "/privacy", theme)));

        // Consent saved: the status and the history table.
        await page.getByRole("checkbox", { name: "Marketing", exact: true }).check();
        await page.getByRole("button", { name: "Save consent", exact: true }).click();
        await expect(page.getByRole("status")).toContainText("consent choices were saved");
        await expect(page.getByTestId("consent-record")).toHaveCount(2);
        failures.push(...(await audit(page, "/privacy (consent saved)", theme)));

        // A wrong password for "Delete my account": the alert (the account stays).
        await page.getByLabel("Password", { exact: true }).fill("not the password");
        await page.getByRole("button", { name: "Delete my account", exact: true }).click();
        await expect(page.getByRole("alert").filter({ hasText: "not correct" })).toBeVisible();
        failures.push(...(await audit(page, "/privacy (alert)", theme)));

        failures.push(...(await visit(page, "/preferences", "/preferences (signed in)", theme)));
        const missing = await page.goto("/no-such-page");
        expect(missing?.status()).toBe(404);
        await hydrated(page);
        failures.push(...(await audit(page, "404 page (signed in)", theme)));

        expect(failures, report(failures)).toEqual([]);
      } finally {
        await a.context.close();
        await b.context.close();
      }
    });
  });
}
