/**
 * How the fake OpenAI server answers a request. `ok` is the documented success answer; every other
 * scenario is one of the failures a real provider (or a self-hosted server) can produce.
 */
export type FakeScenario =
  | 'ok'
  | 'auth_401'
  | 'forbidden_403'
  | 'safety_400'
  | 'bad_request_400'
  | 'unprocessable_422'
  | 'model_not_found_404'
  | 'rate_limit_429'
  | 'rate_limit_429_retry_after'
  | 'rate_limit_429_retry_after_ms'
  | 'server_500'
  | 'server_503'
  | 'not_image_200'
  | 'truncated_png_200'
  | 'html_200'
  | 'hang'
  | 'drop_connection';

/** An HTTP answer the server writes as is. */
export interface FakeReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The error body shape of the OpenAI API: `{ error: { message, type, param, code } }`. */
export function openAIError(
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
  headers: Record<string, string> = {},
): FakeReply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ error: { message, type, param, code } }),
  };
}

/**
 * The answer for a failure scenario, or null for scenarios the server handles itself (`ok`, the
 * 200s that carry a bad image, `hang`, `drop_connection`). `key` is the caller's key: the 401 echoes it
 * the way OpenAI's own message does, so that tests can prove swapbench never repeats it.
 */
export function failureReply(scenario: FakeScenario, key: string, model: string): FakeReply | null {
  switch (scenario) {
    case 'auth_401':
      return openAIError(
        401,
        `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        'invalid_api_key',
      );
    case 'forbidden_403':
      return openAIError(
        403,
        `Your organization must be verified to use the model \`${model}\`. Key ${key} lacks access.`,
        'invalid_request_error',
        null,
      );
    case 'safety_400':
      return openAIError(
        400,
        'Your request was rejected as a result of our safety system. Your request may contain content that is not allowed by our safety system.',
        'image_generation_user_error',
        'moderation_blocked',
      );
    case 'bad_request_400':
      return openAIError(
        400,
        "Invalid value: '7x7'. Supported values are: '1024x1024', 'auto'.",
        'invalid_request_error',
        'invalid_value',
        'size',
      );
    case 'unprocessable_422':
      return openAIError(
        422,
        'The image could not be processed: unsupported mimetype.',
        'invalid_request_error',
        null,
        'image',
      );
    case 'model_not_found_404':
      return openAIError(
        404,
        `The model '${model}' does not exist or you do not have access to it.`,
        'invalid_request_error',
        'model_not_found',
        'model',
      );
    case 'rate_limit_429':
      return openAIError(
        429,
        'Rate limit reached for images per minute. Please try again later.',
        'requests',
        'rate_limit_exceeded',
      );
    case 'rate_limit_429_retry_after':
      return openAIError(
        429,
        'Rate limit reached for images per minute.',
        'requests',
        'rate_limit_exceeded',
        null,
        { 'retry-after': '7' },
      );
    case 'rate_limit_429_retry_after_ms':
      return openAIError(
        429,
        'Rate limit reached for images per minute.',
        'requests',
        'rate_limit_exceeded',
        null,
        { 'retry-after-ms': '1500' },
      );
    case 'server_500':
      return openAIError(
        500,
        'The server had an error while processing your request. Sorry about that!',
        'server_error',
        null,
      );
    case 'server_503':
      return openAIError(
        503,
        'The engine is currently overloaded, please try again later.',
        'server_error',
        null,
      );
    case 'html_200':
      return {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: '<html><body>Gateway login</body></html>',
      };
    case 'ok':
    case 'not_image_200':
    case 'truncated_png_200':
    case 'hang':
    case 'drop_connection':
      return null;
  }
}
