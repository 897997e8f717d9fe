"""Executes one notebook with nbclient, robust to the Deno kernel's message order and silences.

Deno's kernel (2.9) can publish `status: idle` on IOPub *before* the cell's last stream and
`execute_result` messages (measured here: about one cell in five under load). nbclient stops
collecting a cell's outputs at `idle`, so those outputs would be lost or land in the next
cell. This client keeps reading IOPub after `idle` until it has been quiet for a short grace
period and files every message under the cell whose request it answers.

The same kernel says nothing about an error thrown asynchronously (a timer callback, a promise
rejected with no handler): the cell passes. So, with `--guard URL`, the client imports that
module (async_guard.ts) into the kernel before the first cell and calls it before and after
every cell, each time as a silent request: silent requests add no output to the notebook and
leave its execution counts alone. After the last code cell the check first lets callbacks due
within SETTLE_MS run.

Usage: execute_notebook.py INPUT.ipynb OUTPUT.ipynb [--kernel deno] [--timeout SECONDS]
                           [--guard MODULE_URL]
Exit 0 on success. On failure, writes the partially executed notebook, prints one JSON line
{"cell": N, "ename": ..., "evalue": ..., "kind": ...} (N is the cell's In [N]; kind is
"cell", "syntax", "callback", "error", "rejection", "kernel-died", "timeout" or "runner"; a
"syntax" report carries the cell's "source", a "kernel-died" one its "exit_code") and exits 1.
"""
import argparse
import asyncio
import json
import queue
import sys

import nbformat
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import (CellExecutionComplete, CellExecutionError, CellTimeoutError,
                                 DeadKernelError)

QUIET_SECONDS = 0.3  # no message for this long after idle: the cell is really done
MAX_DRAIN_SECONDS = 10.0
SETTLE_MS = 250  # after the last cell: how long callbacks may still throw and be caught
GUARD = 'globalThis[Symbol.for("lab.asyncGuard")]'
ASYNC_FAILURE_NAME = "LabAsyncFailure"  # async_guard.ts
GUARD_TIMEOUT_SECONDS = 60
# What the Deno kernel replies, with no output and no traceback, when it cannot parse a cell.
UNPARSED = ("Error", "Execution failed")


class RunFailure(Exception):
    """A failure the runner reports as it is (one JSON object)."""

    def __init__(self, report):
        super().__init__(report.get("evalue", ""))
        self.report = report


