import { test, expect, Page } from "@playwright/test";
import { createAccount, hydrated, signIn } from "./helpers";

// Session data on /session: each key with its size and last change, kept through sign-in,
// gone with the session.

async function putData(page: Page, key: string, value: unknown, status = 201) {
  const res = await page.request.put(`/api/session/data/${key}`, { data: { value } });
  expect(res.status(), await res.text()).toBe(status);
  return res;
}

function dataSection(page: Page) {
  return page.getByRole("region", { name: /Stored data|Datos guardados/ });
}

test("the session page lists the stored keys, and the cart survives sign-in", async ({ page, request }) => {
  const email = await createAccount(request, "cart");
  await page.goto("/");
  const cart = { items: ["apple", "pear"] };
  await putData(page, "cart", cart);
  await putData(page, "draft", "Dear Ann,");
  const res = await putData(page, "draft", "Dear Ann, thank you", 200);
  expect(res.headers()["etag"]).toBe('"2"');

  await page.goto("/session");
  await hydrated(page);
  const section = dataSection(page);
  await expect(section.getByRole("heading", { name: "Stored data (2)" })).toBeVisible();
  const cartRow = section.getByRole("row", { name: /^cart/ });
  await expect(cartRow.getByRole("cell").first()).toHaveText(`${JSON.stringify(cart).length} bytes`);
  await expect(section.getByRole("row", { name: /^draft/ }).getByRole("cell").first()).toHaveText(
    `${JSON.stringify("Dear Ann, thank you").length} bytes`,
  );
  await expect(cartRow.locator("time")).toHaveAttribute("datetime", /Z$/);

  await signIn(page, email);
  await page.goto("/session");
  await expect(dataSection(page).getByRole("heading", { name: "Stored data (2)" })).toBeVisible();
  // The user's own figures, across the sessions of the account (the guest's adopted).
  const figures = page.getByRole("region", { name: "Your activity" });
  const api = await (await page.request.get("/api/analytics/me")).json();
  await expect(figures.getByTestId("total-sessions")).toHaveText(String(api.totalSessions));
  await expect(figures.getByTestId("total-page-views")).toHaveText(String(api.totalPageViews));
  expect(api.totalPageViews).toBeGreaterThanOrEqual(4);
  await expect(figures.locator("ol.top-pages")).toContainText("session");
  const kept = await page.request.get("/api/session/data/cart");
  expect(await kept.json()).toMatchObject({ key: "cart", value: cart, version: 1 });

  await hydrated(page);
  await page.getByRole("button", { name: "End session" }).click();
  await expect(page.getByRole("status")).toHaveText("Session ended.");
  await page.goto("/session");
  await expect(dataSection(page).getByText("Nothing stored in this session.")).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false, locale: "es-ES" });

  test("the list is rendered by the server, in the visitor's language", async ({ page }) => {
    await page.goto("/");
    await putData(page, "wizard.step", { paso: 3 });
    await page.goto("/session");
    const section = dataSection(page);
    await expect(section.getByRole("heading", { name: "Datos guardados (1)" })).toBeVisible();
    await expect(section.getByRole("row", { name: /^wizard\.step/ }).getByRole("cell").first()).toHaveText("10 bytes");
  });
});
