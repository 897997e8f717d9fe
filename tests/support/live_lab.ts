/**
 * A live `deno task lab` for browser tests: the classic Notebook server with the project-local
 * Deno kernel, started from a checkout on a free port with a known token and no browser, its
 * Jupyter runtime and config folders in a temporary folder (so the user's Jupyter setup is
 * neither read nor written), and stopped again with every kernel it started.
 */

export interface LiveLab {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  origin: string;
  token: string;
  /** What the server printed so far (stdout and stderr), for failure messages. */
  log(): string;
  /** Stops the server (SIGTERM, then SIGKILL) and removes the temporary folder. */
  stop(): Promise<LiveLabStop>;
}

export interface LiveLabStop {
  /** Exit code of `deno task lab`, or undefined when it had to be killed. */
  code: number | undefined;
  /** Command lines of processes still running that use the lab's runtime folder (kernels). */
  leftover: string[];
}

/** A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Command lines of running processes that mention `needle` (from /proc). */
export function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync("/proc")];
  } catch {
    return found; // no procfs: nothing can be checked
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    try {
      const command = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
      if (command.includes(needle)) found.push(`${entry.name}: ${command.trim()}`);
    } catch {
      // the process ended while being read
    }
  }
  return found;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves true when `done` resolves within `ms`, false otherwise. */
async function within(done: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([done.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts `deno task lab --port P --token T --no-browser` in `root` (with `env` added to the
 * environment its kernels inherit) and waits until the server answers an authenticated API
 * request (or throws with its output after `timeoutMs`).
 */
export async function startLab(
  root: string,
  timeoutMs = 30_000,
  env: Record<string, string> = {},
): Promise<LiveLab> {
  const scratch = await Deno.makeTempDir({ prefix: "lab-live-" });
  const runtimeDir = `${scratch}/runtime`;
  const configDir = `${scratch}/config`;
  await Deno.mkdir(runtimeDir);
  await Deno.mkdir(configDir);
  const port = freePort();
  const token = crypto.randomUUID().replaceAll("-", "");
  const origin = `http://127.0.0.1:${port}`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "lab", "--port", String(port), "--token", token, "--no-browser"],
    cwd: root,
    env: { ...env, NO_COLOR: "1", JUPYTER_RUNTIME_DIR: runtimeDir, JUPYTER_CONFIG_DIR: configDir },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  let exitCode: number | undefined;
  const exited = child.status.then((status) => exitCode = status.code);

  const stop = async (): Promise<LiveLabStop> => {
    let code: number | undefined;
    if (exitCode === undefined) {
      try {
        child.kill("SIGTERM");
      } catch {
        // it exited just now
      }
      if (await within(exited, 15_000)) code = exitCode;
      else {
        try {
          child.kill("SIGKILL");
        } catch {
          // it exited just now
        }
        await exited;
      }
    } else code = exitCode;
    // The server itself, should it have outlived `deno task lab` (it writes nbserver-PID.json).
    for (const entry of safeReadDir(runtimeDir)) {
      const pid = /^nbserver-(\d+)\.json$/.exec(entry)?.[1];
      if (pid === undefined) continue;
      try {
        Deno.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
    await within(drained, 5_000);
    let leftover = processesMentioning(scratch);
    for (let i = 0; i < 50 && leftover.length > 0; i++) {
      await delay(100); // kernels shut down asynchronously after the server's request
      leftover = processesMentioning(scratch);
    }
    for (const line of leftover) {
      try {
        Deno.kill(Number(line.slice(0, line.indexOf(":"))), "SIGKILL");
      } catch {
        // already gone
      }
    }
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
    return { code, leftover };
  };

  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (exitCode !== undefined) {
      await within(drained, 2_000);
      await stop();
      throw new Error(`deno task lab exited with code ${exitCode} before serving:\n${output}`);
    }
    try {
      const response = await fetch(`${origin}/api/status`, {
        headers: { Authorization: `token ${token}` },
      });
      await response.body?.cancel();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`deno task lab did not serve ${origin} within ${timeoutMs} ms:\n${output}`);
    }
    await delay(200);
  }
  return { origin, token, log: () => output, stop };
}

function safeReadDir(path: string): string[] {
  try {
    return [...Deno.readDirSync(path)].map((entry) => entry.name);
  } catch {
    return [];
  }
}
