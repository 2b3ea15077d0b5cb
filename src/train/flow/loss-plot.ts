import { renderFigure, savePlot } from '../../plot/index.js';
import type { EpochRecord } from '../../nn/index.js';

/** Training and validation NLL per epoch, the kept (best) epoch marked; writes `<base>.svg` and `.png`. */
export async function lossCurve(base: string, history: EpochRecord[], bestEpoch: number, name: string): Promise<void> {
  const epochs = history.map((h) => h.epoch);
  const svg = renderFigure({
    title: `${name}: training`,
    main: {
      xlabel: 'epoch',
      ylabel: 'weighted NLL per example',
      series: [
        { type: 'line', x: epochs, y: history.map((h) => h.train_loss), label: 'training' },
        { type: 'line', x: epochs, y: history.map((h) => h.val_loss), label: 'validation', dashed: true },
      ],
      vlines: bestEpoch > 0 ? [bestEpoch] : [],
      notes: [`best epoch ${bestEpoch}`],
      grid: true,
    },
  });
  await savePlot(base, svg);
}
