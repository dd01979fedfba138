// The web build in a real browser: serves web/dist on 127.0.0.1, loads it in Debian's headless
// Chromium (playwright-core drives it over the DevTools protocol; no browser is downloaded) and
// checks, as a student would see it:
//   1. the first frame is drawn (the canvas is not blank) and names the default scenario;
//   2. Space plays or pauses, and playing changes the picture;
//   3. a link made here (deflate-raw + base64url, written independently of the Rust side)
//      opens its scenario, at start and when the address changes;
//   4. a corrupted link shows the positioned error and the app keeps running.
// It prints the measurements the issue asks for: time to first frame, wasm size, the default
// race's steps per second and the app's frame time while playing.
//
//   node tests/web/smoke.mjs [--dist web/dist] [--shots DIR]

import { chromium } from "playwright-core";
import { PNG } from "pngjs";
import { createServer } from "node:http";
import { readFile, stat, mkdir, writeFile } from "node:fs/promises";
import { deflateRawSync, gzipSync } from "node:zlib";
import { join, extname, resolve } from "node:path";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const root = resolve(new URL("../..", import.meta.url).pathname);
const dist = resolve(option("--dist", join(root, "web/dist")));
const shots = option("--shots", null);

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
};
const server = createServer(async (req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  const file = join(dist, path === "/" ? "index.html" : path);
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const base = `http://127.0.0.1:${server.address().port}/`;

let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures += 1;
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
const logs = [];
page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));

const data = () => page.evaluate(() => ({ ...document.body.dataset, title: document.title }));
const waitFor = async (predicate, ms, what) => {
  const end = Date.now() + ms;
  for (;;) {
    const d = await data();
    if (predicate(d)) return d;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(d)}`);
    await page.waitForTimeout(100);
  }
};
const shot = async (name) => {
  const png = PNG.sync.read(await page.screenshot());
  if (shots) {
    await mkdir(shots, { recursive: true });
    await writeFile(join(shots, `${name}.png`), PNG.sync.write(png));
  }
  return png;
};
const colours = (png) => {
  const seen = new Set();
  for (let i = 0; i < png.data.length; i += 4 * 7) {
    seen.add(png.data.readUInt32LE(i));
    if (seen.size > 1000) break;
  }
  return seen.size;
};
const changed = (a, b) => {
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) if (a.data.readUInt32LE(i) !== b.data.readUInt32LE(i)) n += 1;
  return n / (a.data.length / 4);
};
const linkTo = (text, step) =>
  `#s=${deflateRawSync(Buffer.from(text), { level: 9 }).toString("base64url")}${step ? `&step=${step}` : ""}`;
const nameOf = (text) => /name:\s*"([^"]*)"/.exec(text)[1];

