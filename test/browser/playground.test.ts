/**
 * The playground as a person uses it, in real headless Chromium (Debian's, driven by playwright-core), on a server
 * with authentication on: open /graphql, run the ready-made example (refused without a token), type the token into
 * the Headers editor, run it again and read the records off the page.
 * Every request the page makes is recorded: none may leave the loopback interface (the page is self-contained;
 * other hosts are also mapped away so a stray fetch fails instead of reaching the internet). Saves a screenshot.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { parseInstant } from "../../src/dialect";
import type { App } from "../../src/server/app";
import { startTestHttp } from "../support/gateway";

/** The browser scripts/install-browser.sh installs (or HUBQL_CHROMIUM names); null when there is none. */
const CHROMIUM =
  [process.env["HUBQL_CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
    (candidate): candidate is string => !!candidate && existsSync(candidate),
  ) ?? null;
/**
 * Root installs Chromium before the suite (scripts/install-browser.sh), so there a missing browser is a broken
 * setup and fails. An ordinary user cannot install it: the test is skipped, saying how to get it.
 */
const SKIP_REASON =
  CHROMIUM === null && process.getuid?.() !== 0
    ? "no Chromium: `sudo apt-get install chromium fonts-liberation` (or set HUBQL_CHROMIUM) to run the browser test"
    : null;
if (SKIP_REASON) console.warn(`test/browser/playground.test.ts skipped: ${SKIP_REASON}`);
const SCREENSHOT_DIR = "test-results";
const READER_TOKEN = "playground-reader-token";

interface SeenRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
}

