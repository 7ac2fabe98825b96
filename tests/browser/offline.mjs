// Drive Debian's Chromium through jobgraph's pages with every request that does not go to the
// server aborted, as if offline: open GraphiQL, run its default query, open /docs and /redoc.
// Usage: node offline.mjs BASE_URL [CHROMIUM] (JOBGRAPH_SCREENSHOTS=DIR keeps a PNG of each
// page). Prints one JSON report on stdout; exits 0 when
// no request failed, none left the server, no response was an error and no console error was
// logged, 1 otherwise (2 when a step itself broke).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [baseUrl, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
const screenshots = process.env.JOBGRAPH_SCREENSHOTS; // a folder, to look at the pages
const server = new URL(baseUrl);
const STEP_TIMEOUT = 30_000;

const report = {
  steps: [],
  blocked: [], // requests to anywhere but the server, aborted
  failed: [], // requests that failed for another reason
  errorResponses: [], // 4xx and 5xx answers
  consoleErrors: [],
  pageErrors: [],
  graphiqlResult: null,
};

const profile = mkdtempSync(join(tmpdir(), "jobgraph-chromium-"));
let context;
let screenshot;
let settle;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === server.hostname && url.port === server.port) {
      return route.continue();
    }
    report.blocked.push(url.href);
    return route.abort("internetdisconnected");
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // Leave a page only once its requests are done (GraphiQL fetches the schema after it shows),
  // so that navigating away aborts nothing and late requests are in the report.
  let inFlight = 0;
  page.on("request", () => inFlight++);
  page.on("requestfinished", () => inFlight--);
  page.on("requestfailed", () => inFlight--);
  settle = async () => {
    const deadline = Date.now() + STEP_TIMEOUT;
    let quietSince = Date.now();
    while (Date.now() - quietSince < 300) {
      if (Date.now() > deadline) throw new Error(`${inFlight} requests still in flight`);
      if (inFlight > 0) quietSince = Date.now();
      await page.waitForTimeout(50);
    }
  };
  screenshot = async (name) => {
    if (screenshots) await page.screenshot({ path: join(screenshots, `${name}.png`) });
  };
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on("requestfailed", (request) => {
    const url = new URL(request.url());
    if (url.hostname === server.hostname && url.port === server.port) {
      report.failed.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
    }
  });
  page.on("response", (response) => {
    if (response.status() >= 400) {
      report.errorResponses.push(`${response.status()} ${response.url()}`);
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error") {
      report.consoleErrors.push(`${page.url()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => report.pageErrors.push(`${page.url()}: ${error.message}`));

  // A shared query URL opens GraphiQL with that query in the editor.
  const shared = "query Shared { projects { totalCount } }";
  await page.goto(`${baseUrl}/graphql?query=${encodeURIComponent(shared)}`, { waitUntil: "load" });
  const editor = page.locator(".graphiql-query-editor .CodeMirror-code");
  await editor.filter({ hasText: "query Shared" }).waitFor({ state: "visible" });
  report.steps.push("shared query opened");
  await settle();
  await screenshot("graphiql-shared");

  // GraphiQL: the page, then its default query run with the execute button.
  await page.goto(`${baseUrl}/graphql`, { waitUntil: "load" });
  const execute = page.locator(".graphiql-execute-button");
  await execute.waitFor({ state: "visible" });
  report.steps.push("graphiql opened");
  const answer = page.waitForResponse(
    (response) => response.url() === `${baseUrl}/graphql` && response.request().method() === "POST"
      && (response.request().postData() ?? "").includes("RecentJobs"),
  );
  await execute.click();
  const response = await answer;
  report.steps.push(`query answered ${response.status()}`);
  const result = page.locator(".graphiql-response .CodeMirror-code");
  await result.filter({ hasText: "totalCount" }).waitFor({ state: "visible" });
  report.graphiqlResult = await result.innerText();
  report.steps.push("result shown");
  await settle();
  await screenshot("graphiql-result");

  // Swagger UI, with the job list operation rendered from /openapi.json.
  await page.goto(`${baseUrl}/docs`, { waitUntil: "load" });
  await page.locator(".swagger-ui .info .title", { hasText: "jobgraph" }).waitFor();
  await page.locator(".opblock-summary-path", { hasText: "/api/v2/jobs" }).first().waitFor();
  report.steps.push("docs shown");
  await settle();
  await screenshot("docs");

  // ReDoc.
  await page.goto(`${baseUrl}/redoc`, { waitUntil: "load" });
  await page.locator("h1", { hasText: "jobgraph" }).waitFor();
  await page.locator("h2", { hasText: "List jobs: filter, sort, paginate" }).waitFor();
  report.steps.push("redoc shown");
  await settle();
  await screenshot("redoc");
} catch (error) {
  report.error = String(error?.stack ?? error);
} finally {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
}

console.log(JSON.stringify(report, null, 2));
const clean = ["blocked", "failed", "errorResponses", "consoleErrors", "pageErrors"].every(
  (key) => report[key].length === 0,
);
process.exit(report.error ? 2 : clean ? 0 : 1);
