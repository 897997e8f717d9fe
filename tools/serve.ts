/**
 * The explorer page: builds it (web/server.ts) and serves it on 127.0.0.1 only.
 *
 *   deno task serve [--port 8000]
 */
import {
  numberFlag,
  parseFlags,
  rejectPositionals,
  rejectUnknownFlags,
  runTool,
} from "../lib/cli/flags.ts";
import { requireInteger } from "../lib/util/errors.ts";
import { buildExplorer, serveExplorer } from "../web/server.ts";

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
  const started = performance.now();
  await buildExplorer();
  const server = await serveExplorer(port);
  console.log(
    `built in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `serving the explorer at ${server.url} (Ctrl-C stops)`,
  );
  await new Promise(() => {}); // serve until interrupted
});