try {
  // 1. First frame.
  const started = Date.now();
  await page.goto(base);
  const first = await waitFor((d) => d.optivizScenario, 180_000, "the first frame");
  const firstFrameMs = Date.now() - started;
  const still = await shot("first-frame");
  check(colours(still) >= 50, `the first frame is drawn (${colours(still)} colours sampled)`);
  const defaultText = await readFile(join(root, "presets/04-momentum-vs-gd.ron"), "utf8");
  check(first.optivizScenario === nameOf(defaultText), `it shows the default scenario ("${first.optivizScenario}")`);
  check(first.title.includes(first.optivizScenario), `the tab's title names it ("${first.title}")`);


  // Files the app writes are downloads: Save as (Ctrl+Shift+S) gives the preset, F12 a
  // screenshot.
  await page.locator("canvas").focus();
  const download = async (press) => {
    const pending = page.waitForEvent("download", { timeout: 60_000 });
    await page.keyboard.press(press);
    const dl = await pending;
    return { name: dl.suggestedFilename(), bytes: await readFile(await dl.path()) };
  };
  const saved = await download("Control+Shift+S");
  check(
    saved.name.endsWith(".ron") && saved.bytes.toString().includes(`name: "${first.optivizScenario}"`),
    `Save as downloads the preset (${saved.name}, ${saved.bytes.length} bytes)`,
  );
  const screenshot = await download("F12");
  const picture = PNG.sync.read(screenshot.bytes);
  check(
    screenshot.name.endsWith(".png") && colours(picture) >= 50,
    `F12 downloads a screenshot (${screenshot.name}, ${picture.width}x${picture.height}, ${colours(picture)} colours sampled)`,
  );

  // Open (Ctrl+O) is the browser's file picker.
  const chooser = page.waitForEvent("filechooser", { timeout: 30_000 });
  await page.keyboard.press("Control+O");
  await (await chooser).setFiles(join(root, "presets/28-rprop-rotation.ron"));
  const rprop = await readFile(join(root, "presets/28-rprop-rotation.ron"), "utf8");
  const opened = await waitFor((x) => x.optivizScenario === nameOf(rprop), 30_000, "the picked preset");
  check(true, `Open picks a preset with the browser's file picker ("${opened.optivizScenario}")`);
  await page.goto("about:blank");
  await page.goto(base + linkTo(defaultText));
  await waitFor((x) => x.optivizScenario === nameOf(defaultText), 60_000, "the default scenario again");
  await page.locator("canvas").focus();

  // 2. Space plays or pauses; playing changes the picture.
  await page.locator("canvas").focus();
  const before = await data();
  await page.keyboard.press("Space");
  await page.waitForTimeout(300);
  let after = await data();
  if (after.optivizPlaying === "false") {
    // It was playing at start: Space paused it; press again to play.
    check(before.optivizPlaying === "true", "Space pauses a playing race");
    await page.keyboard.press("Space");
    await page.waitForTimeout(300);
    after = await data();
  }
  check(after.optivizPlaying === "true", "Space plays the race");
  const framesThen = Number((await data()).optivizFrames);
  const framesThenAt = Date.now();
  const frozen = await shot("playing-a");
  await page.waitForTimeout(1500);
  const playing = await data();
  const moved = await shot("playing-b");
  check(Number(playing.optivizStep) > Number(after.optivizStep), `playback advances (step ${after.optivizStep} -> ${playing.optivizStep})`);
  check(changed(frozen, moved) > 0.0005, `the picture changes while playing (${(changed(frozen, moved) * 100).toFixed(2)} % of pixels)`);
  await page.waitForTimeout(3000);
  // The app reports its frame time once it has 30 frames to take the median of: on a slow
  // software renderer that takes a while longer.
  const frame = (await waitFor((x) => x.optivizFrameMs, 30_000, "the frame time").catch(() => data()))
    .optivizFrameMs;
  const framesNow = await data();
  const fps = ((Number(framesNow.optivizFrames) - framesThen) * 1000) / (Date.now() - framesThenAt);
  await shot("playing-c");

  // 3. Links: on the address of a running page, and on a fresh load.
  const rosenbrock = await readFile(join(root, "presets/12-rosenbrock.ron"), "utf8");
  await page.goto(base + linkTo(rosenbrock, 40));
  let d = await waitFor((x) => x.optivizScenario === nameOf(rosenbrock), 30_000, "the linked scenario");
  check(true, `a link on the address opens its scenario ("${d.optivizScenario}")`);
  d = await waitFor((x) => x.optivizStep === "40", 30_000, "the linked step");
  check(d.optivizPlaying === "false", "... paused at the step it names (40)");
  const himmelblau = await readFile(join(root, "presets/16-himmelblau.ron"), "utf8");
  await page.goto("about:blank");
  await page.goto(base + linkTo(himmelblau));
  d = await waitFor((x) => x.optivizScenario, 180_000, "the first frame of a linked page");
  check(d.optivizScenario === nameOf(himmelblau), `a link opened in a new page shows its scenario ("${d.optivizScenario}")`);
  await shot("linked");

  // Decks: PageDown opens the next shipped preset.
  await page.locator("canvas").focus();
  await page.keyboard.press("PageDown");
  d = await waitFor((x) => x.optivizScenario !== nameOf(himmelblau), 30_000, "the next preset");
  const next = await readFile(join(root, "presets/17-your-own-function.ron"), "utf8");
  check(d.optivizScenario === nameOf(next), `PageDown opens the next preset of the deck ("${d.optivizScenario}")`);

  // The state is kept in local storage: a new visit without a link restores it.
  await page.waitForTimeout(3000);
  await page.goto("about:blank");
  await page.goto(base);
  d = await waitFor((x) => x.optivizScenario, 180_000, "the first frame of a second visit");
  check(d.optivizScenario === nameOf(next), `a second visit restores the last scenario ("${d.optivizScenario}")`);


  // 4. A corrupted link: the positioned error, the scenario stays, the app runs on.
  const good = linkTo(rosenbrock);
  await page.goto(base + good.slice(0, 40) + "%" + good.slice(41, good.length - 9));
  d = await waitFor((x) => x.optivizError, 30_000, "the error of a corrupted link");
  check(/link:1:\d+: s: /.test(d.optivizError), `a corrupted link shows a positioned error ("${d.optivizError}")`);
  check(d.optivizScenario === nameOf(next), "... and the scenario on screen stays");
  await shot("broken-link");
  // The keys go to the canvas only while it has the focus; the error must be gone before
  // Space counts (a dialog keeps the race's shortcuts for itself).
  await page.locator("canvas").focus();
  await page.keyboard.press("Escape");
  const closed = await waitFor((x) => !x.optivizError, 20_000, "Escape to close the error").catch(() => data());
  check(!closed.optivizError, "Escape closes the error");
  const s0 = Number((await data()).optivizStep);
  await page.keyboard.press("Space");
  // A few frames a second on a software renderer: wait for the first steps rather than a
  // fixed time.
  const resumed = await waitFor(
    (x) => Number(x.optivizStep) !== s0 || x.optivizPlaying === "true",
    20_000,
    "the app to play after the broken link",
  ).catch(() => data());
  const s1 = Number(resumed.optivizStep);
  check(s1 !== s0 || resumed.optivizPlaying === "true", `the app still runs after it (step ${s0} -> ${s1})`);

  // The default race's steps per second: the same scenario with a budget of 2,000,000 steps,
  // computed time-sliced ahead of playback while the page stays live.
  await page.goto(base + linkTo(defaultText.replace(/steps: \d+/, "steps: 2000000")));
  d = await waitFor((x) => x.optivizTotal === "2000000", 60_000, "the long race");
  const c0 = Number(d.optivizComputed);
  const t0 = Date.now();
  await page.waitForTimeout(3000);
  d = await data();
  const stepsPerSec = ((Number(d.optivizComputed) - c0) * Number(d.optivizRuns)) / ((Date.now() - t0) / 1000);
  check(stepsPerSec > 0, "the long race computes while the page runs");

  // The network page: its default network trains when played.
  await page.mouse.click(265, 14);
  d = await waitFor((x) => x.optivizScenario !== nameOf(defaultText), 60_000, "the network page");
  await page.locator("canvas").focus();
  const n0 = Number(d.optivizComputed);
  if (d.optivizPlaying !== "true") await page.keyboard.press("Space");
  await page.waitForTimeout(3000);
  const n1 = Number((await data()).optivizComputed);
  check(n1 > n0, `the network page trains ("${d.optivizScenario}": step ${n0} -> ${n1})`);
  await shot("network");

  const wasm = join(dist, "optiviz_web_bg.wasm");
  const raw = (await stat(wasm)).size;
  const gz = gzipSync(await readFile(wasm), { level: 9 }).length;
  console.log(
    `measured: first frame ${firstFrameMs} ms after navigation; wasm ${(raw / 1048576).toFixed(2)} MB raw, ` +
      `${(gz / 1048576).toFixed(2)} MB gzipped; the default race (${d.optivizRuns} runs) steps ` +
      `${Math.round(stepsPerSec).toLocaleString("en")} steps/s; the app's time per frame while playing ` +
      `(median / 90th percentile of 30 frames): ${frame} ms, ` +
      `at ${fps.toFixed(1)} frames/s drawn (WebGL2 on SwiftShader, the CPU's software renderer)`,
  );
} catch (e) {
  failures += 1;
  console.log(`FAIL ${e.message}`);
} finally {
  if (failures) console.log(logs.slice(-30).join("\n"));
  await browser.close();
  server.close();
}
process.exit(failures ? 1 : 0);
