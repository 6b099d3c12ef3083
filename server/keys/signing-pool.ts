import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SigningKey } from './key-ring.js';

/**
 * The worker's whole program. It is evaluated from this string rather than loaded from a file so that the
 * same code runs from the TypeScript sources (tests), from `dist/` and from inside a packaged app's archive,
 * where a worker cannot be started from a file path.
 *
 * It signs with node:crypto's one-shot `sign()`, synchronously: blocking is what a worker is for. jose signs
 * only through WebCrypto, which hands every signature to libuv's threadpool and back; from a worker that hop
 * buys nothing and costs a thread wake-up per token (see docs/benchmarks.md). The JWS input it signs is
 * built, and every token it helps make is verified, with jose.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { sign } = require('node:crypto');
const keys = new Map();
parentPort.on('message', (batch) => {
  const out = [];
  for (const job of batch) {
    try {
      if (job.key !== undefined) keys.set(job.kid, job.key);
      const key = keys.get(job.kid);
      if (key === undefined) throw new Error('unknown key ' + job.kid);
      const input = Buffer.from(job.input, 'ascii');
      // RFC 7518 §3.4: ECDSA signatures in JWS are R || S, not DER.
      const signature = job.alg === 'ES256'
        ? sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' })
        : sign('sha256', input, key);
      out.push({ id: job.id, signature: signature.toString('base64url') });
    } catch (err) {
      out.push({ id: job.id, error: String(err && err.message ? err.message : err) });
    }
  }
  parentPort.postMessage(out);
});
parentPort.postMessage('ready');
`;

interface Job {
  readonly id: number;
  readonly kid: string;
  readonly alg: SigningKey['alg'];
  readonly input: string;
  /** Sent with a worker's first job for a kid; the worker keeps it. */
  readonly key?: KeyObject;
}

type Reply =
  { readonly id: number; readonly signature: string } | { readonly id: number; readonly error: string };

interface Pending {
  resolve(signature: string): void;
  reject(err: Error): void;
}

class PoolWorker {
  ready = false;
  inFlight = 0;
  readonly kids = new Set<string>();
  queue: Job[] = [];
  readonly pending = new Map<number, Pending>();

  constructor(readonly worker: Worker) {}
}

/** How long after its first use the pool starts its workers. */
const START_DELAY_MS = 100;

/** How many signing workers the CLI and the desktop app start: one per core the process may use. */
export function defaultSigningWorkers(): number {
  return availableParallelism();
}

/**
 * A small pool of worker threads that make JWS signatures, so RSA signing uses every core and the event
 * loop only parses, routes and answers. Workers start shortly after first use; until one has started,
 * `sign()` answers `undefined` and the caller signs on its own thread (so start-up never waits for one). Jobs queued in
 * one turn of the event loop go to a worker as one message.
 */
