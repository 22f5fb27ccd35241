import { Injectable } from '@nestjs/common';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type OpenAI from 'openai';
import { writeCaseFolder, type CaseFiles } from '../cases/case-folder.writer';
import { CasesService } from '../cases/cases.service';
import type { CaseManifest } from '../cases/test-case';
import { UserError } from '../core/user-error';
import { keyNotSet } from '../tools/missing-key';
import { FaceAnalyzer } from '../faces/face-analyzer.service';
import { checkBase64Image } from '../tools/openai/shared/image-output.validator';
import {
  createOpenAIClient,
  openAIEndpoint,
  OPENAI_DEFAULT_BASE_URL,
} from '../tools/openai/shared/openai-client.factory';
import { toolFailureFromError, type ProviderCallContext } from '../tools/openai/shared/openai-errors.mapper';
import { findFaces, type FoundFace } from './template-slots';
import { normalizeImage } from './uploaded-image';
import { planSyntheticCase, portraitPrompt, scenePrompt, type SyntheticPlan } from './synthetic-people';

/** Options of `generate-cases --generator openai`. */
export interface SyntheticOptions {
  count: number;
  seed: number;
  model: string;
  /** Generations per image before the case is skipped (a wrong face count, a transient error). */
  attempts: number;
  /** Called with one line per event worth telling the user (written, retried, skipped). */
  report?: (line: string) => void;
}

/** What the generator did. */
export interface SyntheticResult {
  written: string[];
  skipped: Array<{ index: number; reason: string }>;
  /** Image requests sent, successful or not. */
  requests: number;
}

/** Failures that no later request can fix: the whole suite stops with the provider's reason. */
const FATAL = new Set(['auth', 'forbidden', 'model_not_found', 'not_found', 'quota', 'bad_request']);
const TIMEOUT_MS = 180_000;

/** A case that cannot be built as planned; the suite goes on with the next one. */
class CaseSkipped extends Error {}

/**
 * Synthesizes privacy-safe test cases with an image API: per case, a scene with 1–3 fictional people
 * (the template; its faces, found offline, become the slots) and, per person, a portrait of a *different*
 * fictional person (the avatar, who is to be swapped in). An image whose face count is wrong is generated
 * again up to `attempts` times, then the case is skipped with the reason. Cases say where they came from
 * in `source` and carry the `synthetic` tag.
 */
@Injectable()
export class OpenAICasesGenerator {
  constructor(
    private readonly cases: CasesService,
    private readonly faces: FaceAnalyzer,
  ) {}

  async generate(options: SyntheticOptions): Promise<SyntheticResult> {
    const endpoint = openAIEndpoint();
    if (!endpoint.apiKey) throw new UserError(keyNotSet(['OPENAI_API_KEY']));
    const client = createOpenAIClient(endpoint, TIMEOUT_MS);
    const ctx: ProviderCallContext = {
      provider: 'OpenAI',
      baseURL: endpoint.baseURL ?? OPENAI_DEFAULT_BASE_URL,
      model: options.model,
      apiKeyEnv: endpoint.apiKeyEnv,
      secrets: [endpoint.apiKey],
      timeoutMs: TIMEOUT_MS,
    };
    const result: SyntheticResult = { written: [], skipped: [], requests: 0 };
    const report = options.report ?? (() => undefined);
    let next = await this.firstFreeNumber();
    for (let index = 0; index < options.count; index++) {
      const plan = planSyntheticCase(options.seed, index);
      try {
        const { files, slots } = await this.buildCase(client, ctx, plan, options, result, report, index);
        const id = `synth_${String(next++).padStart(4, '0')}`;
        files.set('case.json', manifestFile(id, plan, slots, options));
        await writeCaseFolder(join(this.cases.root, id), files, 'refuse');
        result.written.push(id);
        report(`wrote ${id} (${plan.people.length} ${plan.people.length === 1 ? 'person' : 'people'})`);
      } catch (error) {
        if (!(error instanceof CaseSkipped)) throw error;
        result.skipped.push({ index: index + 1, reason: error.message });
        report(`skipped case ${index + 1}: ${error.message}`);
      }
    }
    return result;
  }

