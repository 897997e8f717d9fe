/** Runs one of the lab's command-line tools as a user would, capturing its output. */
import { pathFromUrl } from "../../lib/util/system.ts";

const CHECKOUT = pathFromUrl("../../", import.meta.url);

/**
 * Runs `tools/<tool>.ts` with `args` from the checkout, or from the checkout copy at `root`
 * (see awkward_checkout.ts), with `root` as the working directory.
 */
export async function runTool(
  tool: string,
  args: readonly string[],
  env: Record<string, string> = {},
  root: string = CHECKOUT,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}/tools/${tool}.ts`, ...args],
    cwd: root,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
