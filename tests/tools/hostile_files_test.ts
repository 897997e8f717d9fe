/**
 * Every file the lab reads is untrusted input: model files, pattern files, result files,
 * notebooks, and the folders it writes to. Each case runs the tool as a user would and checks
 * what the README's "Bad input" promises: exit code 2, one line on stderr naming the file (or
 * flag), the field and the value, nothing written, and the process's peak memory under 1 GB
 * (read from /proc while it runs) for every file under the byte caps. Cases that need a full or
 * read-only disk mount a small tmpfs, which needs root; without it they are skipped with a note.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runToolMeasured } from "../support/run_tool.ts";
import { claimRun } from "../../lib/train/claims.ts";
import { readResults, resultStatus } from "../../lib/train/results.ts";
import { runSweep } from "../../lib/experiments/sweeps.ts";
import { PathError } from "../../lib/util/output_folder.ts";
import { MAX_PATTERNS_PER_FILE } from "../../lib/util/limits.ts";
import { findChromium, launchChromium } from "../../lib/plot/chromium.ts";
import { pathFromUrl } from "../../lib/util/system.ts";

const GIB = 1024 ** 3;
const MODEL = pathFromUrl("../../data/models/moby-dick-best", import.meta.url);
const FIXTURES = pathFromUrl("../fixtures", import.meta.url);

/** What every refusal must look like: exit 2, one line matching `message`, a bounded peak. */
async function assertRefused(
  tool: string,
  args: string[],
  message: RegExp,
  env: Record<string, string> = {},
): Promise<void> {
  const { code, stdout, stderr, peakBytes } = await runToolMeasured(tool, args, env);
  const label = `${tool} ${args.join(" ").slice(0, 200)}`;
  assert.equal(code, 2, `${label}: exit code (stderr: ${stderr.slice(0, 500)})`);
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `${label}: one line, got ${stderr.slice(0, 500)}`);
  assert.match(lines[0], new RegExp(`^${tool}: `), label);
  assert.match(lines[0], message, label);
  assert.doesNotMatch(stdout + stderr, /^\s+at /m, `${label}: no stack trace`);
  assert.ok(peakBytes < GIB, `${label}: peak memory ${(peakBytes / 2 ** 20).toFixed(0)} MiB`);
  if (Deno.build.os === "linux") assert.ok(peakBytes > 0, `${label}: memory was measured`);
}

function listTree(dir: string): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    names.push(entry.name);
    if (entry.isDirectory) {
      names.push(...listTree(join(dir, entry.name)).map((name) => `${entry.name}/${name}`));
    }
  }
  return names.sort();
}

/** A copy of the committed model with `change` applied to its manifest (and `bin` its weights). */
function hostileModel(
  dir: string,
  stem: string,
  change: (manifest: Record<string, unknown>) => void,
  bin?: string,
): string {
  const manifest = JSON.parse(Deno.readTextFileSync(`${MODEL}.json`));
  change(manifest);
  Deno.writeTextFileSync(join(dir, `${stem}.json`), JSON.stringify(manifest));
  if (bin) Deno.symlinkSync(bin, join(dir, `${stem}.bin`));
  else Deno.copyFileSync(`${MODEL}.bin`, join(dir, `${stem}.bin`));
  return join(dir, stem);
}

function configChange(fields: Record<string, unknown>) {
  return (manifest: Record<string, unknown>) => {
    const metadata = manifest.metadata as { config: Record<string, unknown> };
    Object.assign(metadata.config, fields);
  };
}

function offsetChange(offset: unknown) {
  return (manifest: Record<string, unknown>) => {
    (manifest.weights as { offset: unknown }[])[1].offset = offset;
  };
}

function mkfifo(path: string): boolean {
  return new Deno.Command("mkfifo", { args: [path] }).outputSync().success;
}

