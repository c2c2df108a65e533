// Drives a running code-server with playwright-core + Debian chromium (adapted from the
// shared vscode-harness; owned by this project). Configured through env (run-in-vscode.sh):
//   HARNESS_URL, HARNESS_OUT_DIR, HARNESS_WAIT_FILES, HARNESS_TIMEOUT_S, HARNESS_CHROMIUM
//   HARNESS_STEPS  ';;'-separated steps, run in order after the wait files appeared:
//     command:<palette title>   run a command through F1 as a user would
//     open:<file>               Quick Open (Ctrl+P) a file
//     problems                  open the Problems panel and save its text to problems.txt
//     wait:<css>                wait for an element of the workbench
//     frame:<css>               wait for an element inside any frame (webviews)
//     key:<keys>                press keys (Playwright syntax, e.g. Control+B)
//     screenshot:<name.png>     save a screenshot into the out dir
//   Without HARNESS_STEPS: HARNESS_COMMANDS / HARNESS_OPEN_FILE, then problems + screenshot.png.
//   HARNESS_UI_DIR  while the suite runs, answers its UI requests (ui-requests.mjs): a request
//     <n>.json is done as a user would (click a dialog button, type into an input box, pick a
//     quick-pick row, look for a diff editor, read a status bar item, read a side-bar view's rows or
//     click a row's inline action, read the open walkthrough's steps) and answered with
//     <n>.done.json (what was on screen).
import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const env = process.env;
const url = env.HARNESS_URL;
const out = env.HARNESS_OUT_DIR;
const waitFiles = (env.HARNESS_WAIT_FILES || "").split(/\s+/).filter(Boolean);
const timeoutMs = Number(env.HARNESS_TIMEOUT_S || 180) * 1000;
const t0 = Date.now();
const log = (...a) => console.log(`[drive +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const split = (s) => (s || "").split(";;").map((x) => x.trim()).filter(Boolean);

function steps() {
  if (env.HARNESS_STEPS) return split(env.HARNESS_STEPS);
  const s = split(env.HARNESS_COMMANDS).map((c) => `command:${c}`);
  if (env.HARNESS_OPEN_FILE) s.push(`open:${env.HARNESS_OPEN_FILE}`);
  s.push("problems", "screenshot:screenshot.png");
  return s;
}

async function waitForFile(f, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (fs.existsSync(f)) return true; await sleep(250); }
  return false;
}

/** Waits until some frame (the page or a nested webview iframe) has `selector`. */
async function waitInFrames(page, selector, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      if (await f.$(selector).catch(() => null)) return f;
    }
    await sleep(250);
  }
  return undefined;
}

/** Does one UI request as a user would; returns what the screen showed. Never logs typed text. */
async function doUiRequest(page, req) {
  const t = req.timeoutMs ?? 30000;
  switch (req.do) {
    case "dialog": {
      const box = page.locator(".monaco-dialog-box:visible").first();
      await box.waitFor({ state: "visible", timeout: t });
      const text = await box.innerText();
      const buttons = await box.locator(".dialog-buttons .monaco-button").allInnerTexts();
      await box.locator(".dialog-buttons .monaco-button", { hasText: req.button }).first().click({ timeout: t });
      await page.locator(".monaco-dialog-box:visible").waitFor({ state: "detached", timeout: t }).catch(() => undefined);
      return { text, buttons };
    }
    case "input": {
      // Closed quick inputs stay in the DOM, hidden: only the visible one counts.
      const widget = page.locator(".quick-input-widget:visible").first();
      const input = widget.locator("input:visible").first();
      await input.waitFor({ state: "visible", timeout: t });
      const type = await input.getAttribute("type");
      const value = await input.inputValue();
      const title = await widget.locator(".quick-input-title").innerText().catch(() => "");
      const message = await widget.locator(".quick-input-message").innerText().catch(() => "");
      if (req.text !== undefined) await input.fill(req.text);
      await page.keyboard.press("Enter");
      return { type, value: type === "password" ? undefined : value, title, message };
    }
    case "pick": {
      const rows = page.locator(".quick-input-widget .quick-input-list .monaco-list-row:visible");
      const row = rows.filter({ hasText: req.label }).first();
      await row.waitFor({ state: "visible", timeout: t });
      const labels = await rows.allInnerTexts();
      await row.click({ timeout: t });
      return { labels };
    }
    case "accept": {
      const widget = page.locator(".quick-input-widget:visible").first();
      const rows = widget.locator(".quick-input-list .monaco-list-row:visible");
      await rows.first().waitFor({ state: "visible", timeout: t });
      const labels = await rows.allInnerTexts();
      const title = await widget.locator(".quick-input-title").innerText().catch(() => "");
      const message = await widget.locator("input:visible").first().getAttribute("placeholder").catch(() => "");
      await page.keyboard.press("Enter");
      await widget.waitFor({ state: "hidden", timeout: t }).catch(() => undefined);
      return { labels, title, message };
    }
    case "diff": {
      await page.locator(".monaco-diff-editor").first().waitFor({ state: "visible", timeout: t });
      const tab = await page.locator(".tabs-container .tab.active").first().innerText().catch(() => "");
      return { tab };
    }
    case "statusbar": {
      // An extension's item is the element whose id is `<extension id>.<item id>`; its text is
      // what the user reads, its codicons are spans without text, its tooltip shows on hover.
      const item = page.locator(`.part.statusbar .statusbar-item[id="${req.id}"]`).first();
      await item.waitFor({ state: "visible", timeout: t }).catch(async () => {
        const ids = await page.locator(".part.statusbar .statusbar-item").evaluateAll((els) => els.map((e) => e.id));
        throw new Error(`no visible status bar item ${req.id}; items: ${ids.join(", ")}`);
      });
      const text = (await item.innerText()).trim();
      const icons = await item.locator(".codicon").evaluateAll((els) => els.flatMap((e) => [...e.classList].filter((c) => c.startsWith("codicon-"))));
      let tooltip;
      if (req.hover) {
        await item.hover();
        const hover = page.locator(".workbench-hover:visible, .monaco-hover:visible").first();
        await hover.waitFor({ state: "visible", timeout: t });
        tooltip = (await hover.innerText()).trim();
        await page.mouse.move(700, 400);
        await page.keyboard.press("Escape");
      }
      return { text, icons, tooltip };
    }
    case "view": {
      // A view pane of the side bar by its title: its rows (or welcome text) as shown.
      const pane = viewPane(page, req.title);
      await pane.waitFor({ state: "visible", timeout: t });
      const body = pane.locator(".pane-body");
      await body.locator(".monaco-list-row:visible, .welcome-view-content:visible").first().waitFor({ state: "visible", timeout: t });
      const labels = await body.locator(".monaco-list-row:visible").allInnerTexts();
      const text = await body.innerText();
      if (req.screenshot) {
        if (req.sidebarWidth) {
          // Drag the side bar's sash as a user would, so the rows' descriptions fit.
          const box = await page.locator(".part.sidebar").boundingBox();
          if (box) {
            const y = box.y + box.height / 2;
            await page.mouse.move(box.x + box.width, y);
            await page.mouse.down();
            await page.mouse.move(box.x + req.sidebarWidth, y, { steps: 8 });
            await page.mouse.up();
          }
        }
        // No hover left from an earlier click over the picture.
        await page.mouse.move(1100, 650);
        await page.locator(".monaco-hover:visible").first().waitFor({ state: "hidden", timeout: 5000 }).catch(() => undefined);
        await page.screenshot({ path: path.join(out, path.basename(req.screenshot)) });
      }
      return { labels, text };
    }
    case "row": {
      // Click a tree row (a row without a command expands or collapses).
      const row = viewPane(page, req.title).locator(".monaco-list-row").filter({ hasText: req.row }).first();
      await row.click({ timeout: t });
      return { labels: [await row.getAttribute("aria-expanded") ?? ""] };
    }
    case "inline": {
      // An inline action of a tree row, clicked as a user would: hover the row, click its button.
      const row = viewPane(page, req.title).locator(".monaco-list-row").filter({ hasText: req.row }).first();
      await row.waitFor({ state: "visible", timeout: t });
      await row.hover({ timeout: t });
      const button = row.locator(`.actions .action-label[aria-label^="${req.action}"]`).first();
      const actions = await row.locator(".actions .action-label").evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") || ""));
      await button.click({ timeout: t });
      return { labels: actions };
    }
    case "walkthrough": {
      // The open walkthrough's steps: data-step-id=aria-checked, as the page renders them.
      const steps = page.locator("button.getting-started-step");
      await steps.first().waitFor({ state: "attached", timeout: t });
      const labels = await steps.evaluateAll((els) => els.map((e) => `${e.getAttribute("data-step-id")}=${e.getAttribute("aria-checked")}`));
      return { labels };
    }
    default:
      throw new Error(`unknown UI request ${JSON.stringify(req.do)}`);
  }
}

/** The side-bar pane whose header title is `title` (headers are upper-cased by CSS only). */
function viewPane(page, title) {
  const re = new RegExp(`^\\s*${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`, "i");
  return page.locator(".pane", { has: page.locator(".pane-header h3.title", { hasText: re }) }).first();
}

async function answerUiRequests(page, dir, stop) {
  fs.mkdirSync(dir, { recursive: true });
  while (!stop()) {
    for (const f of fs.readdirSync(dir).filter((n) => /^\d+\.json$/.test(n)).sort()) {
      const file = path.join(dir, f);
      const req = JSON.parse(fs.readFileSync(file, "utf8"));
      fs.rmSync(file); // it may carry a typed secret: gone before anything else happens
      log("ui request", req.do, req.button ?? req.label ?? "");
      let answer;
      try {
        answer = { ok: true, ...(await doUiRequest(page, req)) };
      } catch (e) {
        answer = { ok: false, error: String(e.message || e) };
        await page.screenshot({ path: path.join(out, `ui-request-${f.replace(".json", "")}-failed.png`) }).catch(() => { /* the failure is reported in the answer; the screenshot is extra */ });
      }
      const done = path.join(dir, f.replace(".json", ".done.json"));
      fs.writeFileSync(done + ".tmp", JSON.stringify(answer));
      fs.renameSync(done + ".tmp", done);
    }
    await sleep(200);
  }
}

const browser = await chromium.launch({
  executablePath: env.HARNESS_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});
let failed = false;
const consoleLog = fs.createWriteStream(path.join(out, "browser-console.log"));
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.on("console", (m) => consoleLog.write(`[${m.type()}] ${m.text()}\n`));
  page.on("pageerror", (e) => consoleLog.write(`[pageerror] ${e.stack || e}\n`));
  log("open", url);
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: timeoutMs });
  await page.waitForSelector(".monaco-workbench", { timeout: timeoutMs });
  log("workbench visible");

  let uiDone = false;
  const uiLoop = env.HARNESS_UI_DIR ? answerUiRequests(page, env.HARNESS_UI_DIR, () => uiDone) : Promise.resolve();
  for (const f of waitFiles) {
    const ok = await waitForFile(f, Math.max(1000, timeoutMs - (Date.now() - t0)));
    log(ok ? "found" : "TIMEOUT waiting for", f);
    if (!ok) failed = true;
  }
  uiDone = true;
  await uiLoop;

  const quickInput = async (key, text) => {
    await page.locator(".monaco-workbench").click({ position: { x: 700, y: 400 } }).catch(() => { /* best effort: the workbench may have focus already */ });
    await page.keyboard.press(key);
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible", timeout: 15000 });
    await input.fill(text);
    // Wait for the list to show a row for what was typed, not a fixed time.
    await page.locator(".quick-input-list .monaco-list-row").first().waitFor({ state: "visible", timeout: 15000 }).catch(() => log("no quick-input row for", text));
    await sleep(300); // the list re-sorts as results stream in
    await page.keyboard.press("Enter");
  };

  for (const step of steps()) {
    const i = step.indexOf(":");
    const [kind, arg] = i < 0 ? [step, ""] : [step.slice(0, i), step.slice(i + 1)];
    log("step", kind, arg);
    switch (kind) {
      case "command":
        await quickInput("F1", ">" + arg);
        await sleep(1000);
        break;
      case "open":
        await quickInput("Control+P", arg);
        await page.waitForSelector(".monaco-editor .view-lines", { timeout: 15000 }).catch(() => { /* best effort: later steps fail visibly if no editor opened */ });
        await sleep(1500); // squiggles render after the language server answers
        break;
      case "problems": {
        await page.keyboard.press("Control+Shift+M");
        await page.waitForSelector(".markers-panel", { timeout: 15000 }).catch(() => log("no .markers-panel"));
        await sleep(1500);
        const problems = await page.locator(".markers-panel").innerText({ timeout: 3000 }).catch(() => "");
        fs.writeFileSync(path.join(out, "problems.txt"), problems);
        log("problems panel:", JSON.stringify(problems.slice(0, 300)));
        break;
      }
      case "wait":
        await page.waitForSelector(arg, { timeout: 30000 }).catch(() => { log("TIMEOUT waiting for", arg); failed = true; });
        break;
      case "frame": {
        const f = await waitInFrames(page, arg, 60000);
        if (!f) { log("TIMEOUT waiting in frames for", arg); failed = true; }
        await sleep(500);
        break;
      }
      case "key":
        await page.keyboard.press(arg);
        await sleep(500);
        break;
      case "screenshot":
        await page.screenshot({ path: path.join(out, arg) });
        log("screenshot saved", arg);
        break;
      default:
        log("unknown step", step);
        failed = true;
    }
  }
  const toasts = await page.locator(".notifications-toasts").innerText({ timeout: 3000 }).catch(() => "");
  fs.writeFileSync(path.join(out, "notifications.txt"), toasts);
  log("notifications:", JSON.stringify(toasts.slice(0, 300)));
} catch (e) {
  failed = true;
  log("ERROR", e.stack || e);
  try { const p = browser.contexts()[0]?.pages()[0]; if (p) await p.screenshot({ path: path.join(out, "screenshot-error.png") }); } catch { /* the error above is what is reported */ }
} finally {
  consoleLog.end();
  await browser.close();
}
process.exit(failed ? 1 : 0);
