import { test, expect, Browser, Page } from "@playwright/test";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import type { Hex } from "viem";

// Sign-In with Ethereum in the browser. The wallet is a `window.ethereum` (EIP-1193) put in
// the page before its scripts run; it signs in Node with a key of the test's own (viem), so
// the server checks a real EIP-191 signature of the message the page asked it to sign.

import { LINUX_CHROME, hydrated, nav, createAccount, signIn } from "./helpers";

/// A browser context whose pages have a wallet holding `key`; returns the context and the
/// wallet's address.
async function withWallet(browser: Browser, key: Hex, opts: { refuse?: boolean } = {}) {
  const account = privateKeyToAccount(key);
  const context = await browser.newContext({ userAgent: LINUX_CHROME });
  await context.exposeFunction("__squidTestSign", async (hex: Hex) => {
    if (opts.refuse) throw new Error("User rejected the request.");
    return account.signMessage({ message: { raw: hex } });
  });
  // The address in lower case, as many wallets give it: the server writes it checksummed.
  await context.addInitScript((address: string) => {
    const w = window as unknown as Record<string, unknown>;
    w.ethereum = {
      request: async ({ method, params }: { method: string; params?: unknown[] }) => {
        if (method === "eth_requestAccounts" || method === "eth_accounts") return [address];
        if (method === "eth_chainId") return "0x1";
        if (method === "personal_sign") {
          const sign = w.__squidTestSign as (hex: string) => Promise<string>;
          return sign(String(params![0]));
        }
        throw new Error(`unsupported method ${method}`);
      },
    };
  }, account.address.toLowerCase());
  return { context, address: account.address };
}

