/**
 * The sign-in pages: nunjucks with the NHS design system's own templates (nhsuk-frontend), served
 * with security headers (a nonce-based Content-Security-Policy, no framing, no caching, no
 * referrer), and the design system's CSS and icons under /assets.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import nunjucks from 'nunjucks';

const NHSUK = join(dirname(createRequire(import.meta.url).resolve('nhsuk-frontend/package.json')), 'dist');
const TEMPLATES = fileURLToPath(new URL('./templates', import.meta.url));

export interface PageOptions {
  /** Origins a form on the page may end up at (the app's redirect URI after sign-in). */
  formTargets?: string[];
  /** The path under which /assets and /auth are served ('' at the root). */
  rootPath: string;
}

export class Pages {
  private readonly env = new nunjucks.Environment(new nunjucks.FileSystemLoader([TEMPLATES, NHSUK]), { autoescape: true, throwOnUndefined: false });

  render(template: string, vars: Record<string, unknown>): string {
    return this.env.render(template, vars);
  }

  send(reply: FastifyReply, status: number, template: string, vars: Record<string, unknown>, opts: PageOptions): FastifyReply {
    const nonce = randomBytes(16).toString('base64');
    const html = this.render(template, { ...vars, cspNonce: nonce, assetPath: `${opts.rootPath}/assets`, authPath: `${opts.rootPath}/auth` });
    const formAction = ["'self'", ...new Set((opts.formTargets ?? []).map(originOf).filter((o): o is string => o !== undefined))].join(' ');
    return reply
      .code(status)
      .header('Content-Type', 'text/html; charset=utf-8')
      .header(
        'Content-Security-Policy',
        `default-src 'none'; style-src 'self'; img-src 'self'; manifest-src 'self'; script-src 'nonce-${nonce}'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
      )
      .header('X-Frame-Options', 'DENY')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .header('Cross-Origin-Opener-Policy', 'same-origin')
      .header('Cache-Control', 'no-store')
      .send(html);
  }
}

function originOf(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    return url.origin !== 'null' ? url.origin : `${url.protocol}`;
  } catch {
    return undefined;
  }
}

const TYPES: Record<string, string> = { css: 'text/css; charset=utf-8', svg: 'image/svg+xml', png: 'image/png', ico: 'image/x-icon', json: 'application/manifest+json' };

/** GET /assets/…: the design system's stylesheet, icons and manifest, read once. */
export function registerAssets(app: FastifyInstance): void {
  const files = new Map<string, { type: string; body: Buffer }>();
  const add = (name: string, path: string) => files.set(name, { type: TYPES[name.split('.').pop()!] ?? 'application/octet-stream', body: readFileSync(path) });
  add('nhsuk-frontend.min.css', join(NHSUK, 'nhsuk', 'nhsuk-frontend.min.css'));
  add('manifest.json', join(NHSUK, 'nhsuk', 'assets', 'manifest.json'));
  for (const name of readdirSync(join(NHSUK, 'nhsuk', 'assets', 'images'))) add(`images/${name}`, join(NHSUK, 'nhsuk', 'assets', 'images', name));
  app.get('/assets/*', async (req, reply) => {
    const file = files.get((req.params as { '*': string })['*']);
    if (!file) return reply.code(404).header('Content-Type', 'text/plain; charset=utf-8').send('Not found');
    return reply.header('Content-Type', file.type).header('Cache-Control', 'public, max-age=86400').header('X-Content-Type-Options', 'nosniff').send(file.body);
  });
}
