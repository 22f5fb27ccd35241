import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { downloadResultImage, refuseUrl } from './result-download';

describe('refuseUrl: https, or http to this machine from a local base', () => {
  const cases: Array<[string, string, boolean]> = [
    ['https://delivery.example/abc.png', 'https://api.bfl.ai', true],
    ['https://delivery.example/abc.png', 'http://127.0.0.1:9000', true],
    ['http://127.0.0.1:9000/r.png', 'http://127.0.0.1:9000', true],
    ['http://localhost:9000/r.png', 'http://[::1]:9000', true],
    // Plain http on the internet is never fetched, whatever the base.
    ['http://203.0.113.9/r.png', 'http://127.0.0.1:9000', false],
    // A remote base may not steer downloads to this machine over plain http.
    ['http://127.0.0.1:9000/r.png', 'https://api.bfl.ai', false],
    ['http://127.0.0.1:9000/r.png', 'http://10.0.0.5:9000', false],
    ['file:///etc/passwd', 'http://127.0.0.1:9000', false],
    ['not a url', 'https://api.bfl.ai', false],
  ];
  for (const [url, base, allowed] of cases)
    it(`${allowed ? 'fetches' : 'refuses'} ${url} from base ${base}`, () => {
      assert.equal(refuseUrl(url, base) === null, allowed, String(refuseUrl(url, base)));
    });
});

describe('downloadResultImage limits', () => {
  let server: Server;
  let origin = '';
  let png = Buffer.alloc(0);

  before(async () => {
    png = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#3a7' } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    server = createServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://203.0.113.9/elsewhere.png' });
        return res.end();
      }
      if (req.url === '/chunked') {
        // No content-length: the limit must hold while the body streams.
        res.writeHead(200, { 'content-type': 'image/png', 'transfer-encoding': 'chunked' });
        return res.end(png);
      }
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) });
      res.end(png);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const from = () => ({ service: 'Test', baseUrl: origin, signal: new AbortController().signal });

  it('downloads a whole image within the limits', async () => {
    const result = await downloadResultImage(`${origin}/ok.png`, from());
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.width, 200);
  });

  it('refuses a declared or streamed body over the size limit, as a final bad_output', async () => {
    for (const path of ['/ok.png', '/chunked']) {
      const result = await downloadResultImage(`${origin}${path}`, from(), { maxBytes: png.length - 1 });
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.failure.code, 'bad_output');
      assert.equal(!result.ok && result.failure.retryable, false);
      assert.match(!result.ok ? result.failure.message : '', /over the \d+-byte limit/);
    }
  });

  it('does not follow a redirect away from the checked URL', async () => {
    const result = await downloadResultImage(`${origin}/redirect`, from());
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.failure.code, 'result_unavailable');
  });
});
