// The loopback harness: serves the built renderer and the API over HTTP on 127.0.0.1, so the real
// UI and the real services run end-to-end in a plain browser (web-dev mode, Playwright tests).
// Never part of the packaged app.
//
// Every request needs the random token: the page URL carries it once (?token=…), which sets a
// SameSite=Strict, HttpOnly cookie for the page's own asset loads; API calls send it in the
// x-rtcw-token header (a header other sites cannot set, so no CSRF). The Host header must be the
// loopback address, which defeats DNS rebinding.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApiError } from '../../shared/api/contract';
import {
  createApiRuntime,
  type ApiRuntimeOptions,
  type ApiService,
  type PathChooser,
  type StudySession,
} from '../services/api/index';
import { MIME_TYPES, SECURITY_HEADERS } from '../services/contentSecurityPolicy';
import { bridgeScript } from './bridgeScript';

export interface HarnessOptions {
  /** 0 = random free port. */
  port?: number;
  /** Built renderer (vite build output). */
  rendererDir?: string;
  /** Recent list + demo study; a fresh temporary directory when omitted. */
  userDataDir?: string;
  /** Defaults to a random 32-byte hex token. */
  token?: string;
  /** Defaults to "use the typed path" (new studies without one go to <userDataDir>/studies, exports to <userDataDir>-exports). */
  choosePath?: PathChooser;
  populateDemo?: ApiRuntimeOptions['populateDemo'];
  /** The locale of the study's 'locale' display setting; default: the process's (the OS's). */
  locale?: string;
  /** Transport tests only: serve another contract instead of the app's. */
  contract?: ApiRuntimeOptions['contract'];
}

