/**
 * The real `meridian serve` in a child process, for load tests: the load generator then has its own
 * process (and core) instead of sharing the server's event loop, which would halve what it measures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildServer {
  base: string;
  child: ChildProcess;
  /** Stops the server gracefully (SIGTERM), which also writes a CPU profile when one was asked for. */
  stop(): Promise<void>;
}

export interface ChildOptions {
  /** Write a V8 CPU profile (--cpu-prof) into this directory when the server stops. */
  profileDir?: string;
  /** pino level; requests are logged at info. */
  logLevel?: string;
  /** More `serve` options (default `--dev --port 0`). */
  args?: string[];
  /** The checkout whose bin/meridian.js runs (default this one). */
  root?: string;
}

export function spawnServer(store: string, opts: ChildOptions = {}): Promise<ChildServer> {
  const bin = resolve(opts.root ?? process.cwd(), 'bin/meridian.js');
  const nodeArgs = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  return spawnReady([...nodeArgs, bin, 'serve', ...(opts.args ?? ['--dev', '--port', '0']), '--host', '127.0.0.1', '--store', store, '--log-level', opts.logLevel ?? 'warn'], 'meridian serve');
}

/**
 * A server that only answers each request with the next of `bodies` (replay-server.mjs): what the
 * machine's HTTP stack and the load generator cost for responses of those sizes, with no work behind them.
 */
export function spawnReplay(bodies: string[]): Promise<ChildServer> {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-replay-'));
  const file = join(dir, 'bodies.json');
  writeFileSync(file, JSON.stringify(bodies));
  const started = spawnReady([fileURLToPath(new URL('./replay-server.mjs', import.meta.url)), file], 'the replay server');
  const clean = () => rmSync(dir, { recursive: true, force: true });
  started.catch(clean);
  return started.then((s) => ({ ...s, stop: () => s.stop().finally(clean) }));
}

/** Runs node with `args` until it prints `ready at http://…/fhir`. */
function spawnReady(args: string[], what: string): Promise<ChildServer> {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MERIDIAN_STORE: undefined },
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return new Promise((ready, fail) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = /ready at (http:\/\/[^\s]+\/fhir)/.exec(out);
      if (!m) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining anything it logs
      ready({
        base: m[1],
        child,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`${what} exited with ${code} before it was ready:\n${out}`)));
  });
}
