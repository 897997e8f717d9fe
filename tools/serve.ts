/**
 * The explorer page: builds it (web/server.ts) and serves it on 127.0.0.1 only.
 *
 *   deno task serve [--port 8000]
 *
 * The port is bound before the build, so a port another program holds is reported at once
 * (one line naming --port, exit 2) rather than after building; before that, a build folder
 * (out/, out/web/, out/web/models/) that is a symlink or a file is refused the same way (one
 * line naming the folder and why, exit 2), since the build would write through it.
 */
import {
  numberFlag,
  parseFlags,
  rejectPositionals,
  rejectUnknownFlags,
  runTool,
} from "./cli/flags.ts";
import { InputError, requireInteger } from "../lib/util/errors.ts";
import {
  buildExplorer,
  type ExplorerServer,
  requireBuildFolders,
  serveExplorer,
} from "../web/server.ts";

/** Binds the port, turning the operating system's refusal into bad input naming --port. */
async function bind(port: number): Promise<ExplorerServer> {
  try {
    return await serveExplorer(port);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new InputError(
        "--port",
        port,
        "address already in use on 127.0.0.1 (another program listens there); " +
          "choose another port, or 0 for a free one",
      );
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new InputError(
        "--port",
        port,
        "permission denied binding 127.0.0.1 (ports below 1024 need privileges); " +
          "choose a port of 1024 or more, or 0 for a free one",
      );
    }
    throw error;
  }
}

runTool("serve", async () => {
  const parsed = parseFlags(Deno.args, ["help"]);
  rejectUnknownFlags(parsed, ["port", "help"]);
  if (parsed.flags.has("help")) {
    console.log("usage: deno task serve [--port P]   (127.0.0.1 only; P = 0 picks a free port)");
    return 0;
  }
  rejectPositionals(parsed, "flags: --port");
  const portFlag = parsed.flags.get("port");
  const port = requireInteger(
    "--port",
    portFlag === undefined ? 8000 : numberFlag("port", portFlag),
    0,
    65535,
  );
  requireBuildFolders();
  const started = performance.now();
  const server = await bind(port);
  await buildExplorer();
  console.log(
    `built in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `serving the explorer at ${server.url} (Ctrl-C stops)`,
  );
  await new Promise(() => {}); // serve until interrupted
});
