/**
 * A figure that is only a message (what to run to get the data, say): a Figure with no traces
 * whose display is the message itself, so a notebook shows it like any other figure without
 * asking which kind it has.
 */
import { Figure } from "./figure.ts";
import type { MimeBundle } from "./plotly_types.ts";
import { escapeHtml } from "./text.ts";

export class FigureNote extends Figure {
  constructor(readonly message: string) {
    super(message, {
      data: [],
      layout: {
        title: { text: message },
        xaxis: { visible: false },
        yaxis: { visible: false },
        annotations: [{ text: message, showarrow: false, x: 0.5, y: 0.5 }],
      },
    }, message);
  }

  override mimeBundle(): MimeBundle {
    return { "text/html": `<p>${escapeHtml(this.message)}</p>`, "text/plain": this.message };
  }
}