async function signInWithWallet(page: Page) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByRole("button", { name: "Sign in with Ethereum", exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(nav(page).getByRole("button", { name: "Sign out", exact: true })).toBeVisible();
}

test.describe("Sign-In with Ethereum", () => {
  test("a wallet signs in, its first sign-in makes the account, and /devices shows it", async ({ browser }) => {
    const { context, address } = await withWallet(browser, generatePrivateKey());
    const page = await context.newPage();
    await signInWithWallet(page);
    const me = await (await page.request.get("/api/auth/me")).json();
    expect(me.user).toMatchObject({ email: null, wallet: address, role: "user" });
    // The nav names the account by its wallet, shortened.
    await expect(nav(page)).toContainText(`${address.slice(0, 6)}…${address.slice(-4)}`);

    await page.goto("/devices");
    await hydrated(page);
    await expect(page.getByTestId("linked-wallet")).toHaveText(address);
    // The wallet is this account's only way in: no "Unlink wallet", and no password to change.
    await expect(page.getByRole("button", { name: "Unlink wallet", exact: true })).toHaveCount(0);
    await expect(page.getByRole("heading", { name: "Change password" })).toHaveCount(0);

    // Signed out and in again, the wallet finds the same account.
    expect((await page.request.post("/api/auth/logout")).status()).toBe(204);
    await signInWithWallet(page);
    const me2 = await (await page.request.get("/api/auth/me")).json();
    expect(me2.user.id).toBe(me.user.id);
    await context.close();
  });

  test("without a wallet the page says one is needed; with JavaScript off it says that", async ({ browser, page }) => {
    await page.goto("/login");
    await hydrated(page);
    await expect(page.getByText("needs a wallet in this browser")).toBeVisible();
    await expect(page.getByRole("button", { name: "Sign in with Ethereum" })).toHaveCount(0);

    const noJs = await browser.newContext({ javaScriptEnabled: false });
    const plain = await noJs.newPage();
    await plain.goto("/login");
    // What the reader sees: the <noscript> note is rendered text, not DOM text.
    await expect(plain.locator("section.wallet")).toContainText("JavaScript, which is turned off", {
      useInnerText: true,
    });
    await expect(plain.getByRole("button", { name: "Sign in with Ethereum" })).toHaveCount(0);
    await noJs.close();
  });

  test("a refused signature shows an alert and signs nobody in", async ({ browser }) => {
    const { context } = await withWallet(browser, generatePrivateKey(), { refuse: true });
    const page = await context.newPage();
    await page.goto("/login");
    await hydrated(page);
    await page.getByRole("button", { name: "Sign in with Ethereum", exact: true }).click();
    await expect(page.getByRole("alert")).toContainText("did not sign");
    expect((await page.request.get("/api/auth/me")).status()).toBe(401);
    await context.close();
  });

  test("linking: one account per wallet; unlinking gives it back", async ({ browser, request }) => {
    const key = generatePrivateKey();
    const annEmail = await createAccount(request, "ann");
    const bobEmail = await createAccount(request, "bob");

    const ann = await withWallet(browser, key);
    const annPage = await ann.context.newPage();
    await signIn(annPage, annEmail);
    await annPage.goto("/devices");
    await hydrated(annPage);
    await annPage.getByRole("button", { name: "Link wallet", exact: true }).click();
    await expect(annPage.getByRole("status")).toContainText("Wallet linked");
    await expect(annPage.getByTestId("linked-wallet")).toHaveText(ann.address);

    // Bob's browser has the same wallet: linking it to his account is refused.
    const bob = await withWallet(browser, key);
    const bobPage = await bob.context.newPage();
    await signIn(bobPage, bobEmail);
    await bobPage.goto("/devices");
    await hydrated(bobPage);
    await bobPage.getByRole("button", { name: "Link wallet", exact: true }).click();
    await expect(bobPage.getByRole("alert")).toContainText("Another account already has this wallet");
    await expect(bobPage.getByTestId("linked-wallet")).toHaveCount(0);

    // The wallet signs in to Ann's account...
    const elsewhere = await withWallet(browser, key);
    const elsewherePage = await elsewhere.context.newPage();
    await signInWithWallet(elsewherePage);
    const me = await (await elsewherePage.request.get("/api/auth/me")).json();
    expect(me.user.email).toBe(annEmail);

    // ...until she unlinks it.
    await annPage.getByRole("button", { name: "Unlink wallet", exact: true }).click();
    await expect(annPage.getByRole("status")).toContainText("Wallet unlinked");
    await expect(annPage.getByRole("button", { name: "Link wallet", exact: true })).toBeVisible();
    expect((await (await annPage.request.get("/api/auth/me")).json()).user.wallet).toBeNull();

    for (const c of [ann.context, bob.context, elsewhere.context]) await c.close();
  });

  test("an account made by a wallet deletes itself without a password", async ({ browser }) => {
    const { context, address } = await withWallet(browser, generatePrivateKey());
    const page = await context.newPage();
    await signInWithWallet(page);
    await page.goto("/privacy");
    await hydrated(page);
    await expect(page.getByText("a recent wallet sign-in confirms the deletion")).toBeVisible();
    await expect(page.getByLabel("Password", { exact: true })).toHaveCount(0);
    await page.getByRole("button", { name: "Delete my account", exact: true }).click();
    await expect(page).toHaveURL(/deleted=1/);
    expect((await page.request.get("/api/auth/me")).status()).toBe(401);
    // The wallet is free: signing in again makes a new account.
    await signInWithWallet(page);
    const me = await (await page.request.get("/api/auth/me")).json();
    expect(me.user.wallet).toBe(address);
    await context.close();
  });

  test("unlinking works without JavaScript", async ({ browser, request }) => {
    const email = await createAccount(request, "cat");
    const { context } = await withWallet(browser, generatePrivateKey());
    const page = await context.newPage();
    await signIn(page, email);
    await page.goto("/devices");
    await hydrated(page);
    await page.getByRole("button", { name: "Link wallet", exact: true }).click();
    await expect(page.getByTestId("linked-wallet")).toBeVisible();
    const cookies = await context.cookies();

    const noJs = await browser.newContext({ javaScriptEnabled: false, userAgent: LINUX_CHROME });
    await noJs.addCookies(cookies);
    const plain = await noJs.newPage();
    await plain.goto("/devices");
    await plain.getByRole("button", { name: "Unlink wallet", exact: true }).click();
    await expect(plain).toHaveURL(/wallet_unlinked=1/);
    await expect(plain.getByRole("status")).toContainText("Wallet unlinked");
    await expect(plain.getByTestId("linked-wallet")).toHaveCount(0);
    await noJs.close();
    await context.close();
  });
});
