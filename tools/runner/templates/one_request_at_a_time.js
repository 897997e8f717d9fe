// A classic Notebook extension that hands the kernel one execute request at a time.
//
// Run All sends every cell's execute request at once. The Deno kernel sends a cell's output
// after the cell has returned, labelled with the request it is working on when the output goes
// out; with the next request already waiting, the last lines of one cell (and sometimes its
// figure or table) are labelled with the next cell's request, and the page draws them under the
// next cell. Here each execute request waits in the page until the kernel has reported the
// previous one idle, and a short pause has let its last outputs arrive; the kernel never holds a
// later request while a cell's output is still on its way.
//
// After a cell fails (Run All stops at an error), or when the connection drops, every waiting
// request is handed over at once, as the Notebook would have sent them, so the kernel answers
// them as it always does; a restarted or dead kernel drops them.
"use strict";

// Everything lives in this block (block-scoped under strict mode): nothing leaks into the page.
{
  /** Time for a finished cell's last outputs to arrive before the next request goes out. */
  const SETTLE_MS = 25;
  /** The Notebook's message serializer, set when the module loads. */
  let serializeMessage;

  /** Watches one kernel's status messages and connection, once per kernel object. */
  const watch = function (kernel) {
    if (kernel.labWatched) return;
    kernel.labWatched = true;
    // the kernel bound its status handler when it was made (perhaps before this extension
    // loaded): wrap the handler it holds
    const handleStatus = kernel._iopub_handlers.status;
    kernel.register_iopub_handler("status", function (msg) {
      const result = handleStatus(msg);
      onStatus(kernel, msg);
      return result;
    });
    kernel.events.on("kernel_restarting.Kernel kernel_dead.Kernel", function () {
      if (kernel.labQueue) clearTimeout(kernel.labQueue.timer);
      kernel.labQueue = null;
    });
    kernel.events.on("kernel_disconnected.Kernel", function () {
      releaseAll(kernel);
    });
  };

  const queueOf = function (kernel) {
    watch(kernel);
    if (!kernel.labQueue) {
      kernel.labQueue = { waiting: [], inFlight: null, failed: false, timer: null };
    }
    return kernel.labQueue;
  };

  const sendNext = function (kernel) {
    const queue = queueOf(kernel);
    queue.timer = null;
    if (queue.inFlight !== null) return;
    const next = queue.waiting.shift();
    if (next === undefined) return;
    queue.inFlight = next.id;
    kernel._send(next.payload);
  };

  const releaseAll = function (kernel) {
    const queue = kernel.labQueue;
    if (!queue) return;
    clearTimeout(queue.timer);
    queue.timer = null;
    queue.inFlight = null;
    queue.failed = false;
    while (queue.waiting.length > 0) kernel._send(queue.waiting.shift().payload);
  };

  /** A cell's idle status frees the kernel: the next request goes out after a short pause. */
  const onStatus = function (kernel, msg) {
    const queue = kernel.labQueue;
    const parent = msg.parent_header && msg.parent_header.msg_id;
    if (queue && msg.content.execution_state === "idle" && parent === queue.inFlight) {
      queue.inFlight = null;
      if (queue.failed) releaseAll(kernel);
      else queue.timer = setTimeout(sendNext, SETTLE_MS, kernel);
    }
  };

  /** Queues an execute request and sends it when the kernel is free; returns its id. */
  const queueRequest = function (kernel, msgType, content, callbacks, metadata, buffers) {
    const queue = queueOf(kernel);
    const msg = kernel._get_msg(msgType, content, metadata, buffers);
    msg.channel = "shell";
    const id = msg.header.msg_id;
    const shell = (callbacks && callbacks.shell) || {};
    const reply = shell.reply;
    const watched = Object.assign({}, callbacks, {
      shell: Object.assign({}, shell, {
        reply: function (message) {
          const stops = content.stop_on_error !== false;
          const failed = message.content && message.content.status === "error";
          if (stops && failed && queueOf(kernel).inFlight === id) queueOf(kernel).failed = true;
          if (reply) return reply.apply(this, arguments);
        },
      }),
    });
    kernel.set_callbacks_for_msg(id, watched);
    queue.waiting.push({ id: id, payload: serializeMessage(msg) });
    if (queue.inFlight === null && queue.timer === null) sendNext(kernel);
    return id;
  };

  define(["services/kernels/kernel", "services/kernels/serialize"], function (kernel, serialize) {
    serializeMessage = serialize.serialize;
    const Kernel = kernel.Kernel;
    const sendShell = Kernel.prototype.send_shell_message;
    Kernel.prototype.send_shell_message = function (type, content, callbacks, metadata, buffers) {
      if (type !== "execute_request") return sendShell.apply(this, arguments);
      return queueRequest(this, type, content, callbacks, metadata, buffers);
    };
    return { load_ipython_extension: function () {} };
  });
}
