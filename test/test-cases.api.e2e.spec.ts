import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import request from 'supertest';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import { bombPng, duoPhoto, sourcePhoto } from './support/bad-images';
import { solidPng } from './support/fixtures';
import { useTempData } from './support/temp-data';

describe('POST /api/test-cases (multipart upload) and DELETE /api/test-cases/{id}', () => {
  let data: ReturnType<typeof useTempData>;
  let app: INestApplication;
  let base: string;
  let http: ReturnType<typeof request>;
  let duo: Buffer;
  const hopper = sourcePhoto('grace_hopper.jpg');
  const astronaut = sourcePhoto('astronaut.png');

  /** Everything in the datasets folder, so a refused upload can be shown to leave nothing behind. */
  const onDisk = () => (existsSync(data.datasets) ? readdirSync(data.datasets).sort() : []);

  /** A valid form: Grace Hopper's portrait as the template, the astronaut as the avatar. */
  const upload = (fields: Record<string, string>, files?: Array<[string, Buffer, string]>) => {
    let req = http.post('/api/test-cases');
    for (const [name, value] of Object.entries({ title: 'Uploaded case', ...fields }))
      req = req.field(name, value);
    for (const [field, bytes, filename] of files ?? [
      ['template', hopper, 'hopper.jpg'],
      ['avatars', astronaut, 'astronaut.png'],
    ])
      req = req.attach(field, bytes, filename);
    return req;
  };

  /** Asserts a refused upload: the status, a message matching `pattern`, and no change on disk. */
  async function refused(
    send: () => request.Test | Promise<request.Response>,
    status: number,
    pattern: RegExp,
  ): Promise<void> {
    const before = onDisk();
    const res = await send();
    assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
    assert.match(res.body.error, pattern);
    assert.deepEqual(onDisk(), before, 'a refused upload must leave nothing in the datasets folder');
  }

  before(async () => {
    data = useTempData('upload');
    duo = await duoPhoto();
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
    base = serverUrl(app);
    http = request(base);
  });

  after(async () => {
    await app.close();
    data.dispose();
  });

  it('finds the faces of a template, left to right', async () => {
    const res = await http.post('/api/test-cases/faces').attach('image', duo, 'duo.png').expect(200);
    assert.equal(res.body.faces.length, 2);
    assert.ok(res.body.faces[0].box[0] < res.body.faces[1].box[0]);
    for (const face of res.body.faces) assert.ok(face.box.every((v: number) => Number.isInteger(v)));
  });

  it('creates a case in the standard format that lists at once', async () => {
    const res = await upload({
      id: 'up_hopper',
      prompt: 'Keep the uniform',
      tags: 'upload, portrait',
    }).expect(201);
    assert.equal(res.body.id, 'up_hopper');
    assert.equal(res.body.valid, true);
    assert.equal(res.body.slots.length, 1);
    const manifest = JSON.parse(readFileSync(join(data.datasets, 'up_hopper', 'case.json'), 'utf8'));
    assert.equal(manifest.template, 'template.png');
    assert.deepEqual(manifest.tags, ['upload', 'portrait']);
    assert.equal(manifest.prompt, 'Keep the uniform');
    assert.match(manifest.slots[0].avatar, /^avatars\/1_astronaut\.png$/);
    assert.ok(existsSync(join(data.datasets, 'up_hopper', manifest.slots[0].avatar)));
    const listed = await http.get('/api/test-cases').expect(200);
    assert.ok(listed.body.some((c: { id: string; valid: boolean }) => c.id === 'up_hopper' && c.valid));
    assert.deepEqual(onDisk(), ['up_hopper']);
  });

  it('derives the id from the title, and honours an assignment that drops a face', async () => {
    const res = await upload({ title: 'Duo: only the right one', assignments: '[null, 0]' }, [
      ['template', duo, 'duo.png'],
      ['avatars', astronaut, 'astronaut.png'],
    ]).expect(201);
    assert.equal(res.body.id, 'duo_only_the_right_one');
    assert.equal(res.body.slots.length, 1);
    assert.ok(res.body.slots[0].box[0] >= 512, 'the kept slot is the right-hand face');
  });

  it('refuses a file that is not an image', async () => {
    await refused(
      () =>
        upload({}, [
          ['template', Buffer.from('just some text\n'), 'notes.txt'],
          ['avatars', astronaut, 'a.png'],
        ]),
      415,
      /template "notes\.txt" is not an image/,
    );
  });

  it('refuses a GIF', async () => {
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } })
      .gif()
      .toBuffer();
    await refused(
      () =>
        upload({}, [
          ['template', hopper, 'h.jpg'],
          ['avatars', gif, 'a.gif'],
        ]),
      415,
      /avatar "a\.gif" is gif/,
    );
  });

  it('refuses a file over the size limit with 413', async () => {
    await refused(
      () =>
        upload({}, [
          ['template', Buffer.alloc(21 * 1024 * 1024, 1), 'huge.png'],
          ['avatars', astronaut, 'a.png'],
        ]),
      413,
      /larger than the 20 MB limit/,
    );
  });

  it('refuses a decompression bomb from its header, without decoding it', async () => {
    const bomb = await bombPng(30000, 30000);
    const started = performance.now();
    await refused(
      () =>
        upload({}, [
          ['template', hopper, 'h.jpg'],
          ['avatars', bomb, 'bomb.png'],
        ]),
      413,
      /avatar "bomb\.png" is 30000×30000 pixels \(900 megapixels\); the limit is 40 megapixels/,
    );
    assert.ok(performance.now() - started < 5000);
  });

  it('refuses a truncated image', async () => {
    await refused(
      () =>
        upload({}, [
          ['template', hopper.subarray(0, hopper.length / 2), 'cut.jpg'],
          ['avatars', astronaut, 'a.png'],
        ]),
      422,
      /template "cut\.jpg" is damaged or cut short/,
    );
  });

  it('refuses a template with no face', async () => {
    const wall = await solidPng(320, 240, 3);
    await refused(
      () =>
        upload({}, [
          ['template', wall, 'wall.png'],
          ['avatars', astronaut, 'a.png'],
        ]),
      422,
      /template "wall\.png": no face was found/,
    );
  });

  it('refuses an avatar with no face', async () => {
    const blank = await solidPng(200, 200, 4);
    await refused(
      () =>
        upload({}, [
          ['template', hopper, 'h.jpg'],
          ['avatars', blank, 'blank.png'],
        ]),
      422,
      /avatar "blank\.png": no face was found/,
    );
  });

  it('refuses more slots than avatars', async () => {
    await refused(
      () =>
        upload({}, [
          ['template', duo, 'duo.png'],
          ['avatars', astronaut, 'a.png'],
        ]),
      422,
      /2 faces but only 1 avatar/,
    );
  });

  it('refuses assignments that do not fit the faces', async () => {
    await refused(
      () =>
        upload({ assignments: '[0]' }, [
          ['template', duo, 'duo.png'],
          ['avatars', astronaut, 'a.png'],
        ]),
      422,
      /1 entries for 2 faces/,
    );
    await refused(
      () =>
        upload({ assignments: '[0, 3]' }, [
          ['template', duo, 'duo.png'],
          ['avatars', astronaut, 'a.png'],
        ]),
      400,
      /assignments\[1\]: 3 is not an avatar index/,
    );
    await refused(() => upload({ assignments: 'nope' }), 400, /assignments: must be a JSON array/);
    await refused(() => upload({ assignments: '[null]' }), 400, /every face was left out/);
  });

  it('refuses a duplicate case id with 409', async () => {
    await refused(() => upload({ id: 'up_hopper' }), 409, /"up_hopper" already exists/);
  });

  it('lets only one of two concurrent uploads of the same id win', async () => {
    const results = await Promise.all([upload({ id: 'race' }), upload({ id: 'race' })]);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
    assert.deepEqual(
      onDisk().filter((n) => n.startsWith('race')),
      ['race'],
    );
  });

  it('refuses path-like ids; a path in a file name never leaves the case folder', async () => {
    await refused(() => upload({ id: '../x' }), 400, /id: "\.\.\/x" is not a valid case id/);
    await refused(() => upload({ id: 'Up Hopper' }), 400, /not a valid case id/);
    await refused(() => upload({ id: 'sources' }), 400, /"sources" is reserved/);
    assert.equal(existsSync(join(data.root, 'x')), false);
    // Multipart parsers keep only the last part of a file name; the stored name is a slug of it anyway.
    const res = await upload({ id: 'path_names' }, [
      ['template', hopper, '../../etc/h.jpg'],
      ['avatars', astronaut, '../../../evil.png'],
    ]).expect(201);
    assert.deepEqual(res.body.avatar_urls, ['/datasets/path_names/avatars/1_evil.png']);
    assert.equal(existsSync(join(data.root, 'evil.png')), false);
  });

  it('refuses a missing title, template or avatar, unknown fields and non-multipart bodies', async () => {
    await refused(() => http.post('/api/test-cases').attach('template', hopper, 'h.jpg'), 400, /title/);
    await refused(
      () => http.post('/api/test-cases').field('title', 't').attach('avatars', astronaut, 'a.png'),
      400,
      /template: upload the template/,
    );
    await refused(
      () => http.post('/api/test-cases').field('title', 't').attach('template', hopper, 'h.jpg'),
      400,
      /at least one avatar/,
    );
    await refused(() => upload({ colour: 'red' }), 400, /colour/);
    await refused(
      () =>
        upload({}, [
          ['template', hopper, 'h.jpg'],
          ['pictures', astronaut, 'a.png'],
        ]),
      400,
      /Unexpected file field .*accepted: template \(at most 1\), avatars \(at most 16\)/,
    );
    await refused(() => http.post('/api/test-cases').send({ title: 'json' }), 415, /multipart\/form-data/);
    const many = Array.from({ length: 17 }, (_, i): [string, Buffer, string] => [
      'avatars',
      astronaut,
      `a${i}.png`,
    ]);
    await refused(
      () => upload({}, [['template', hopper, 'h.jpg'], ...many]),
      413,
      /Too many files; accepted: template \(at most 1\), avatars \(at most 16\)/,
    );
  });

  it('refuses a multipart body that ends half way', async () => {
    const boundary = '----swapbenchtest';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nHalf\r\n`),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="template"; filename="h.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      hopper.subarray(0, 1000),
    ]);
    await refused(
      () =>
        http
          .post('/api/test-cases')
          .set('Content-Type', `multipart/form-data; boundary=${boundary}`)
          .send(body),
      400,
      /upload is incomplete or malformed .*nothing was saved/,
    );
  });

  it('survives a client that hangs up mid-upload, leaving nothing behind', async () => {
    const before = onDisk();
    const { port } = new URL(base);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        const boundary = 'xyz';
        socket.write(
          `POST /api/test-cases HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
            `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 5000000\r\n\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="template"; filename="h.jpg"\r\n\r\n`,
        );
        socket.write(hopper.subarray(0, 20000), () => setTimeout(() => socket.destroy(), 100));
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await http.get('/api/test-cases').expect(200);
    assert.deepEqual(onDisk(), before);
  });

  it('refuses a state-changing request from a foreign origin', async () => {
    await refused(() => upload({ id: 'foreign' }).set('Origin', 'https://evil.example'), 403, /./);
  });

  it('deletes an unused case, refuses one a run refers to (409), and archives on request', async () => {
    await upload({ id: 'to_delete' }).expect(201);
    await http
      .delete('/api/test-cases/to_delete')
      .expect(200, { id: 'to_delete', action: 'deleted', archivedTo: null });
    assert.equal(onDisk().includes('to_delete'), false);
    await http.delete('/api/test-cases/to_delete').expect(404);
    mkdirSync(join(data.datasets, 'sources'));
    await http.delete('/api/test-cases/sources').expect(404);
    assert.ok(existsSync(join(data.datasets, 'sources')), 'the demo photos folder is not a case');
    await http.delete('/api/test-cases/..%2Fx').expect((res) => assert.ok([400, 404].includes(res.status)));

    const started = await http
      .post('/api/run')
      .send({ case_ids: ['up_hopper'], tool_ids: ['control_template'], options: { cache: false } })
      .expect(202);
    const runId: string = started.body.run_id;
    const refusal = await http.delete('/api/test-cases/up_hopper').expect(409);
    assert.match(refusal.body.error, new RegExp(`used by 1 run \\(${runId}\\).*archive it instead`));
    assert.ok(onDisk().includes('up_hopper'));
    for (let i = 0; i < 600; i++) {
      const run = await http.get(`/api/runs/${runId}`).expect(200);
      if (run.body.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const archived = await http.delete('/api/test-cases/up_hopper?archive=true').expect(200);
    assert.equal(archived.body.action, 'archived');
    assert.ok(existsSync(join(data.datasets, archived.body.archivedTo, 'case.json')));
    const listed = await http.get('/api/test-cases').expect(200);
    assert.equal(
      listed.body.some((c: { id: string }) => c.id === 'up_hopper'),
      false,
    );
  });
});
