/**
 * deno task lab [--notebooks DIR] [-- jupyter notebook flags]
 *
 * Opens the notebooks in the classic Jupyter Notebook with the project-local Deno kernel
 * (registered in .jupyter-data/, the user's Jupyter setup untouched).
 */
import {
  EXIT_BAD_INPUT,
  parseFlags,
  rejectPositionals,
  rejectUnknownFlags,
  runTool,
} from "./cli/flags.ts";
import { INSTALL_HINT, jupyterProgram, openNotebookServer } from "./runner/jupyter.ts";
import { runCommand } from "../lib/util/system.ts";

await runTool("lab", async () => {
  const separator = Deno.args.indexOf("--");
  const own = separator === -1 ? Deno.args : Deno.args.slice(0, separator);
  const forwarded = separator === -1 ? [] : Deno.args.slice(separator + 1);
  const parsed = parseFlags(own);
  rejectUnknownFlags(parsed, ["notebooks"]);
  rejectPositionals(parsed, "flags: --notebooks DIR");
  const notebooksDir = (parsed.flags.get("notebooks") as string | undefined) ?? "notebooks";
  const notebook = await runCommand(jupyterProgram(), ["notebook", "--version"]);
  if (notebook.code !== 0) {
    console.error(`lab: missing prerequisite: jupyter notebook; install with: ${INSTALL_HINT}`);
    return EXIT_BAD_INPUT;
  }
  return await openNotebookServer(notebooksDir, forwarded);
});