export class SigningPool {
  readonly #size: number;
  readonly #workers: PoolWorker[] = [];
  #nextId = 1;
  #closed = false;
  #broken = false;
  #signatures = 0;
  #ready: Promise<void> | undefined;
  #startTimer: NodeJS.Timeout | undefined;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`a signing pool needs at least one worker, got ${size}`);
    this.#size = size;
  }

  get size(): number {
    return this.#size;
  }

  /** Workers that have started and take jobs. */
  get readyWorkers(): number {
    return this.#workers.filter((w) => w.ready).length;
  }

  /** Signatures the workers have made so far. */
  get signatures(): number {
    return this.#signatures;
  }

  /** Starts the workers now rather than after first use; resolves once every one of them takes jobs. */
  start(): Promise<void> {
    clearTimeout(this.#startTimer);
    this.#startTimer = undefined;
    if (this.#workers.length === 0 && !this.#closed && !this.#broken) this.#start();
    return this.#ready ?? Promise.resolve();
  }

  /**
   * Signs a JWS signing input (`BASE64URL(header).BASE64URL(payload)`, RFC 7515 §5.1) and resolves with the
   * base64url signature, or answers `undefined` when no worker is ready yet (or the pool is closed or broken).
   */
  sign(key: SigningKey, input: string): Promise<string> | undefined {
    if (this.#closed || this.#broken) return undefined;
    if (this.#workers.length === 0) {
      this.#startSoon();
      return undefined;
    }
    const target = this.#leastBusy();
    if (target === undefined) return undefined;
    const id = this.#nextId++;
    let job: Job = { id, kid: key.kid, alg: key.alg, input };
    if (!target.kids.has(key.kid)) {
      job = { ...job, key: key.keyObject };
      target.kids.add(key.kid);
    }
    if (target.queue.length === 0) {
      // Flush after this turn's I/O callbacks, so requests parsed together travel together.
      setImmediate(() => {
        this.#flush(target);
      });
    }
    target.queue.push(job);
    if (target.inFlight++ === 0) target.worker.ref();
    return new Promise<string>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
    });
  }

  /** Stops every worker; jobs still in flight are rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#startTimer);
    const workers = this.#workers.splice(0);
    for (const w of workers) this.#fail(w, new Error('the signing pool was closed'));
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  /**
   * Workers take tens of milliseconds of CPU each to boot. On first use they start a little later, once the
   * request that asked has been answered, so a cold start's first token does not share the CPU with them.
   */
  #startSoon(): void {
    if (this.#startTimer !== undefined) return;
    this.#startTimer = setTimeout(() => {
      this.#startTimer = undefined;
      if (this.#workers.length === 0 && !this.#closed && !this.#broken) this.#start();
    }, START_DELAY_MS);
    this.#startTimer.unref();
  }

  #leastBusy(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const w of this.#workers)
      if (w.ready && (best === undefined || w.inFlight < best.inFlight)) best = w;
    return best;
  }

  #flush(w: PoolWorker): void {
    if (w.queue.length === 0 || this.#closed) return;
    const batch = w.queue;
    w.queue = [];
    w.worker.postMessage(batch);
  }

  #start(): void {
    const started: Promise<void>[] = [];
    for (let i = 0; i < this.#size; i++) {
      const w = new PoolWorker(new Worker(WORKER_SOURCE, { eval: true }));
      w.worker.unref();
      let markReady = (): void => undefined;
      started.push(
        new Promise<void>((resolve) => {
          markReady = resolve;
        }),
      );
      w.worker.on('message', (message: 'ready' | Reply[]) => {
        if (message === 'ready') {
          w.ready = true;
          markReady();
          return;
        }
        for (const reply of message) this.#settle(w, reply);
      });
      w.worker.on('error', (err) => {
        this.#breakPool(err);
      });
      w.worker.on('exit', () => {
        if (!this.#closed) this.#breakPool(new Error('a signing worker exited'));
      });
      w.worker.once('exit', () => {
        markReady();
      });
      this.#workers.push(w);
    }
    this.#ready = Promise.all(started).then(() => undefined);
  }

  #settle(w: PoolWorker, reply: Reply): void {
    const pending = w.pending.get(reply.id);
    if (pending === undefined) return;
    w.pending.delete(reply.id);
    if (--w.inFlight === 0) w.worker.unref();
    if ('signature' in reply) {
      this.#signatures++;
      pending.resolve(reply.signature);
    } else pending.reject(new Error(`signing failed: ${reply.error}`));
  }

  /** A worker that crashed takes the pool down: later tokens are signed on the main thread instead. */
  #breakPool(err: Error): void {
    if (this.#broken) return;
    this.#broken = true;
    for (const w of this.#workers) this.#fail(w, err);
    void Promise.all(this.#workers.splice(0).map((w) => w.worker.terminate()));
  }

  #fail(w: PoolWorker, err: Error): void {
    for (const p of w.pending.values()) p.reject(err);
    w.pending.clear();
    w.queue = [];
    if (w.inFlight > 0) w.worker.unref();
    w.inFlight = 0;
  }
}
