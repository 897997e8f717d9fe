/**
 * Headless Chromium for static export and browser tests: the system browser (Debian's
 * /usr/bin/chromium, or CHROMIUM_PATH), driven by puppeteer-core, which never downloads a
 * browser of its own. Every page it opens has the network cut off: only file:, data:,
 * blob: and about: URLs load.
 */
import puppeteer, { type Browser, type Page } from "puppeteer-core";

export type { Browser, Page };

const candidatePaths = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** Path of a Chromium binary, or undefined when none is installed. */
export function findChromium(): string | undefined {
  const fromEnvironment = Deno.env.get("CHROMIUM_PATH");
  for (const path of fromEnvironment ? [fromEnvironment] : candidatePaths) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not installed here; try the next one
    }
  }
  return undefined;
}

/** Starts headless Chromium with a fresh profile that is deleted again on close. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === undefined) {
    throw new Error(
      "chromium not found (set CHROMIUM_PATH, or: apt-get install -y chromium)",
    );
  }
  const userDataDir = await Deno.makeTempDir({ prefix: "lab-chromium-" });
  // the profile goes whatever ends the process: a failed launch, close, a lost browser, exit
  const removeAtExit = () => removeProfileSync(userDataDir);
  globalThis.addEventListener("unload", removeAtExit);
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      userDataDir,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  } catch (error) {
    removeAtExit();
    throw error;
  }
  const close = browser.close.bind(browser);
  browser.close = async () => {
    try {
      await close(); // resolves once the browser process has exited
    } finally {
      await removeProfile(userDataDir);
      globalThis.removeEventListener("unload", removeAtExit);
    }
  };
  browser.once("disconnected", () => void removeProfile(userDataDir));
  return browser;
}

function removeProfileSync(userDataDir: string): void {
  try {
    Deno.removeSync(userDataDir, { recursive: true });
  } catch {
    // already gone, or still being written: the asynchronous removal retries
  }
}

/**
 * Removes a profile folder, retrying while Chromium's helper processes, which outlive the
 * browser by a moment, still write into it (a removal then fails with "directory not empty").
 */
async function removeProfile(userDataDir: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await Deno.remove(userDataDir, { recursive: true });
      return;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const offlineSchemes = ["file:", "data:", "blob:", "about:"];

/** A new page whose requests to anything but local URLs are aborted (and reported). */
export async function offlinePage(
  browser: Browser,
  onBlocked: (url: string) => void = () => {},
): Promise<Page> {
  const page = await browser.newPage();
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    const local = offlineSchemes.some((scheme) => request.url().startsWith(scheme));
    if (local) request.continue();
    else {
      onBlocked(request.url());
      request.abort("blockedbyclient");
    }
  });
  return page;
}
