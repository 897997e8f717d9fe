"""Executes one notebook with nbclient, robust to the Deno kernel's message order.

Deno's kernel (2.9) can publish `status: idle` on IOPub *before* the cell's last stream and
`execute_result` messages (measured here: about one cell in five under load). nbclient stops
collecting a cell's outputs at `idle`, so those outputs would be lost or land in the next
cell. This client keeps reading IOPub after `idle` until it has been quiet for a short grace
period and files every message under the cell whose request it answers.

Usage: execute_notebook.py INPUT.ipynb OUTPUT.ipynb [--kernel deno] [--timeout SECONDS]
Exit 0 on success. On a failing cell, writes the partially executed notebook, prints one JSON
line {"cell": N, "ename": ..., "evalue": ...} (N counts code cells from 1) and exits 1.
"""
import argparse
import asyncio
import json
import queue
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError

QUIET_SECONDS = 0.3  # no message for this long after idle: the cell is really done
MAX_DRAIN_SECONDS = 10.0


class OrderTolerantClient(NotebookClient):
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
    args = parser.parse_args()
    notebook = nbformat.read(args.input, as_version=4)
    client = OrderTolerantClient(
        notebook,
        kernel_name=args.kernel,
        timeout=args.timeout,
        resources={"metadata": {"path": "."}},
    )
    failure = None
    try:
        client.execute()
    except CellExecutionError as error:
        failure = error
    coalesce_streams(notebook)
    nbformat.write(notebook, args.output)
    if failure is None:
        return 0
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    failed_at = next(
        (i for i, c in enumerate(code_cells, 1)
         if any(o.get("output_type") == "error" for o in c.get("outputs", []))),
        None,
    )
    print(json.dumps({
        "cell": failed_at,
        "ename": getattr(failure, "ename", "Error"),
        "evalue": getattr(failure, "evalue", str(failure)).strip(),
    }))
    return 1


if __name__ == "__main__":
    sys.exit(main())
