import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { FaceAnalyzer } from '../../faces/face-analyzer.service';
import { ClassicSwapTool } from './classic-swap.tool';
import { resolveToolOptions } from '../tool-options';

describe('ClassicSwapTool', () => {
  const analyzer = new FaceAnalyzer(1);
  const tool = new ClassicSwapTool(analyzer);
  after(() => analyzer.close());

  it('fails readably, naming the slot, when the template has no face there', async () => {
    const blank = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    const result = await tool.generate({
      caseId: 'blank',
      templatePath: '/nowhere/template.png',
      template: blank,
      avatars: [{ slotId: 'p1', path: '/nowhere/a.png', image: blank }],
      slots: [{ id: 'p1', box: [50, 50, 100, 100], avatar: 'avatars/a.png' }],
      prompt: null,
      options: resolveToolOptions(tool, {}),
      signal: new AbortController().signal,
    });
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.failure.retryable, false);
      assert.match(result.failure.message, /No face found in the template at slot p1/);
    }
  });
});