Deno.test("model files: every defect is one line naming the file, field and value, before allocation", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "hostile model " });
  try {
    const out = join(dir, "out.onnx");
    const cases: [string, RegExp][] = [
      [
        hostileModel(dir, "zero", () => {}, "/dev/zero"),
        /--model = ".*zero\.bin": is a character device; expected a regular file/,
      ],
      [
        hostileModel(dir, "huge", configChange({ width: 65536, ffHidden: 2 ** 20, layers: 1000 })),
        /huge\.json metadata\.config\.width = 65536: expected an integer in \[1, 4096\]/,
      ],
      [
        hostileModel(dir, "deep", configChange({ layers: 1e9 })),
        /deep\.json metadata\.config\.layers = 1000000000: expected an integer in \[1, 64\]/,
      ],
      [
        hostileModel(dir, "long", configChange({ maxLength: 1e9 })),
        /long\.json metadata\.config\.maxLength = 1000000000: expected an integer/,
      ],
      [
        hostileModel(dir, "wide", configChange({ width: 4096, ffHidden: 16384, layers: 64 })),
        /wide\.json metadata\.config = .*the limit is 16777216/,
      ],
      [
        hostileModel(dir, "text", configChange({ width: "64" })),
        /text\.json metadata\.config\.width = "64": expected an integer/,
      ],
      [
        hostileModel(dir, "negative", offsetChange(-100)),
        /negative\.json weights\[1\]\.offset = -100: expected an integer/,
      ],
      [
        hostileModel(dir, "letters", offsetChange("abc")),
        /letters\.json weights\[1\]\.offset = "abc": expected an integer/,
      ],
      [
        // a fractional offset used to export wrong weights and exit 0
        hostileModel(dir, "half", offsetChange(0.5)),
        /half\.json weights\[1\]\.offset = 0\.5: expected an integer/,
      ],
      [
        hostileModel(dir, "gap", offsetChange(1)),
        /gap\.json weights\[\d+\]\.offset = \d+: expected \d+ \(weights are stored back to back/,
      ],
    ];
    // a .bin one float short of what the manifest implies
    const short = hostileModel(dir, "short", () => {});
    Deno.truncateSync(`${short}.bin`, Deno.statSync(`${MODEL}.bin`).size - 4);
    cases.push([short, /short\.bin" .*is \d+ bytes; the limit is \d+ bytes|short\.bin size/]);
    // a manifest that is a FIFO is refused without blocking on its open
    const fifoStem = join(dir, "fifo");
    if (mkfifo(`${fifoStem}.json`)) {
      Deno.copyFileSync(`${MODEL}.bin`, `${fifoStem}.bin`);
      cases.push([fifoStem, /--model = ".*fifo\.json": is a FIFO; expected a regular file/]);
    }
    // a manifest over its byte cap is refused from its size, unread
    const bloated = hostileModel(dir, "bloated", () => {});
    Deno.truncateSync(`${bloated}.json`, 64 * 1024 * 1024);
    cases.push([bloated, /bloated\.json": is 67108864 bytes; the limit is 4194304 bytes/]);
    for (const [stem, message] of cases) {
      await assertRefused("export", ["--model", stem, "--n", "32", "--out", out], message);
      assert.ok(!listTree(dir).includes("out.onnx"), `${stem}: nothing written`);
    }
    // the same file, intact, still exports
    const intact = hostileModel(dir, "intact", () => {});
    const ok = await runToolMeasured("export", ["--model", intact, "--n", "32", "--out", out]);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("pattern files: millions of tiny patterns are refused from the text, under 1 GB, in every tool", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "hostile pattern " });
  try {
    const many = join(dir, "many.json");
    // 5,000,000 one-token patterns: 30 MB, under the byte cap, 10 million arrays
    Deno.writeTextFileSync(many, `{"n":1,"patterns":[${"[[0]],".repeat(4_999_999)}[[0]]]}`);
    const tooMany = /pattern file = ".*many\.json": holds more than 4194304 arrays/;
    await assertRefused("pattern", ["--file", many], tooMany);
    await assertRefused("construct", ["--file", many, "--d", "1", "--delta", "1/2"], tooMany);
    await assertRefused("export", [
      "--random",
      "--file",
      many,
      "--n",
      "1",
      "--out",
      join(dir, "m.onnx"),
    ], tooMany);
    // few arrays, but more patterns than a schedule may cycle
    const schedule = join(dir, "schedule.json");
    const patterns = Array.from({ length: MAX_PATTERNS_PER_FILE + 1 }, () => [[0]]);
    Deno.writeTextFileSync(schedule, JSON.stringify({ n: 1, patterns }));
    await assertRefused(
      "pattern",
      ["--file", schedule],
      /pattern file patterns = "1025 patterns": the limit is 1024 patterns per file/,
    );
    // a file whose reads fail is named, not a stack trace
    await assertRefused(
      "pattern",
      ["--file", "/proc/self/mem"],
      /--file = "\/proc\/self\/mem": cannot be read/,
    );
    assert.deepEqual(listTree(dir), ["many.json", "schedule.json"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("names from files print short and with bidirectional controls escaped; an unknown flag is named first", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "hostile name " });
  try {
    const named = join(dir, "named.json");
    const name = "\u202Eevil\u2066" + "x".repeat(20_000_000);
    Deno.writeTextFileSync(named, JSON.stringify({ name, n: 2, patterns: [[[0, 1], [1, 0]]] }));
    const { code, stdout, stderr } = await runToolMeasured("pattern", ["--file", named]);
    assert.equal(code, 0, stderr);
    assert.ok(stdout.length < 10_000, `printed ${stdout.length} characters for a 20 MB name`);
    assert.ok(stdout.includes("\\u{202e}evil\\u{2066}xxx"), stdout.slice(0, 400));
    assert.doesNotMatch(stdout, /[\u202a-\u202e\u2066-\u2069]/);
    await assertRefused("pattern", ["--bogus"], /--bogus = undefined: unknown flag/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("flags without a limit are limited: --layers, with or without --dry-run", async () => {
  for (const dryRun of [["--dry-run"], []]) {
    await assertRefused(
      "experiment",
      ["copying", "--quick", "--layers", "100000", ...dryRun],
      /--layers = "100000": exceeds the limit 64/,
      { RESULTS_DIR: "/nonexistent/never-created" },
    );
    await assertRefused(
      "experiment",
      ["copying", "--quick", "--layers", "99999999999", ...dryRun],
      /--layers = "99999999999": exceeds the limit 64/,
    );
  }
});

Deno.test("result files: a FIFO or a link to /dev/zero at a result's path is corrupt and retrained, never read", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "hostile results " });
  try {
    const folder = join(dir, "copying");
    Deno.mkdirSync(folder);
    const runId = "dense-single-full-L1-seed0";
    const fifo = mkfifo(join(folder, `${runId}.json`));
    if (!fifo) Deno.writeTextFileSync(join(folder, `${runId}.json`), '{"schema":1,"curve":"x"}');
    Deno.symlinkSync("/dev/zero", join(folder, "dense-single-full-L2-seed0.json"));
    const read = readResults(folder, { quiet: true });
    assert.equal(read.results.length, 0);
    assert.equal(read.skipped.length, 2);
    assert.equal(resultStatus(folder, runId).state, "corrupt");
    const lines: string[] = [];
    const summary = await runSweep("copying", {
      mode: "quick",
      patterns: ["dense"],
      layers: [1, 2],
      seeds: [0],
      resultsDir: folder,
      jobs: 1,
      progress: { output: "silent" },
      log: (line) => lines.push(line),
    });
    assert.equal(summary.trained.length, 2, lines.join("\n"));
    assert.equal(summary.results.length, 2);
    assert.equal(summary.redone.length, 2);
    assert.ok(lines.some((line) => line.includes(`${runId}.json is corrupt`)), lines.join("\n"));
    for (const entry of Deno.readDirSync(folder)) {
      assert.ok(entry.isFile, `${entry.name} is a regular file now`);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a sweep's worker stops once the sweep process is killed, and releases its claim", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "orphaned worker " });
  const sweep = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      pathFromUrl("../../tools/experiment.ts", import.meta.url),
      "copying",
      "--full",
      "--pattern",
      "dense",
      "--layers",
      "1",
      "--seed",
      "0,1",
      "--jobs",
      "2",
    ],
    env: { RESULTS_DIR: dir, NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const claims = () => listTree(join(dir, "copying")).filter((n) => n.endsWith(".claim"));
    let workers: number[] = [];
    for (let i = 0; i < 600 && (workers.length === 0 || claimsOrEmpty(claims) < 2); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      workers = childrenOf(sweep.pid);
    }
    assert.equal(workers.length, 1, "the sweep started one worker process");
    assert.equal(claimsOrEmpty(claims), 2, "both runs claimed");
    sweep.kill("SIGKILL"); // the sweep alone: its worker is left behind
    await sweep.status;
    let alive = true;
    for (let i = 0; i < 300 && alive; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      alive = isRunning(workers[0]);
    }
    assert.ok(!alive, "the worker exited within 30 s of its sweep");
    // the worker released its claim; the killed sweep's own claim stays, stale, for the next sweep
    assert.equal(claims().length, 1);
    assert.deepEqual(listTree(join(dir, "copying")).filter((n) => n.endsWith(".json")), []);
  } finally {
    try {
      sweep.kill("SIGKILL");
    } catch {
      // already gone
    }
    Deno.removeSync(dir, { recursive: true });
  }
});

function claimsOrEmpty(claims: () => string[]): number {
  try {
    return claims().length;
  } catch {
    return 0; // the folder is not made yet
  }
}

function childrenOf(pid: number): number[] {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/)
      .filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function isRunning(pid: number): boolean {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return !/^State:\s+Z/m.test(status); // a zombie has exited
  } catch {
    return false;
  }
}

Deno.test("notebooks that are not nbformat 4 JSON are one line, before anything is written", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "hostile notebook " });
  try {
    const notebooks = join(dir, "notebooks");
    Deno.mkdirSync(notebooks);
    Deno.writeTextFileSync(join(notebooks, "00_broken.ipynb"), "not json at all");
    const out = join(dir, "out");
    await assertRefused(
      "reproduce",
      ["--notebooks", notebooks, "--out", out],
      /notebook = ".*00_broken\.ipynb": is malformed JSON/,
    );
    Deno.writeTextFileSync(
      join(notebooks, "00_broken.ipynb"),
      JSON.stringify({ nbformat: 4, cells: [{ cell_type: "code", source: 42 }] }),
    );
    await assertRefused(
      "reproduce",
      ["--notebooks", notebooks, "--out", out],
      /00_broken\.ipynb cells\[0\]\.source = 42: expected text or a list of lines/,
    );
    assert.deepEqual(listTree(dir), ["notebooks", "notebooks/00_broken.ipynb"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("outputs are probed before any work: /proc, a file, a read-only or a full disk", async (t) => {
  const args = ["--notebooks", FIXTURES, "--only", "plain", "--out"];
  await assertRefused(
    "reproduce",
    [...args, "/proc/self"],
    /--out = "\/proc\/self": is not writable/,
  );
  await assertRefused(
    "export",
    ["--random", "--pattern", "star", "--n", "8", "--out", "/proc/self/m.onnx"],
    /--out = "\/proc\/self\/m\.onnx": its folder cannot be written/,
  );
  await assertRefused("bench", ["--out", "/proc/self"], /--out = "\/proc\/self": is not writable/);
  const full = await smallTmpfs({ full: true });
  const readOnly = await smallTmpfs({ readOnly: true });
  try {
    await t.step({
      name: "a full disk",
      ignore: full === undefined,
      fn: async () => {
        const before = listTree(full!.path);
        await assertRefused(
          "reproduce",
          [...args, join(full!.path, "site")],
          /--out = ".*site": is not writable \(No space left on device\)/,
        );
        await assertRefused(
          "export",
          ["--random", "--pattern", "star", "--n", "8", "--out", join(full!.path, "m.onnx")],
          /its folder cannot be written \(No space left on device\)/,
        );
        await assertRefused(
          "experiment",
          ["copying", "--quick", "--pattern", "dense", "--layers", "1", "--seed", "0"],
          /RESULTS_DIR = ".*": is not writable \(No space left on device\)/,
          { RESULTS_DIR: full!.path },
        );
        assert.deepEqual(listTree(full!.path), before, "nothing written, no folder left");
        // a claim that cannot be written names its path and leaves no empty claim behind
        assert.throws(
          () => claimRun(full!.path, "run"),
          (error) =>
            error instanceof PathError &&
            error.message ===
              `${full!.path}/run.claim: cannot be written (No space left on device)`,
        );
        assert.deepEqual(listTree(full!.path), before);
      },
    });
    await t.step({
      name: "a read-only disk",
      ignore: readOnly === undefined,
      fn: async () => {
        await assertRefused(
          "reproduce",
          [...args, readOnly!.path],
          /is not writable \(Read-only file system\)/,
        );
      },
    });
  } finally {
    await full?.unmount();
    await readOnly?.unmount();
  }
  if (full === undefined) {
    console.log("  (full and read-only disks skipped: mounting a tmpfs needs root)");
  }
});

/** A 64 KiB tmpfs, filled to the last block when `full`, or mounted read-only. */
async function smallTmpfs(
  options: { full?: boolean; readOnly?: boolean },
): Promise<{ path: string; unmount: () => Promise<void> } | undefined> {
  if (Deno.build.os !== "linux" || Deno.uid() !== 0) return undefined;
  const path = Deno.makeTempDirSync({ prefix: "lab-tmpfs-" });
  const mountOptions = `size=64k${options.readOnly ? ",ro" : ""}`;
  const mounted = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", mountOptions, "tmpfs", path],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => undefined);
  if (!mounted?.success) {
    Deno.removeSync(path);
    return undefined;
  }
  if (options.full) {
    const file = Deno.openSync(join(path, "filler"), { write: true, create: true });
    try {
      for (;;) file.writeSync(new Uint8Array(4096));
    } catch {
      // the disk is full
    } finally {
      file.close();
    }
  }
  return {
    path,
    unmount: async () => {
      await new Deno.Command("umount", { args: [path] }).output();
      Deno.removeSync(path, { recursive: true });
    },
  };
}

Deno.test({
  name: "Chromium's profile folder is removed when the browser closes",
  ignore: findChromium() === undefined,
  async fn() {
    const profiles = () =>
      [...Deno.readDirSync(Deno.env.get("TMPDIR") ?? "/tmp")]
        .filter((entry) => entry.name.startsWith("lab-chromium-")).map((entry) => entry.name);
    const before = new Set(profiles());
    for (let i = 0; i < 3; i++) {
      const browser = await launchChromium();
      const page = await browser.newPage();
      await page.setContent("<p>profile</p>");
      await browser.close();
      assert.deepEqual(profiles().filter((name) => !before.has(name)), [], `launch ${i}`);
    }
  },
});
