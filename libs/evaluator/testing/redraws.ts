import sharp from 'sharp';

/**
 * What a generative tool does to a whole frame when it redraws it, applied to a good output: the score
 * must hold under each (see docs/score.md). Made with sharp, independently of the registration code.
 */
export type Redraw =
  | { kind: 'shift'; x: number; y: number }
  | { kind: 'zoom'; factor: number }
  | { kind: 'rotate'; degrees: number }
  | { kind: 'regrade' }
  | { kind: 'jpeg'; quality: number }
  | { kind: 'resample'; factor: number };

/** A readable name of a redraw, for tables and test names. */
export function redrawName(steps: readonly Redraw[]): string {
  return steps
    .map((r) => {
      switch (r.kind) {
        case 'shift':
          return `shift ${r.x * 100}%,${r.y * 100}%`;
        case 'zoom':
          return `zoom ${Math.round((r.factor - 1) * 100)}%`;
        case 'rotate':
          return `rotate ${r.degrees}°`;
        case 'regrade':
          return 'regrade';
        case 'jpeg':
          return `JPEG ${r.quality}`;
        case 'resample':
          return `resample ${r.factor}×`;
      }
    })
    .join(' + ');
}

/** The benign redraws the score is validated against: each alone, then combined. */
export const BENIGN_REDRAWS: readonly (readonly Redraw[])[] = [
  [{ kind: 'shift', x: 0.03, y: 0 }],
  [{ kind: 'shift', x: -0.02, y: 0.02 }],
  [{ kind: 'zoom', factor: 1.05 }],
  [{ kind: 'zoom', factor: 0.96 }],
  [{ kind: 'rotate', degrees: 2 }],
  [{ kind: 'regrade' }],
  [{ kind: 'jpeg', quality: 80 }],
  [{ kind: 'resample', factor: 1.5 }],
  [{ kind: 'shift', x: 0.01, y: 0 }, { kind: 'regrade' }],
  [
    { kind: 'zoom', factor: 1.03 },
    { kind: 'shift', x: 0.02, y: -0.01 },
    { kind: 'jpeg', quality: 80 },
  ],
  [
    { kind: 'rotate', degrees: -1.5 },
    { kind: 'zoom', factor: 1.04 },
    { kind: 'regrade' },
    { kind: 'resample', factor: 1.5 },
  ],
];

/** Applies the steps in order to an encoded image; returns a PNG. */
export async function redraw(image: Buffer, steps: readonly Redraw[]): Promise<Buffer> {
  let current: Buffer = await sharp(image).removeAlpha().png().toBuffer();
  for (const step of steps) current = await applyStep(current, step);
  return current;
}

async function applyStep(image: Buffer, step: Redraw): Promise<Buffer> {
  const { width, height } = await sharp(image).metadata();
  switch (step.kind) {
    case 'shift': {
      // Content moves by the fraction; the edge it uncovers repeats the image's last pixels.
      const dx = Math.round(step.x * width);
      const dy = Math.round(step.y * height);
      const extended = await sharp(image)
        .extend({
          left: Math.max(0, dx),
          right: Math.max(0, -dx),
          top: Math.max(0, dy),
          bottom: Math.max(0, -dy),
          extendWith: 'copy',
        })
        .png()
        .toBuffer();
      return sharp(extended)
        .extract({ left: Math.max(0, -dx), top: Math.max(0, -dy), width, height })
        .png()
        .toBuffer();
    }
    case 'zoom': {
      const w = Math.round(width * step.factor);
      const h = Math.round(height * step.factor);
      const resized = await sharp(image).resize(w, h, { fit: 'fill' }).png().toBuffer();
      if (step.factor >= 1) {
        return sharp(resized)
          .extract({ left: Math.floor((w - width) / 2), top: Math.floor((h - height) / 2), width, height })
          .png()
          .toBuffer();
      }
      // Zoomed out: the frame around is filled by repeating the edges.
      const left = Math.floor((width - w) / 2);
      const top = Math.floor((height - h) / 2);
      return sharp(resized)
        .extend({ left, top, right: width - w - left, bottom: height - h - top, extendWith: 'copy' })
        .png()
        .toBuffer();
    }
    case 'rotate': {
      // Rotated about the centre; the corners it uncovers repeat the image's edges, as for a shift.
      const pad = Math.ceil(Math.max(width, height) * 0.1);
      const rotated = await sharp(image)
        .extend({ left: pad, right: pad, top: pad, bottom: pad, extendWith: 'copy' })
        .rotate(step.degrees)
        .png()
        .toBuffer();
      const meta = await sharp(rotated).metadata();
      return sharp(rotated)
        .extract({
          left: Math.floor((meta.width - width) / 2),
          top: Math.floor((meta.height - height) / 2),
          width,
          height,
        })
        .png()
        .toBuffer();
    }
    case 'regrade':
      // Warmer, a little more contrast and saturation, and a gamma bend, as a model's own grading would.
      return sharp(image)
        .linear([1.08, 1.02, 0.92], [-4, 2, 6])
        .gamma(2.2, 2.0)
        .modulate({ saturation: 1.1 })
        .png()
        .toBuffer();
    case 'jpeg': {
      const jpeg = await sharp(image).jpeg({ quality: step.quality }).toBuffer();
      return sharp(jpeg).png().toBuffer();
    }
    case 'resample':
      return sharp(image)
        .resize(Math.round(width * step.factor), Math.round(height * step.factor), { kernel: 'lanczos3' })
        .png()
        .toBuffer();
  }
}
