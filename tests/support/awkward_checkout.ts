/**
 * A copy of the checkout at a path a careless tool mishandles: it holds a space and a `%`
 * followed by hex digits (so a tool that uses `URL.pathname` as a file path sees
 * `lab%20space` or decodes `%41` into `A`). Tracked and untracked-but-not-ignored files are
 * copied; node_modules is linked, not copied. Tests run tools from it with `runTool`'s `root`.
 */
import { pathFromUrl, runCommand } from "../../lib/util/system.ts";

const CHECKOUT = pathFromUrl("../../", import.meta.url);

export interface AwkwardCheckout {
  /** The copy's root folder (an absolute path with a space and a `%`). */
  root: string;
  remove(): Promise<void>;
}

export async function awkwardCheckout(): Promise<AwkwardCheckout> {
  const parent = await Deno.makeTempDir({ prefix: "lab space %41 " });
  const root = `${parent}/check out %2e%20`;
  const listed = await runCommand(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    { cwd: CHECKOUT },
  );
  if (listed.code !== 0) throw new Error(`git ls-files failed: ${listed.stderr.trim()}`);
  for (const file of listed.stdout.split("\0").filter((name) => name !== "")) {
    const target = `${root}/${file}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    try {
      await Deno.copyFile(`${CHECKOUT}/${file}`, target);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error; // deleted but not yet staged
    }
  }
  await Deno.symlink(`${CHECKOUT}/node_modules`, `${root}/node_modules`);
  return { root, remove: () => Deno.remove(parent, { recursive: true }) };
}
