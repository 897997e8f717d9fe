/**
 * Catches errors that escape a notebook cell asynchronously. Deno's Jupyter kernel (2.9) reports
 * nothing for them: an error thrown in a timer callback, or a promise rejected with no handler,
 * prints nothing, publishes no error output and leaves the kernel running, so the cell that
 * caused it passes. The executor (execute_notebook.py) imports this module into the kernel
 * with silent requests, which neither appear in the executed notebook nor advance its
 * execution count, then calls `enter(N)` before cell N and `check()` after it.
 *
 * Attribution: a callback passed to setTimeout, setInterval or queueMicrotask remembers the
 * cell it was scheduled from (through promise chains too, by AsyncLocalStorage), so what it
 * throws is charged to that cell. An unhandled rejection, or an error the wrappers did not see,
 * is charged to the cell in whose context it surfaced.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** The `ename` a failed check throws with; its message is an {@link AsyncFailure} as JSON. */
export const ASYNC_FAILURE_NAME = "LabAsyncFailure";

export type AsyncFailureKind = "callback" | "error" | "rejection";

export interface AsyncFailure {
  /** The cell charged with it (In [N]). */
  cell: number;
  ename: string;
  evalue: string;
  /**
   * `callback`: thrown by a callback the cell scheduled; `error`: an uncaught error that
   * surfaced while the cell ran or after it; `rejection`: a promise rejected with no handler.
   */
  kind: AsyncFailureKind;
}

export interface AsyncGuard {
  /** Charges what happens from now on (and what it schedules) to cell `cell`. */
  enter(cell: number): void;
  /** Lets due callbacks run for `settleMs`, then throws if any asynchronous error was seen. */
  check(settleMs?: number): Promise<void>;
  /** Everything recorded so far, first first. */
  readonly failures: readonly AsyncFailure[];
}

type Callback = (...args: unknown[]) => unknown;

/** Installs the listeners and callback wrappers on `globalThis`; call once per kernel. */
export function installAsyncGuard(): AsyncGuard {
  const context = new AsyncLocalStorage<number>();
  let currentCell = 0;
  const failures: AsyncFailure[] = [];
  const seen = new Set<unknown>();
  const originalSetTimeout = globalThis.setTimeout;
  const here = () => context.getStore() ?? currentCell;

  const record = (thrown: unknown, cell: number, kind: AsyncFailureKind) => {
    if (seen.has(thrown)) return;
    seen.add(thrown);
    const isError = thrown instanceof Error;
    failures.push({
      cell,
      ename: isError ? thrown.name : "Error",
      evalue: isError ? thrown.message : String(thrown),
      kind,
    });
  };

  // The kernel keeps running either way; preventDefault keeps it so in every Deno version.
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    record(event.error ?? event.message, here(), "error");
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    record(event.reason, here(), "rejection");
  });

  const remembering = (callback: unknown): unknown => {
    if (typeof callback !== "function") return callback;
    const cell = here();
    return function (this: unknown, ...args: unknown[]) {
      try {
        return (callback as Callback).apply(this, args);
      } catch (error) {
        record(error, cell, "callback");
        throw error;
      }
    };
  };
  const timers = globalThis as unknown as Record<string, Callback>;
  for (const name of ["setTimeout", "setInterval", "queueMicrotask"]) {
    const original = timers[name];
    timers[name] = (callback: unknown, ...rest: unknown[]) =>
      original.call(globalThis, remembering(callback), ...rest);
  }

  return {
    enter(cell: number) {
      currentCell = cell;
      context.enterWith(cell);
    },
    async check(settleMs = 0) {
      await new Promise((resolve) => originalSetTimeout(resolve, settleMs));
      if (failures.length === 0) return;
      const error = new Error(JSON.stringify(failures[0]));
      error.name = ASYNC_FAILURE_NAME;
      throw error;
    },
    get failures() {
      return failures;
    },
  };
}
