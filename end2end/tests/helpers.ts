import { expect, Browser, Page, APIRequestContext } from "@playwright/test";

// What the account and privacy specs share: believable devices, unique accounts, signing
// in through the real form.

export const PASSWORD = "correct horse battery staple";

// Two believable devices. The server ends a session presented with another User-Agent than
// the one it started with, so each device keeps one, for its pages and its API calls alike.
export const LINUX_CHROME =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";
export const WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
export const IPHONE_SAFARI =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

export function uniqueEmail(who: string): string {
  const tag = `${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
  return `${who}-${tag}@example.com`;
}

export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

export function nav(page: Page) {
  return page.getByRole("navigation");
}

/// Creates an account through the JSON API, in a request context of its own (so no browser
/// context of the test is signed in by it). Registering signs that context in, and its
/// session would be one more device of the account: it signs out again at once.
export async function createAccount(request: APIRequestContext, who: string, displayName?: string) {
  const email = uniqueEmail(who);
  const res = await request.post("/api/auth/register", {
    data: displayName ? { email, password: PASSWORD, displayName } : { email, password: PASSWORD },
  });
  expect(res.status(), await res.text()).toBe(201);
  expect((await request.post("/api/auth/logout")).status()).toBe(204);
  return email;
}

/// Signs in through the /login form and waits for the home page that follows.
export async function signIn(page: Page, email: string, password = PASSWORD, opts: { js?: boolean } = {}) {
  const js = opts.js ?? true;
  await page.goto("/login");
  if (js) await hydrated(page);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(nav(page).getByRole("button", { name: "Sign out", exact: true })).toBeVisible();
}

/// A browser context that is one "device", signed in as `email`.
export async function device(browser: Browser, email: string, userAgent: string, js = true) {
  const context = await browser.newContext({ userAgent, javaScriptEnabled: js });
  const page = await context.newPage();
  await signIn(page, email, PASSWORD, { js });
  return { context, page };
}

export async function expectSignedOut(page: Page) {
  await expect(nav(page).getByRole("link", { name: "Sign in", exact: true })).toBeVisible();
  await expect(nav(page).getByRole("button", { name: "Sign out", exact: true })).toHaveCount(0);
  expect((await page.request.get("/api/auth/me")).status()).toBe(401);
}
