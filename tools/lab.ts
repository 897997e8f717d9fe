/**
 * deno task lab [--notebooks DIR] [--port P] [--token T] [--no-browser] [-- jupyter notebook flags]
 *
 * Opens the notebooks in the classic Jupyter Notebook with the project-local Deno kernel
 * (registered in .jupyter-data/, the user's Jupyter setup untouched). The server listens on
 * 127.0.0.1 only. `--port` fixes the port (the server fails rather than move to another one);
 * `--token` fixes the login token (otherwise the Notebook makes a random one); `--no-browser`
 * starts the server without opening a browser. plotly.js is served once, as a Notebook
 * extension in .jupyter-data/, rather than inside the first figure's output; a second extension
 * hands the kernel one execute request at a time, so Run All draws every output under its own
 * cell. A SIGTERM to this process stops the server, which shuts its kernels down.
 */
import {
  EXIT_BAD_INPUT,
  integerFlag,
  parseFlags,
  rejectPositionals,
  rejectUnknownFlags,
  runTool,
} from "./cli/flags.ts";
import {
  INSTALL_HINT,
  installProjectKernel,
  jupyterDataDir,
  jupyterEnvironment,
  jupyterProgram,
} from "./runner/jupyter.ts";
import { PLOTLY_DELIVERY_VARIABLE, readPlotlySource } from "../lib/plot/plotly_page.ts";
import { InputError } from "../lib/util/errors.ts";
import { pathFromUrl, runCommand, writeFileAtomic } from "../lib/util/system.ts";

const USAGE =
  "usage: deno task lab [--notebooks DIR] [--port P] [--token T] [--no-browser] [-- jupyter flags]";

/** Longest token accepted: it travels in URLs and on the server's command line. */
export const MAX_TOKEN_LENGTH = 256;
/** Characters a token may hold: the URL-safe ones, so `?token=T` needs no escaping. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]+$/;

/** Name of the Notebook extension that defines window.Plotly in every notebook page. */
export const PLOTLY_EXTENSION = "lab-plotly";
/**
 * Name of the Notebook extension that hands the kernel one execute request at a time, so Run All
 * draws every output under the cell that printed it (templates/one_request_at_a_time.js says why).
 */
export const ONE_REQUEST_EXTENSION = "lab-one-request-at-a-time";
const ONE_REQUEST_SOURCE = pathFromUrl(
  "./runner/templates/one_request_at_a_time.js",
  import.meta.url,
);

/**
 * Writes the extensions (plotly.js wrapped as a require.js module, and the one-request-at-a-time
 * guard) into .jupyter-data/nbextensions/ and a config folder that enables them; returns that
 * folder.
 */
async function installNotebookExtensions(): Promise<string> {
  const configDir = `${jupyterDataDir}/config`;
  await Deno.mkdir(`${configDir}/nbconfig`, { recursive: true });
  const write = async (name: string, main: string) => {
    await Deno.mkdir(`${jupyterDataDir}/nbextensions/${name}`, { recursive: true });
    await writeFileAtomic(`${jupyterDataDir}/nbextensions/${name}/main.js`, main);
  };
  // plotly.js's bundle sets window.Plotly when no CommonJS `module` is in scope.
  await write(
    PLOTLY_EXTENSION,
    `define([], function () {\n${readPlotlySource()}\n` +
      "return { load_ipython_extension: function () {} };\n});\n",
  );
  await write(ONE_REQUEST_EXTENSION, await Deno.readTextFile(ONE_REQUEST_SOURCE));
  const enabled = {
    load_extensions: {
      [`${PLOTLY_EXTENSION}/main`]: true,
      [`${ONE_REQUEST_EXTENSION}/main`]: true,
    },
  };
  await writeFileAtomic(`${configDir}/nbconfig/notebook.json`, JSON.stringify(enabled) + "\n");
  return configDir;
}

await runTool("lab", async () => {
  const separator = Deno.args.indexOf("--");
  const own = separator === -1 ? Deno.args : Deno.args.slice(0, separator);
  const forwarded = separator === -1 ? [] : Deno.args.slice(separator + 1);
  const parsed = parseFlags(own, ["no-browser", "help"]);
  rejectUnknownFlags(parsed, ["notebooks", "port", "token", "no-browser", "help"]);
  rejectPositionals(parsed, "flags: --notebooks DIR, --port P, --token T, --no-browser");
  if (parsed.flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  const notebooksDir = (parsed.flags.get("notebooks") as string | undefined) ?? "notebooks";
  let isDirectory = false;
  try {
    isDirectory = (await Deno.stat(notebooksDir)).isDirectory;
  } catch {
    // reported below as not a folder
  }
  if (!isDirectory) {
    throw new InputError("--notebooks", notebooksDir, "expected an existing folder");
  }
  const port = parsed.flags.has("port")
    ? integerFlag("port", parsed.flags.get("port")!, 1, 65535, "the largest TCP port")
    : undefined;
  const token = parsed.flags.get("token");
  if (token !== undefined) {
    if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) {
      throw new InputError("--token", token, `expected at most ${MAX_TOKEN_LENGTH} characters`);
    }
    if (!TOKEN_PATTERN.test(token)) {
      throw new InputError("--token", token, "expected only letters, digits and . _ ~ -");
    }
  }

  const notebook = await runCommand(jupyterProgram(), ["notebook", "--version"]);
  if (notebook.code !== 0) {
    console.error(`lab: missing prerequisite: jupyter notebook; install with: ${INSTALL_HINT}`);
    return EXIT_BAD_INPUT;
  }
  await installProjectKernel();
  // plotly.js reaches the page once, as a Notebook extension in the project's Jupyter folder
  // (enabled through an extra config folder on JUPYTER_CONFIG_PATH, the user's own config kept),
  // and the kernel's figures leave it out (LAB_PLOTLY_JS=page). Carried inside the first figure
  // instead, it makes a 5 MB message that the Deno kernel can garble on a busy machine (the
  // server drops it: "Invalid Signature"), and then no figure is drawn.
  const configDir = await installNotebookExtensions();
  const configPath = [configDir, Deno.env.get("JUPYTER_CONFIG_PATH")].filter(Boolean).join(":");
  const args = [
    "notebook",
    `--notebook-dir=${notebooksDir}`,
    "--ip=127.0.0.1",
    // Containers often run as root, which the Notebook refuses without --allow-root.
    ...(Deno.uid() === 0 ? ["--allow-root"] : []),
    ...(port === undefined ? [] : [`--port=${port}`, "--port-retries=0"]),
    ...(token === undefined ? [] : [`--NotebookApp.token=${token}`]),
    ...(parsed.flags.has("no-browser") ? ["--no-browser"] : []),
    ...forwarded,
  ];
  const server = new Deno.Command(jupyterProgram(), {
    args,
    env: {
      ...jupyterEnvironment(),
      [PLOTLY_DELIVERY_VARIABLE]: "page",
      JUPYTER_CONFIG_PATH: configPath,
    },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  // Ctrl-C reaches the server too (same process group); wait for it to shut down cleanly.
  Deno.addSignalListener("SIGINT", () => {});
  // A SIGTERM sent to this process alone is passed on, so the server and its kernels stop too.
  Deno.addSignalListener("SIGTERM", () => {
    try {
      server.kill("SIGTERM");
    } catch {
      // the server has already exited
    }
  });
  return (await server.status).code;
});
