// Headless Chromium (Debian's, driven by playwright-core) against real PocketBase, both versions:
// a fresh browser at /_/ sees the unknown-path 404; the secret path leads to the admin UI, where a
// superuser logs in and the dashboard lists the collections.
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, CHROMIUM_ARGS } from "../../scripts/chromium.mjs";
import { POCKETBASE_VERSIONS, SUPERUSER, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";

const ADMIN_PATH = "/Hq7nV2cX9tR4mK8wP3zL";

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  let pb: RunningPocketBase;
  let browser: Browser;
  beforeAll(async () => {
    [pb, browser] = await Promise.all([
      startPocketBase({ version, env: { PB_ADMIN_PATH: ADMIN_PATH } }),
      chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await pb?.stop();
  });

  it("a fresh browser at /_/ gets the same 404 as an unknown path", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const admin = await page.goto(`${pb.url}/_/`);
    // biome-ignore lint/performance/useDomNodeTextContent: the text a person sees is the point
    const adminText = await page.locator("body").innerText();
    const unknown = await page.goto(`${pb.url}/nothing-here-${Date.now()}`);
    // biome-ignore lint/performance/useDomNodeTextContent: the text a person sees is the point
    const unknownText = await page.locator("body").innerText();
    expect(admin!.status()).toBe(404);
    expect(unknown!.status()).toBe(404);
    expect(adminText).toBe(unknownText);
    expect(adminText).not.toContain("PocketBase");
    expect((await context.cookies()).length).toBe(0);
    await context.close();
  });

  it("the secret path leads to the admin UI; login works and the dashboard lists collections", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const res = await page.goto(`${pb.url}${ADMIN_PATH}`);
    expect(res!.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/_/");
    const [gate] = await context.cookies();
    expect(gate).toMatchObject({ name: "pbops_gate", httpOnly: true, sameSite: "Strict", path: "/" });
    expect(gate!.expires).toBeGreaterThan(Date.now() / 1000 + 3600);

    await page.locator('input[type="email"], input[autocomplete="email"], input[name="identity"]').first().fill(SUPERUSER.email);
    await page.locator('input[type="password"]').first().fill(SUPERUSER.password);
    const login = page.waitForResponse((r) => r.url().includes("/api/collections/_superusers/auth-with-password"));
    await page.locator("form").getByRole("button", { name: /login/i }).click();
    expect((await login).status()).toBe(200);
    // The dashboard loads the collections list with the new token and shows the default "users".
    await page.getByText("users", { exact: true }).first().waitFor({ timeout: 15_000 });
    expect(page.url()).toMatch(/\/_\/#\/collections/);
    await context.close();
  });
});