function isLocal(url: string): boolean {
  if (url.startsWith("data:") || url.startsWith("blob:http://127.0.0.1:")) return true;
  const { protocol, hostname } = new URL(url);
  return (protocol === "http:" || protocol === "https:" || protocol === "ws:") && /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

describe.skipIf(SKIP_REASON !== null)(
  SKIP_REASON ? `playground in headless Chromium — skipped: ${SKIP_REASON}` : "playground in headless Chromium",
  () => {
    let app: App;
    let context: BrowserContext;
    let page: Page;
    let profile: string;
    const requests: SeenRequest[] = [];

    beforeAll(async () => {
      if (CHROMIUM === null) throw new Error("Chromium is missing: run scripts/install-browser.sh (as root) first");
      // Authentication on, as on a shared server: the playground page loads without a token, operations need one.
      app = await startTestHttp("sqlite", {
        auth: { tokens: `reader:${READER_TOKEN}`, tokensFile: null, allowUnauthenticatedNetwork: false },
      });
      await app.services.tasks.add([
        {
          msgId: "pg-task-1",
          label: "first unfinished",
          submitted: parseInstant("2026-11-20T10:00:00Z"),
          engineUuid: "engine-a",
        },
        {
          msgId: "pg-task-2",
          label: "done",
          submitted: parseInstant("2026-11-20T10:01:00Z"),
          completed: parseInstant("2026-11-20T10:02:00Z"),
        },
        { msgId: "pg-task-3", label: "second unfinished", submitted: parseInstant("2026-11-20T10:03:00Z") },
      ]);
      profile = mkdtempSync(join(tmpdir(), "hubql-chromium-"));
      // A fresh profile per run: no state (tabs, headers) from an earlier run.
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ],
        viewport: { width: 1400, height: 900 },
      });
      page = context.pages()[0] ?? (await context.newPage());
      page.on("request", (request) =>
        requests.push({
          url: request.url(),
          method: request.method(),
          headers: request.headers(),
          body: request.postData(),
        }),
      );
    });

    afterAll(async () => {
      await context?.close();
      await app?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    const graphqlPosts = () => requests.filter((r) => r.method === "POST" && r.url === `${app.url}/graphql`);
    /** Replaces the active tab's headers the way a person does: open Headers, select all, type. */
    async function typeIntoHeaders(text: string): Promise<void> {
      await page.locator('.graphiql-editor-tools button[data-name="headers"]').click();
      await page.locator('section[aria-label="Headers"] .monaco-editor[data-uri$="headers.json"]').click();
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.insertText(text);
      // The editor auto-closes brackets and quotes as text arrives; drop whatever it added after the cursor.
      await page.keyboard.press("Shift+End");
      await page.keyboard.press("Delete");
    }
    const resultText = async () => (await page.locator(".result-window").innerText()).replace(/\u00a0/g, " ");

    it("serves GraphiQL from hubql itself, with the examples in tabs", async () => {
      const response = await page.goto(`${app.url}/graphql`);
      expect(response?.headers()["content-type"]).toContain("text/html");
      await page.locator(".graphiql-execute-button").waitFor({ timeout: 20_000 });
      // GraphiQL asks for the schema at once (anonymous: authentication is on, so this one is refused).
      await expect.poll(() => graphqlPosts().some((r) => r.body?.includes("__schema"))).toBe(true);
      expect(await page.locator(".graphiql-tab").allInnerTexts()).toEqual([
        "UnfinishedTasks",
        "FindTasks",
        "FlowsAndJobs",
        "JobChanges",
        "Queue",
      ]);
      expect(await page.locator(".graphiql-tab-active").innerText()).toContain("UnfinishedTasks");
    });

    it("runs the example without a token and shows UNAUTHENTICATED on the page", async () => {
      await page.locator(".graphiql-execute-button").click();
      await expect.poll(resultText, { timeout: 15_000 }).toContain("UNAUTHENTICATED");
      expect(await resultText()).not.toContain("pg-task-1");
    });

    it("with the token typed into the Headers editor, runs the example and shows the records on the page", async () => {
      await typeIntoHeaders(`{"Authorization": "Bearer ${READER_TOKEN}"}`);
      const before = graphqlPosts().length;
      await page.locator(".graphiql-execute-button").click();
      await expect.poll(resultText, { timeout: 15_000 }).toContain('"totalCount": 2');
      expect(
        graphqlPosts()
          .slice(before)
          .map((r) => r.headers["authorization"]),
      ).toEqual([`Bearer ${READER_TOKEN}`]);
      const text = await resultText();
      expect(text.indexOf("pg-task-1")).toBeGreaterThan(-1);
      expect(text.indexOf("pg-task-3")).toBeGreaterThan(text.indexOf("pg-task-1"));
      expect(text).not.toContain("pg-task-2");
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, "playground.png") });
    });

    it("runs every other example tab without errors", async () => {
      for (const title of ["FindTasks", "FlowsAndJobs", "Queue"]) {
        await page.locator(".graphiql-tab", { hasText: title }).click();
        // A new tab starts with its own headers: the token goes in again.
        await typeIntoHeaders(`{"Authorization": "Bearer ${READER_TOKEN}"}`);
        await page.locator(".graphiql-execute-button").click();
        await expect.poll(resultText, { timeout: 15_000, message: title }).toContain('"totalCount"');
        expect(await resultText(), title).not.toContain('"errors"');
      }
    });

    it("runs the subscription tab over WebSocket, the token in connection_init, and shows changes as they come", async () => {
      const sockets: string[] = [];
      page.on("websocket", (socket) => sockets.push(socket.url()));
      // Tabs slide into place after a switch; a click while they move can miss: click until it is active.
      await expect
        .poll(async () => {
          await page.locator(".graphiql-tab", { hasText: "JobChanges" }).click();
          return page.locator(".graphiql-tab-active").innerText();
        })
        .toContain("JobChanges");
      await typeIntoHeaders(`{"Authorization": "Bearer ${READER_TOKEN}"}`);
      await page.locator(".graphiql-execute-button").click();
      await expect.poll(() => app.services.changes.active, { timeout: 15_000 }).toBe(1);
      await app.services.flows.submission.addFlow({ name: "watched-flow", jobs: [{ name: "watched-job" }] });
      await expect.poll(resultText, { timeout: 15_000 }).toContain('"name": "watched-job"');
      expect(await resultText()).toContain('"kind": "ADDED"');
      expect(sockets).toEqual([`${app.url.replace("http", "ws")}/graphql`]);
      await page.screenshot({ path: join(SCREENSHOT_DIR, "playground-subscription.png") });
      // Stopping it (the same button) ends the subscription on the server.
      await page.locator(".graphiql-execute-button").click();
      await expect.poll(() => app.services.changes.active, { timeout: 15_000 }).toBe(0);
    });

    it("made no request to a non-loopback address", () => {
      expect(requests.length).toBeGreaterThan(2);
      expect(requests.filter((request) => !isLocal(request.url)).map((request) => request.url)).toEqual([]);
    });
  },
);
