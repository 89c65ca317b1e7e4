// Starts the saman binary on a free port with a fresh, temporary SQLite database,
// waits until it answers /readyz, and stops it again.

import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The e2e/ folder. */
export const E2E_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** Where the saman binary is: $SAMAN_BIN (relative to e2e/ if relative), else ../target/debug/saman. */
export function samanBinary() {
  const fromEnv = process.env.SAMAN_BIN;
  const bin = fromEnv ? resolve(E2E_DIR, fromEnv) : resolve(E2E_DIR, '..', 'target', 'debug', 'saman');
  let ok = false;
  try {
    ok = statSync(bin).isFile();
    accessSync(bin, constants.X_OK);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new Error(
      `saman binary not found or not executable at ${bin}. ` +
        (fromEnv
          ? 'Check the SAMAN_BIN environment variable.'
          : 'Run `cargo build` at the repository root first, or set SAMAN_BIN to the binary.'),
    );
  }
  return bin;
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts saman. Returns { origin, port, stop(), output() }.
 * `origin` is e.g. "http://127.0.0.1:41234" (no trailing slash).
 */
export async function startServer({ importDirs = [] } = {}) {
  const bin = samanBinary();
  let lastError;
  // A free port can be taken between finding it and binding it: try a few times.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(bin, await freePort(), importDirs);
    } catch (err) {
      lastError = err;
      if (!err.retryable) break;
    }
  }
  throw lastError;
}

async function startOnce(bin, port, importDirs) {
  const dir = mkdtempSync(join(tmpdir(), 'saman-e2e-'));
  const addr = `127.0.0.1:${port}`;
  const env = { ...process.env, NO_COLOR: '1' };
  // Flags override the environment's address and database, but not its demo switch:
  // the suite needs the demo tenants.
  delete env.SAMAN_DEMO;
  const database = `sqlite:${join(dir, 'saman.db')}`;
  // Models to import before serving; then the demo does not load (the database is not empty).
  for (const model of importDirs) {
    const result = spawnSync(bin, ['--database-url', database, 'import', resolve(E2E_DIR, model)], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`saman import ${model} failed:\n${result.stdout}${result.stderr}`);
    }
  }

  const child = spawn(bin, ['serve', '--addr', addr, '--database-url', database], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk) => {
    out += chunk.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exitPromise = new Promise((r) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      r(exited);
    });
    child.on('error', (err) => {
      exited = { code: null, signal: null, error: err };
      r(exited);
    });
  });

  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const origin = `http://${addr}`;

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let ready = false;
  while (Date.now() < deadline) {
    if (exited) break;
    if (out.includes('Saman kjører på')) {
      try {
        const res = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) {
          ready = true;
          break;
        }
      } catch {
        // not yet
      }
    }
    await sleep(100);
  }

  if (!ready) {
    if (!exited) {
      child.kill('SIGKILL');
      await exitPromise;
    }
    cleanup();
    const err = new Error(
      `saman did not become ready on ${addr} ` +
        (exited
          ? `(it exited: ${exited.error ? exited.error.message : `code ${exited.code}, signal ${exited.signal}`})`
          : `within ${READY_TIMEOUT_MS / 1000} s`) +
        `\n--- saman output ---\n${out.slice(-5000)}`,
    );
    err.retryable = Boolean(exited) && /address already in use|AddrInUse|os error 98/i.test(out);
    throw err;
  }

  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill('SIGTERM');
      let timer;
      const timeout = new Promise((r) => {
        timer = setTimeout(() => r('timeout'), STOP_TIMEOUT_MS);
      });
      const outcome = await Promise.race([exitPromise, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        process.stderr.write(`saman did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM; killing it\n`);
        child.kill('SIGKILL');
        await exitPromise;
      }
    }
    cleanup();
  }

  /** Runs a saman command on this server's database (e.g. demo-history). */
  function run(args) {
    const result = spawnSync(bin, ['--database-url', database, ...args], { cwd: dir, env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`saman ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
    return result.stdout;
  }

  return { origin, port, stop, run, output: () => out };
}