class OrderTolerantClient(NotebookClient):
    guard_url = None
    current_cell = None  # In [N] of the code cell being executed
    last_code_index = None
    guard_installed = False

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        assert self.kc is not None
        while True:
            msg = await self.kc.iopub_channel.get_msg(timeout=None)
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                break
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_DRAIN_SECONDS
        while loop.time() < deadline:
            try:
                msg = await self.kc.iopub_channel.get_msg(timeout=QUIET_SECONDS)
            except (queue.Empty, asyncio.TimeoutError):
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            if msg["msg_type"] == "status":
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass

    async def _silent(self, code):
        """Runs code in the kernel as a silent request; returns the reply's content."""
        msg_id = await ensure_async(self.kc.execute(
            code, silent=True, store_history=False, allow_stdin=False, stop_on_error=False))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GUARD_TIMEOUT_SECONDS
        while True:
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=1)
            except (queue.Empty, asyncio.TimeoutError):
                if not await ensure_async(self.kc.is_alive()):
                    raise DeadKernelError("Kernel died")
                if loop.time() > deadline:
                    raise TimeoutError(f"the kernel did not answer the runner within "
                                       f"{GUARD_TIMEOUT_SECONDS} s")
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]

    async def _guard(self, call):
        if self.guard_url is None:
            return
        if not self.guard_installed:
            await self._expect_ok(f"{GUARD} = (await import({json.dumps(self.guard_url)}))"
                                  ".installAsyncGuard();")
            self.guard_installed = True
        await self._expect_ok(f"await {GUARD}.{call};")

    async def _expect_ok(self, code):
        reply = await self._silent(code)
        if reply.get("status") == "ok":
            return
        ename, evalue = reply.get("ename", "Error"), reply.get("evalue", "")
        if ename == ASYNC_FAILURE_NAME:
            raise RunFailure(json.loads(evalue))
        raise RunFailure({"cell": self.current_cell, "ename": "Error", "kind": "runner",
                          "evalue": f"the runner's asynchronous-error check failed: "
                                    f"{ename}: {evalue}"})

    def _exit_code(self):
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        try:
            return process.wait(timeout=2) if process is not None else None
        except Exception:
            return None

    async def async_execute_cell(self, cell, cell_index, execution_count=None,
                                 store_history=True):
        if cell.cell_type != "code" or not cell.source.strip():
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        self.current_cell = execution_count
        try:
            await self._guard(f"enter({execution_count})")
            executed = await super().async_execute_cell(cell, cell_index, execution_count,
                                                        store_history)
            last = cell_index == self.last_code_index
            await self._guard(f"check({SETTLE_MS if last else 0})")
            return executed
        except DeadKernelError:
            code = self._exit_code()
            raise RunFailure({
                "cell": execution_count, "ename": "DeadKernelError", "kind": "kernel-died",
                "evalue": f"kernel died while running cell {execution_count}",
                "exit_code": code,
            })
        except CellTimeoutError:
            raise RunFailure({"cell": execution_count, "ename": "TimeoutError", "kind": "timeout",
                              "evalue": f"the cell ran longer than {self.timeout} s"})
        except CellExecutionError as error:
            ename = getattr(error, "ename", "Error")
            evalue = str(getattr(error, "evalue", error)).strip()
            report = {"cell": execution_count, "ename": ename, "evalue": evalue, "kind": "cell"}
            has_error_output = any(o.get("output_type") == "error" for o in cell.outputs)
            if (ename, evalue) == UNPARSED and not has_error_output:
                report.update(kind="syntax", source=cell.source)
            raise RunFailure(report)


def coalesce_streams(notebook) -> None:
    """Merges consecutive stream outputs of the same name, as nbconvert does."""
    for cell in notebook.cells:
        merged = []
        for output in cell.get("outputs", []):
            if (merged and output.get("output_type") == "stream"
                    and merged[-1].get("output_type") == "stream"
                    and merged[-1].get("name") == output.get("name")):
                merged[-1]["text"] += output["text"]
            else:
                merged.append(output)
        if "outputs" in cell:
            cell["outputs"] = merged


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--kernel", default="deno")
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--guard", default=None)
    args = parser.parse_args()
    notebook = nbformat.read(args.input, as_version=4)
    client = OrderTolerantClient(
        notebook,
        kernel_name=args.kernel,
        timeout=args.timeout,
        resources={"metadata": {"path": "."}},
    )
    client.guard_url = args.guard
    code_indices = [i for i, c in enumerate(notebook.cells)
                    if c.cell_type == "code" and c.source.strip()]
    client.last_code_index = code_indices[-1] if code_indices else None
    report = None
    try:
        client.execute()
    except RunFailure as failure:
        report = failure.report
    except DeadKernelError:
        cell = client.current_cell
        where = "before the first cell" if cell is None else f"while running cell {cell}"
        report = {"cell": cell, "ename": "DeadKernelError", "kind": "kernel-died",
                  "evalue": f"kernel died {where}", "exit_code": None}
    except Exception as error:  # the kernel did not start, a protocol error, ...
        report = {"cell": client.current_cell, "ename": type(error).__name__,
                  "evalue": str(error).strip() or type(error).__name__, "kind": "runner"}
    coalesce_streams(notebook)
    nbformat.write(notebook, args.output)
    if report is None:
        return 0
    print(json.dumps(report))
    return 1


if __name__ == "__main__":
    sys.exit(main())
