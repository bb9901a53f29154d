import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ApiError } from '../../functions/jobs/domain/errors.ts';
import { ensurePortFree, listenOnLoopback } from '../services/ports.ts';
import { ConsoleApi, ReadOnlyConsoleError, type ConsoleApiOptions, type ConsoleConfig } from './console-api.ts';

/** Where the console lives: under the local API (`npm start`) and on its own server (`npm run console`) alike. */
export const CONSOLE_BASE_PATH = '/console';
/** Request bodies the console accepts (a redrive of a page of message ids is a few KB). */
const MAX_BODY_BYTES = 1024 * 1024;

const uiFile = (name: string) => fileURLToPath(new URL(`./ui/${name}`, import.meta.url));

/**
 * The browser code: `ui/main.ts` with Preact and htm from node_modules, bundled by esbuild
 * (the bundler `tsx` runs on) once per process, so nothing is fetched from elsewhere at run time.
 */
let bundle: Promise<string> | undefined;
function uiBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [uiFile('main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
  }).then((result) => result.outputFiles[0]?.text ?? '');
  return bundle;
}

/**
 * The page, with the console's configuration inline (a JSON block, which no browser runs), so
 * a view asks for its data at once instead of after a first round trip for the configuration.
 */
function indexHtml(config: ConsoleConfig): string {
  // `<` escaped, so no value can close the block early.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Jobs console</title>
<link rel="stylesheet" href="${CONSOLE_BASE_PATH}/assets/console.css">
</head>
<body>
<script type="application/json" id="console-config">${json}</script>
<div id="app"></div>
<script type="module" src="${CONSOLE_BASE_PATH}/assets/app.js"></script>
</body>
</html>
`;
}

function readBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) return reject(new ApiBodyError('The request body is over 1 MB'));
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text === '' ? undefined : JSON.parse(text));
      } catch {
        reject(new ApiBodyError('The request body is not JSON'));
      }
    });
  });
}

class ApiBodyError extends Error {
  readonly status = 400;
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  // The console's pages are its own: no framing by other sites, no caching of job data.
  response.writeHead(status, {
    'content-type': contentType,
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'self'; style-src 'self'; img-src 'self' data:",
  });
  response.end(body);
}

function errorAnswer(error: unknown): { status: number; body: unknown } {
  if (error instanceof ApiError)
    return { status: error.status, body: { error: { code: error.code, message: error.message, details: error.details } } };
  if (error instanceof ReadOnlyConsoleError || error instanceof ApiBodyError)
    return { status: error.status, body: { error: { message: error.message } } };
  return {
    status: 502,
    body: { error: { message: `The target refused: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` } },
  };
}

export interface ConsoleApp {
  readonly api: ConsoleApi;
  /** Serves every request under CONSOLE_BASE_PATH: the page, its assets and `api/…`. */
  readonly listener: RequestListener;
}

/** The console as a request listener, to mount under `/console` of the local API or serve on its own. */
export function consoleApp(options: ConsoleApiOptions): ConsoleApp {
  const api = new ConsoleApi(options);
  const listener: RequestListener = (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname.slice(CONSOLE_BASE_PATH.length) || '/';
    if (path === '/assets/app.js') {
      void uiBundle().then(
        (code) => send(response, 200, 'text/javascript; charset=utf-8', code),
        (error: unknown) => send(response, 500, 'text/plain', `The console's code did not build: ${String(error)}`),
      );
      return;
    }
    if (path === '/assets/console.css') {
      void readFile(uiFile('console.css'), 'utf8').then((css) => send(response, 200, 'text/css; charset=utf-8', css));
      return;
    }
    if (path.startsWith('/api/')) {
      readBody(request)
        .then((body) => api.handle({ method: request.method ?? 'GET', path: path.slice('/api'.length), query: url.searchParams, body }))
        .then(
          (answer) => send(response, 200, 'application/json', JSON.stringify(answer ?? {})),
          (error: unknown) => {
            const { status, body } = errorAnswer(error);
            send(response, status, 'application/json', JSON.stringify(body));
          },
        );
      return;
    }
    // Every other path is a view of the page (`/console/jobs/<id>`, `/console/dlq`): deep links load the page, which routes.
    if (request.method !== 'GET') return send(response, 405, 'text/plain', 'Method Not Allowed');
    send(response, 200, 'text/html; charset=utf-8', indexHtml(api.config()));
  };
  return { api, listener };
}

/** `npm run console`: the console on a server of its own, on 127.0.0.1 only. */
export async function startConsoleServer(port: number, options: ConsoleApiOptions): Promise<{ url: string; close(): Promise<void> }> {
  if (port !== 0) await ensurePortFree(port, 'the console', '--port');
  const { listener } = consoleApp(options);
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (path === CONSOLE_BASE_PATH || path.startsWith(`${CONSOLE_BASE_PATH}/`)) return listener(request, response);
    response.writeHead(302, { location: `${CONSOLE_BASE_PATH}/` }).end();
  });
  const { url, close } = await listenOnLoopback(server, port);
  return { url: `${url}${CONSOLE_BASE_PATH}/`, close };
}