export interface Harness {
  /** Page URL including the token. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  readonly service: ApiService;
  readonly session: StudySession;
  close(): Promise<void>;
}

const COOKIE = 'rtcw_token';
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Web mode has no native dialog: the typed path is the choice. A new file with no typed path goes
 * to `defaultDir` under the request's default name (made unique) — or, for exports, to `exportDir`
 * (exports never go into the app's own folder: electron/services/api/fileGrants.ts); opening
 * needs a typed path.
 */
export function typedPathChooser(defaultDir: string, exportDir: string = defaultDir): PathChooser {
  return async (request) => {
    if (request.requested) return path.resolve(request.requested);
    if (request.mode === 'save-file' && request.defaultName) {
      const dir = request.purpose === 'createStudy' ? defaultDir : exportDir;
      fs.mkdirSync(dir, { recursive: true });
      const ext = path.extname(request.defaultName);
      const stem = path.basename(request.defaultName, ext);
      let candidate = path.join(dir, request.defaultName);
      for (let n = 2; fs.existsSync(candidate); n++) candidate = path.join(dir, `${stem}-${n}${ext}`);
      return candidate;
    }
    throw new ApiError(
      'INVALID_INPUT',
      `${request.title}: type the full path of the ${request.mode === 'open-directory' ? 'folder' : 'file'} (web mode has no file dialog).`,
    );
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const rendererDir = path.resolve(options.rendererDir ?? 'dist/renderer');
  const indexFile = path.join(rendererDir, 'index.html');
  if (!fs.existsSync(indexFile)) {
    throw new Error(`${indexFile} is missing: build the renderer first (npm run build:renderer).`);
  }
  const token = options.token ?? crypto.randomBytes(32).toString('hex');
  const tokenBytes = Buffer.from(token);
  const userDataDir = options.userDataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-harness-'));
  const service = createApiRuntime({
    userDataDir,
    choosePath: options.choosePath ?? typedPathChooser(path.join(userDataDir, 'studies'), `${userDataDir}-exports`),
    populateDemo: options.populateDemo,
    contract: options.contract,
    locale: options.locale,
  });
  const bridge = bridgeScript(token, service.methods);
  const eventStreams = new Set<http.ServerResponse>();
  const unsubscribe = service.session.onChange(() => {
    for (const stream of eventStreams) stream.write('event: studyChanged\ndata: {}\n\n');
  });

  let allowedHosts: Set<string> = new Set();

  const tokenMatches = (candidate: string | undefined | null): boolean => {
    if (!candidate) return false;
    const bytes = Buffer.from(candidate);
    return bytes.length === tokenBytes.length && crypto.timingSafeEqual(bytes, tokenBytes);
  };

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      console.error('[rtcw harness]', error);
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'Internal error');
      else response.end();
    });
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (!allowedHosts.has(request.headers.host ?? '')) return send(response, 403, 'text/plain; charset=utf-8', 'Forbidden host');
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const cookieToken = parseCookies(request.headers.cookie)[COOKIE];
    const headerToken = request.headers['x-rtcw-token'];
    const queryToken = url.searchParams.get('token');
    const isApi = url.pathname.startsWith('/__rtcw/api/') || url.pathname === '/__rtcw/cancel';

    // API: header token only (a cookie alone could be replayed by a cross-site form post).
    const authorised = isApi
      ? tokenMatches(typeof headerToken === 'string' ? headerToken : undefined)
      : tokenMatches(cookieToken) || tokenMatches(queryToken);
    if (!authorised) return send(response, 403, 'text/plain; charset=utf-8', 'Forbidden: missing or wrong token');

    if (queryToken !== null && tokenMatches(queryToken)) {
      response.setHeader('Set-Cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }

    if (url.pathname.startsWith('/__rtcw/api/')) {
      if (request.method !== 'POST') return send(response, 405, 'text/plain; charset=utf-8', 'POST only');
      return callMethod(decodeURIComponent(url.pathname.slice('/__rtcw/api/'.length)), request, response);
    }
    if (url.pathname === '/__rtcw/cancel') {
      if (request.method !== 'POST') return send(response, 405, 'text/plain; charset=utf-8', 'POST only');
      const body = (await readJson(request)) as { jobId?: unknown };
      const cancelled = typeof body.jobId === 'string' && service.cancel(body.jobId);
      return send(response, 200, 'application/json; charset=utf-8', JSON.stringify({ cancelled }));
    }
    if (url.pathname === '/__rtcw/events') {
      response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
      response.write(': connected\n\n');
      eventStreams.add(response);
      request.on('close', () => eventStreams.delete(response));
      return;
    }
    if (url.pathname === '/__rtcw/bridge.js') return send(response, 200, MIME_TYPES['.js'], bridge);
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain; charset=utf-8', 'GET only');
    return serveStatic(url.pathname, response);
  }

  async function callMethod(method: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
      return send(response, 415, 'text/plain; charset=utf-8', 'application/json only');
    }
    let body: { input?: unknown; jobId?: unknown };
    try {
      body = (await readJson(request)) as typeof body;
    } catch (error) {
      return send(response, 400, 'text/plain; charset=utf-8', error instanceof Error ? error.message : 'Bad request');
    }
    const disconnected = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) disconnected.abort();
    });
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/x-ndjson; charset=utf-8' });
    const result = await service.call(method, body.input, {
      jobId: typeof body.jobId === 'string' ? body.jobId : undefined,
      signal: disconnected.signal,
      onProgress: (progress) => response.write(`${JSON.stringify({ type: 'progress', progress })}\n`),
    });
    response.end(`${JSON.stringify({ type: 'result', response: result })}\n`);
  }

  function serveStatic(pathname: string, response: http.ServerResponse): void {
    let relative: string;
    try {
      relative = decodeURIComponent(pathname);
    } catch {
      return send(response, 400, 'text/plain; charset=utf-8', 'Bad path');
    }
    const file = path.resolve(rendererDir, `.${relative}`);
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep)) {
      return send(response, 403, 'text/plain; charset=utf-8', 'Forbidden path');
    }
    const isFile = fs.existsSync(file) && fs.statSync(file).isFile();
    // Unknown extension-less paths are client-side routes: serve the app.
    if (!isFile && path.extname(file) !== '') return send(response, 404, 'text/plain; charset=utf-8', 'Not found');
    const target = isFile ? file : indexFile;
    if (target === indexFile) return send(response, 200, MIME_TYPES['.html'], injectBridge(fs.readFileSync(indexFile, 'utf8')));
    const type = MIME_TYPES[path.extname(target).toLowerCase()] ?? 'application/octet-stream';
    send(response, 200, type, fs.readFileSync(target));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    service,
    session: service.session,
    async close() {
      unsubscribe();
      for (const stream of eventStreams) stream.end();
      eventStreams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      service.session.dispose();
    },
  };
}

/** The bridge must run before the app's module scripts, which are deferred. */
function injectBridge(html: string): string {
  const tag = '<script src="/__rtcw/bridge.js"></script>';
  return html.includes('</head>') ? html.replace('</head>', `  ${tag}\n  </head>`) : `${tag}\n${html}`;
}

function send(response: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type });
  response.end(body);
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('Request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error('Request body is not JSON');
  }
}