  private async buildCase(
    client: OpenAI,
    ctx: ProviderCallContext,
    plan: SyntheticPlan,
    options: SyntheticOptions,
    result: SyntheticResult,
    report: (line: string) => void,
    index: number,
  ): Promise<{ files: CaseFiles; slots: CaseManifest['slots'] }> {
    const generate = async (prompt: string, size: '1536x1024' | '1024x1024', faces: number, what: string) => {
      let last = '';
      for (let attempt = 1; attempt <= options.attempts; attempt++) {
        result.requests++;
        const outcome = await this.generateOnce(client, ctx, prompt, size, options.model);
        if ('png' in outcome) {
          if (outcome.faces.length === faces) return outcome;
          last = `${what} showed ${outcome.faces.length} face${outcome.faces.length === 1 ? '' : 's'}, not ${faces}`;
        } else last = `${what}: ${outcome.error}`;
        if (attempt < options.attempts) report(`case ${index + 1}: ${last}; generating it again`);
      }
      throw new CaseSkipped(
        `${last} (after ${options.attempts} attempt${options.attempts === 1 ? '' : 's'})`,
      );
    };
    const n = plan.people.length;
    const scene = await generate(scenePrompt(plan), '1536x1024', n, 'the scene');
    const files: CaseFiles = new Map([['template.png', scene.png]]);
    const slots: CaseManifest['slots'] = [];
    for (const [k, person] of plan.avatars.entries()) {
      const portrait = await generate(
        portraitPrompt(person),
        '1024x1024',
        1,
        `the portrait for person ${k + 1}`,
      );
      const name = `avatars/${k + 1}_portrait.png`;
      files.set(name, portrait.png);
      slots.push({ id: `p${k + 1}`, box: scene.faces[k].box, avatar: name });
    }
    return { files, slots };
  }

  /** One image request: the checked PNG and its faces, or why it failed (fatal failures throw). */
  private async generateOnce(
    client: OpenAI,
    ctx: ProviderCallContext,
    prompt: string,
    size: '1536x1024' | '1024x1024',
    model: string,
  ): Promise<{ png: Buffer; faces: FoundFace[] } | { error: string }> {
    let b64: unknown;
    try {
      const response = await client.images.generate({
        model,
        prompt,
        n: 1,
        size,
        ...(model.startsWith('dall-e') ? { response_format: 'b64_json' as const } : {}),
      });
      b64 = response.data?.[0]?.b64_json;
    } catch (error) {
      const failure = toolFailureFromError(error, ctx);
      if (FATAL.has(failure.code)) throw new UserError(failure.message);
      if (failure.retryable) await pause(Math.min(failure.retryAfterMs ?? 1000, 10_000));
      return { error: failure.message };
    }
    const image = await checkBase64Image(b64, 'OpenAI');
    if (!image.ok) return { error: image.failure.message };
    const normalized = await normalizeImage(image.png, 'the generated image').catch((e: Error) => e);
    if (normalized instanceof Error) return { error: normalized.message };
    return { png: normalized.png, faces: await findFaces(this.faces, normalized.png) };
  }

  /** The next number after the highest existing `synth_NNNN` case, so earlier suites are never replaced. */
  private async firstFreeNumber(): Promise<number> {
    const names = await readdir(this.cases.root).catch(() => [] as string[]);
    const taken = names
      .map((n) => /^synth_(\d+)$/.exec(n)?.[1])
      .filter(Boolean)
      .map(Number);
    return taken.length === 0 ? 1 : Math.max(...taken) + 1;
  }
}

function manifestFile(
  id: string,
  plan: SyntheticPlan,
  slots: CaseManifest['slots'],
  options: SyntheticOptions,
): Buffer {
  const n = plan.people.length;
  const manifest: CaseManifest = {
    id,
    title: `Synthetic: ${n === 1 ? 'one person' : `${n} people`} in ${plan.scene.replace(/^an? /, 'a ')}`,
    template: 'template.png',
    slots,
    tags: ['synthetic', n === 1 ? 'one-person' : `${n}-people`],
    source:
      `synthetic: generated with the OpenAI image API (model ${options.model}) by swapbench generate-cases ` +
      `--generator openai --seed ${options.seed}; fictional people. Template: ${plan.people.join('; ')}. ` +
      `Avatars: ${plan.avatars.join('; ')}.`,
    license: 'Generated images of fictional people; use under your image provider’s terms',
  };
  return Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
